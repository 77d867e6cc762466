// exp, log, sin, cos, tan, atan2 and pow: both backends bit for bit, and the error against glibc within its bound.
import Testing
import RefractSupport
@testable import Tracer
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One function under test: how to trace it, its C library counterpart and the documented bound (in ulp of the
/// C library's result) on the difference between the two.
struct TranscendentalCase: Sendable, CustomStringConvertible {
    let name: String
    let bound: Int64
    let traced: @Sendable (FloatArray, FloatArray) -> FloatArray
    let library: @Sendable (Float, Float) -> Float
    /// Whether the function has a second argument.
    let binary: Bool
    var description: String { name }

    static let all: [TranscendentalCase] = [
        unary("exp", bound: 1, { exp($0) }, expf), unary("log", bound: 1, { log($0) }, logf),
        unary("sin", bound: 1, { sin($0) }, sinf), unary("cos", bound: 1, { cos($0) }, cosf),
        unary("tan", bound: 1, { tan($0) }, tanf),
        TranscendentalCase(name: "atan2", bound: 2, traced: { atan2($0, $1) }, library: { atan2f($0, $1) },
                           binary: true),
        TranscendentalCase(name: "pow", bound: 1, traced: { pow($0, $1) }, library: { powf($0, $1) }, binary: true),
    ]

    static func unary(_ name: String, bound: Int64, _ traced: @escaping @Sendable (FloatArray) -> FloatArray,
                      _ library: @escaping @Sendable (Float) -> Float) -> TranscendentalCase {
        TranscendentalCase(name: name, bound: bound, traced: { x, _ in traced(x) }, library: { x, _ in library(x) },
                           binary: false)
    }
}

/// The distance between two floats in units in the last place (0 for two NaNs, Int64.max for a NaN and a number).
func ulpDistance(_ a: Float, _ b: Float) -> Int64 {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN ? 0 : Int64.max }
    func ordered(_ x: Float) -> Int64 {
        x.bitPattern < 0x8000_0000 ? Int64(x.bitPattern) : -Int64(x.bitPattern & 0x7fff_ffff)
    }
    return Swift.abs(ordered(a) - ordered(b))
}

@Suite("Transcendental functions")
struct TranscendentalTests {
    static let specials: [Float] = [
        0, -0.0, 1, -1, 0.5, -0.5, 2, -2, 3, -3, 0.25, 1.5, -2.5, 7, 10, 100, -100, 1e10, -1e10, 1e30, -1e30,
        .infinity, -.infinity, .nan, -.nan, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
        -.leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1e-40, -1e-40, 1e-20,
        1 + .ulpOfOne, 1 - .ulpOfOne / 2, 88.72283, 88.72284, 89, -87.33654, -103.97, -103.98, -104, 3.1415927,
        -3.1415927, 1.5707964, -1.5707964, 0.7853982, 2.3561945, 4.712389, 6.2831855, 0x1p17, -0x1p17,
        0x1p17 + 0.015625, -0x1p17 - 0.015625, 16_777_215, 16_777_216, 8_388_609, 1e5, 31_416, 102_943.71,
    ]

    /// Specials, then random floats: uniform over [-r, r] for each range r, and uniform over all bit patterns.
    static func arguments(count: Int, ranges: [Float], seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: seed)
        var values = specials
        for range in ranges {
            values += (0..<count).map { _ in Float.random(in: -range...range, using: &generator) }
        }
        values += (0..<count).map { _ in Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &generator)) }
        return values
    }

    /// (first, second) argument columns: unary functions get `arguments`, binary ones every pair of specials,
    /// then random pairs (for pow, bases over several magnitudes of either sign and exponents over ±range).
    static func columns(_ function: TranscendentalCase) -> ([Float], [Float]) {
        let count = 20_000
        guard function.binary else {
            let ranges: [Float] = function.name == "exp" ? [1, 10, 90, 110] : [1, 10, 100, 1e4, 0x1p17, 1e6]
            let first = arguments(count: count, ranges: ranges, seed: 7)
            return (first, [Float](repeating: 0, count: first.count))
        }
        var first: [Float] = [], second: [Float] = []
        for a in specials { for b in specials { first.append(a); second.append(b) } }
        var generator = SplitMix64(seed: 11)
        for _ in 0..<(6 * count) {
            if function.name == "pow" {
                let magnitude: Float = [1e-30, 1e-3, 1, 10, 1e4][Int.random(in: 0..<5, using: &generator)]
                let base = Float.random(in: -4...4, using: &generator) * magnitude
                let exponent: Float = Bool.random(using: &generator)
                    ? Float.random(in: -30...30, using: &generator)
                    : Float(Int.random(in: -40...40, using: &generator))
                first.append(base)
                second.append(exponent)
            } else {
                let scales: [Float] = [1e-30, 1, 1e30]
                let scale = scales[Int.random(in: 0..<3, using: &generator)]
                first.append(Float.random(in: -1...1, using: &generator) * scale)
                let otherScale = scales[Int.random(in: 0..<3, using: &generator)]
                second.append(Float.random(in: -1...1, using: &generator) * otherScale)
            }
        }
        return (first, second)
    }

    /// The function on both backends through traced arrays.
    static func evaluate(_ function: TranscendentalCase, _ first: [Float], _ second: [Float])
        -> (llvm: [Float], scalar: [Float]) {
        let results = [Variant.llvm, .scalar].map { variant in
            let context = TraceContext(options: CompileOptions(variant: variant))
            defer { context.clearValueNumbers() }  // the table's nodes and the context hold each other
            return function.traced(FloatArray(first, context: context), FloatArray(second, context: context)).values
        }
        return (results[0], results[1])
    }

    @Test("the LLVM and scalar backends agree bit for bit", arguments: TranscendentalCase.all)
    func backendsAgree(_ function: TranscendentalCase) {
        let (first, second) = Self.columns(function)
        let (llvm, scalar) = Self.evaluate(function, first, second)
        if let index = first.indices.first(where: { llvm[$0].bitPattern != scalar[$0].bitPattern }) {
            Issue.record("\(function)(\(first[index]), \(second[index])): LLVM \(llvm[index]), scalar \(scalar[index])")
        }
    }

    @Test("the error against the C library is within the documented bound", arguments: TranscendentalCase.all)
    func accuracy(_ function: TranscendentalCase) {
        let (first, second) = Self.columns(function)
        let values = Self.evaluate(function, first, second).llvm
        var worst: (ulps: Int64, index: Int) = (0, 0)
        for index in first.indices {
            let expected = function.library(first[index], second[index])
            let ulps = ulpDistance(values[index], expected)
            if ulps > worst.ulps { worst = (ulps, index) }
            if values[index] == 0 && expected == 0 {
                #expect(values[index].sign == expected.sign,
                        "\(function)(\(first[index]), \(second[index])): the sign of zero differs")
            }
        }
        let (a, b) = (first[worst.index], second[worst.index])
        #expect(worst.ulps <= function.bound,
                "\(function)(\(a), \(b)): \(values[worst.index]) vs \(function.library(a, b)), \(worst.ulps) ulp")
    }

    @Test("sin, cos and tan of huge arguments: the long reduction in the lanes that need it, within 1 ulp of the C library")
    func hugeArguments() {
        let huge: [Float] = [0x1p17 + 0.015625, 1e6, -3e7, 1e30, .greatestFiniteMagnitude, 0x1p127, 0x1.fffffep119,
                             // Floats close to multiples of π/2 (the quadrant's remainder cancels most bits).
                             0x1.921fb6p+100, 0x1.921fb4p+24, 0x1.5fdbbep+21, 0x1.a5f5fap+110, 0x1.6a09e6p+60]
        var generator = SplitMix64(seed: 3)
        let random = (0..<2000).map { _ in
            Float(sign: Bool.random(using: &generator) ? .minus : .plus, exponent: Int.random(in: 17...127, using: &generator),
                  significand: Float.random(in: 1..<2, using: &generator))
        }
        // A vector of small arguments with one huge lane, and vectors of only huge ones.
        let values: [Float] = (0..<64).map { $0 == 37 ? 1e6 : Float($0) * 0.1 } + huge + huge.map { -$0 } + random
        let cases: [(FloatArray) -> FloatArray] = [{ sin($0) }, { cos($0) }, { tan($0) }]
        let library: [(Float) -> Float] = [sinf, cosf, tanf]
        for (traced, reference) in zip(cases, library) {
            var results: [[Float]] = []
            for variant in [Variant.llvm, .scalar] {
                let context = TraceContext(options: CompileOptions(variant: variant))
                defer { context.clearValueNumbers() }
                let result = traced(FloatArray(values, context: context)).values
                results.append(result)
                for (x, y) in zip(values, result) {
                    #expect(ulpDistance(y, reference(x)) <= 1, "\(variant) at \(x): \(y) vs \(reference(x))")
                }
            }
            #expect(results[0].map(\.bitPattern) == results[1].map(\.bitPattern))
        }
    }

    @Test("the vector code calls no function; sin, cos and tan branch around their huge-argument reduction",
          arguments: [Op.exp, .log, .sin, .cos, .tan, .atan2, .pow])
    func vectorCode(_ op: Op) throws {
        var instructions = (0..<op.arity).map {
            KernelInstruction(op: .load, type: .float32, operands: [], immediate: UInt32($0), auxiliary: 0)
        }
        instructions.append(KernelInstruction(op: op, type: .float32, operands: (0..<op.arity).map(Int32.init),
                                              immediate: 0, auxiliary: 0))
        instructions.append(KernelInstruction(op: .store, type: .float32, operands: [Int32(op.arity)],
                                              immediate: UInt32(op.arity), auxiliary: 0))
        let slots = Array(repeating: KernelSlot(type: .float32, role: .input), count: op.arity)
            + [KernelSlot(type: .float32, role: .output)]
        let program = KernelProgram(instructions: instructions, slots: slots, vectorWidth: 16, countsOutOfRange: false)
        let text = try LLVMBackend.shared.intermediateRepresentation(of: program, optimized: true)
        #expect(text.contains("<16 x float>"))
        let calls = text.split(separator: "\n").filter { $0.contains("call float @") }
        #expect(calls.isEmpty)
        #expect(text.contains("rarely:") == [.sin, .cos, .tan].contains(op))
    }

    @Test("the reduction of huge arguments stays in its rarely-taken block, also inside a dispatch over cases")
    func hugeReductionStaysRare() throws {
        // At the host's width: the pin that keeps the reduction in place fills one of the host's vector registers,
        // and a width chosen by hand wider than that is not pinned.
        try TraceContext.with(CompileOptions(variant: .llvm, vectorWidth: HostCPU.hostVectorWidth)) {
            // The argument is made outside the dispatch and used inside its cases, as a BSDF's sampling warp does:
            // LLVM hoisted what it computes from there to before the loop over cases, where every vector ran it.
            let angle = FloatArray.arange(1000) * FloatArray.opaque(0.01)
            let lanes = UInt32Array.arange(1000)
            let result = dispatch(lanes % 2, count: 2, arguments: angle) { c, x in
                c == 0 ? sin(x) * cos(x) : x + 1
            }
            let text = try result.intermediateRepresentation()
            var block = ""
            var doubleBlocks = Set<String>()
            for line in text.split(separator: "\n") {
                if line.hasPrefix("}") || line.hasPrefix("declare") {
                    block = ""  // past the kernel's body: intrinsic declarations name double vectors too
                } else if let label = line.split(separator: ":").first, !line.hasPrefix(" "), line.contains(":"),
                   !line.hasPrefix(";"), !line.hasPrefix("define") {
                    block = String(label)
                } else if line.contains("x double>") && !block.isEmpty {
                    doubleBlocks.insert(block)
                }
            }
            #expect(!doubleBlocks.isEmpty)
            #expect(doubleBlocks.allSatisfy { $0.hasPrefix("rarely") && !$0.hasPrefix("rarely.done") }, "\(doubleBlocks)")
            // And the values are still those of the scalar backend.
            let expected = TraceContext.with(CompileOptions(variant: .scalar)) {
                dispatch(UInt32Array.arange(1000) % 2, count: 2, arguments: FloatArray.arange(1000) * 0.01) { c, x in
                    c == 0 ? sin(x) * cos(x) : x + 1
                }.values
            }
            #expect(result.values.map(\.bitPattern) == expected.map(\.bitPattern))
        }
    }

    @Test("sines at vector widths the host's registers do not have compile and agree with the scalar backend",
          arguments: [1, 2])
    func unusualWidths(width: Int) {
        let x = (0..<100).map { Float($0) * 0.37 - 5 } + [3e5, -7e8, .infinity, .nan]
        let llvm = TraceContext.with(CompileOptions(variant: .llvm, vectorWidth: width)) { sin(FloatArray(x)).values }
        let scalar = TraceContext.with(CompileOptions(variant: .scalar)) { sin(FloatArray(x)).values }
        #expect(llvm.map(\.bitPattern) == scalar.map(\.bitPattern))
    }

    @Test("literal folding computes what the kernels compute")
    func folding() {
        for function in TranscendentalCase.all {
            let arguments: [(Float, Float)] = [(0.7, 2.5), (-3, 2), (100, -0.5), (0, -0.0)]
            for (a, b) in arguments {
                let context = TraceContext(options: CompileOptions(variant: .llvm))
                defer { context.clearValueNumbers() }  // folded literals stay in the table
                let folded = function.traced(FloatArray(repeating: a, count: 1, context: context),
                                             FloatArray(repeating: b, count: 1, context: context))
                #expect(folded.node.isLiteral)
                let computed = Self.evaluate(function, [a], [b]).llvm[0]
                #expect(folded.values[0].bitPattern == computed.bitPattern, "\(function)(\(a), \(b))")
            }
        }
    }
}


@Suite("Code generation around square roots")
struct SquareRootCodegenTests {
    @Test("1 / sqrt(-0) is -inf inside fused kernels, so later clamps still hold", arguments: Variant.allCases)
    func negativeZero(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            // LLVM 14 assumes 1 / sqrt(x) >= 0 and would drop exp's clamp of its argument at -104: exp(-inf) = NaN.
            let x = FloatArray([-0.0, 0, 4, -1, .infinity])
            let fused = exp(rsqrt(x)).values
            #expect(fused[0] == 0 && fused[1] == .infinity && fused[2] == exp(FloatArray([0.5])).values[0] && fused[3].isNaN)
            #expect(fused[4] == 1)
            let reciprocal = exp(rcp(sqrt(x))).values
            #expect(reciprocal.map(\.bitPattern) == fused.map(\.bitPattern))
            #expect(sqrt(x).values[0].bitPattern == Float(-0.0).bitPattern)
        }
    }
}
