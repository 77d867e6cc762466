// Block reductions fused into the kernel of their source: the unfused path's bits, one kernel, no source in memory.
import Testing
import RefractSupport
@testable import Tracer

@Suite("Block reductions")
struct BlockReductionTests {
    /// Block lengths: 1, below W, dividing W, W, multiples of W, and one that neither divides nor is divided by W.
    static let lengths = [1, 3, 4, 16, 64, 100]
    /// Vector widths for the LLVM variant (nil: the host's), so every code shape meets every length.
    static let widths: [Int?] = [nil, 4, 8]

    enum Reduction: CaseIterable, CustomStringConvertible {
        case sum, min, max

        func callAsFunction<E: TracedNumeric>(_ x: TracedArray<E>, _ length: Int) -> TracedArray<E> {
            switch self {
            case .sum: x.blockSum(length)
            case .min: x.blockMin(length)
            case .max: x.blockMax(length)
            }
        }

        var description: String { "block\(self == .sum ? "Sum" : self == .min ? "Min" : "Max")" }
    }

    /// Random host data, the same for a given seed.
    static func floats(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            Float.random(in: -1...1, using: &generator) * [1, 100, 1e5][Int.random(in: 0..<3, using: &generator)]
        }
    }

    static func integers(_ count: Int, seed: UInt64) -> [Int32] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in Int32.random(in: Int32.min...Int32.max, using: &generator) }
    }

    /// An unevaluated float source over `count` lanes, built from host data in the current context.
    static func floatSource(_ count: Int) -> FloatArray {
        let a = FloatArray(floats(count, seed: 1)), b = FloatArray(floats(count, seed: 2))
        return a * b + a
    }

    /// An unevaluated int32 source (wrapping arithmetic, so sums overflow).
    static func integerSource(_ count: Int) -> Int32Array {
        let a = Int32Array(integers(count, seed: 3)), b = Int32Array(integers(count, seed: 4))
        return a * 3 + b
    }

    /// The bits of `reduction(source(), length)`, with the source evaluated first (unfused) or not (fused), in a
    /// fresh context, and the statistics of that evaluation alone.
    static func run<E: TracedNumeric>(_ options: CompileOptions, fused: Bool, _ reduction: Reduction, _ length: Int,
                                      _ source: (Int) -> TracedArray<E>, count: Int) -> ([UInt32], TraceStatistics) {
        TraceContext.with(options) {
            let x = source(count)
            if !fused { x.eval() }
            TraceContext.current.resetStatistics()
            let result = reduction(x, length)
            result.eval()
            let statistics = TraceContext.current.statistics
            return (result.values.map(\.bits), statistics)
        }
    }

    @Test("fused block reductions give the unfused bits, in one kernel that stores no source",
          arguments: Variant.allCases, widths)
    func fusedMatchesUnfused(variant: Variant, width: Int?) {
        if variant == .scalar && width != nil { return }
        // Small blocks of work, so that the larger count spans several.
        let options = CompileOptions(variant: variant, vectorWidth: width, blockSize: 2048)
        for count in [1037, 9001] {
            for length in Self.lengths {
                for reduction in Reduction.allCases {
                    let what = "\(reduction)(\(length)) of \(count) on \(variant) W=\(width.map(String.init) ?? "host")"
                    let (fused, statistics) = Self.run(options, fused: true, reduction, length, Self.floatSource,
                                                       count: count)
                    let (unfused, _) = Self.run(options, fused: false, reduction, length, Self.floatSource,
                                                count: count)
                    #expect(fused.count == (count + length - 1) / length, "\(what)")
                    Self.expectIdentical(fused, unfused, "float \(what)")
                    #expect(statistics.kernelsLaunched == 1, "\(what)")
                    if length > 1 { #expect(statistics.allocatedBytes < count * 4, "\(what)") }

                    let (fusedIntegers, _) = Self.run(options, fused: true, reduction, length, Self.integerSource,
                                                      count: count)
                    let (unfusedIntegers, _) = Self.run(options, fused: false, reduction, length,
                                                        Self.integerSource, count: count)
                    Self.expectIdentical(fusedIntegers, unfusedIntegers, "int32 \(what)")
                    Self.expectIdentical(fusedIntegers, Self.hostReduction(reduction, length, count: count),
                                         "int32 \(what) on the host")
                }
            }
        }
    }

    /// Expects the same bits, naming the first difference (rather than printing both arrays).
    static func expectIdentical(_ actual: [UInt32], _ expected: [UInt32], _ what: String,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        guard actual != expected else { return }
        let index = zip(actual, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            ?? Swift.min(actual.count, expected.count)
        let shown = { (bits: [UInt32]) in index < bits.count ? "0x" + String(bits[index], radix: 16) : "none" }
        let message = "\(what): element \(index) is \(shown(actual)), expected \(shown(expected)) "
            + "(counts \(actual.count), \(expected.count))"
        Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
    }

    /// `expectIdentical` for several arrays.
    static func expectIdentical(_ actual: [[UInt32]], _ expected: [[UInt32]], _ what: String,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, "\(what)", sourceLocation: sourceLocation)
        for (index, (actual, expected)) in zip(actual, expected).enumerated() {
            expectIdentical(actual, expected, "\(what), array \(index)", sourceLocation: sourceLocation)
        }
    }

    /// The int32 source's block reductions computed on the host.
    static func hostReduction(_ reduction: Reduction, _ length: Int, count: Int) -> [UInt32] {
        let a = integers(count, seed: 3), b = integers(count, seed: 4)
        let x = zip(a, b).map { $0 &* 3 &+ $1 }
        return stride(from: 0, to: count, by: length).map { start in
            let block = x[start..<Swift.min(count, start + length)]
            let value: Int32 = switch reduction {
            case .sum: block.reduce(0, &+)
            case .min: block.reduce(Int32.max, Swift.min)
            case .max: block.reduce(Int32.min, Swift.max)
            }
            return UInt32(bitPattern: value)
        }
    }

    @Test("the LLVM and scalar variants agree, whatever the thread count")
    func variantsAndThreads() {
        let results = [(Variant.llvm, nil), (.llvm, 1), (.scalar, nil), (.scalar, 1)].map { variant, threads in
            Self.run(CompileOptions(variant: variant, threadCount: threads, blockSize: 1024), fused: true, .sum, 100,
                     Self.floatSource, count: 40_007).0
        }
        for result in results.dropFirst() { Self.expectIdentical(result, results[0], "sums") }
    }

    @Test("block and whole reductions of one size, several sources, are one kernel", arguments: Variant.allCases)
    func oneKernel(variant: Variant) {
        let count = 20_011
        func arrays() -> [FloatArray] {
            let x = Self.floatSource(count), y = x * x - 1
            return [x.blockSum(4), x.blockMin(3), x.blockMax(16), y.blockSum(64), y.blockSum(100), x.max(),
                    (x + y).blockSum(1), y.blockSum(100) * 2]
        }
        let fused = TraceContext.with(CompileOptions(variant: variant)) {
            let arrays = arrays()
            TraceContext.current.resetStatistics()
            eval(Array(arrays.prefix(7)))
            let statistics = TraceContext.current.statistics
            #expect(statistics.kernelsLaunched == 1)
            #expect(statistics.allocatedBytes < 2 * count * 4)  // the blockSum(1) output and the small ones
            return arrays.map { $0.values.map(\.bitPattern) }
        }
        let unfused = TraceContext.with(CompileOptions(variant: variant)) {
            arrays().map { array -> [UInt32] in
                array.node.operands.forEach { FloatArray(node: $0).eval() }
                return array.values.map(\.bitPattern)
            }
        }
        Self.expectIdentical(fused, unfused, "fused against unfused")
    }

    @Test("a film-like splat: 100 block sums of one sample size are one kernel", arguments: Variant.allCases)
    func filmLikeSplat(variant: Variant) {
        let spp = 64, pixels = variant == .scalar ? 64 : 1024
        let count = pixels * spp
        func sums() -> [FloatArray] {
            let weight = FloatArray(Self.floats(count, seed: 5))
            let channels = (0..<3).map { FloatArray(Self.floats(count, seed: 6 + UInt64($0))) }
            return (0..<25).flatMap { offset -> [FloatArray] in
                let w = abs(weight + Float(offset) * 0.25)
                return channels.map { ($0 * w).blockSum(spp) } + [w.blockSum(spp)]
            }
        }
        let fused = TraceContext.with(CompileOptions(variant: variant)) {
            let sums = sums()
            TraceContext.current.resetStatistics()
            eval(sums)
            #expect(TraceContext.current.statistics.kernelsLaunched == 1)
            // The 100 per-pixel sums, and none of the 100 per-sample products.
            #expect(TraceContext.current.statistics.allocatedBytes == sums.count * pixels * 4)
            return sums.map { $0.values.map(\.bitPattern) }
        }
        let unfused = TraceContext.with(CompileOptions(variant: variant)) {
            sums().map { sum -> [UInt32] in
                FloatArray(node: sum.node.operands[0]).eval()
                return sum.values.map(\.bitPattern)
            }
        }
        Self.expectIdentical(fused, unfused, "fused against unfused")
    }

    @Test("a block reduction read by arithmetic is computed from its source's kernel", arguments: Variant.allCases)
    func readByArithmetic(variant: Variant) {
        let count = 40_000
        let (fused, statistics) = TraceContext.with(CompileOptions(variant: variant)) {
            let mean = Self.floatSource(count).blockSum(64) / 64
            TraceContext.current.resetStatistics()
            mean.eval()
            return (mean.values.map(\.bitPattern), TraceContext.current.statistics)
        }
        #expect(statistics.kernelsLaunched == 2)
        #expect(statistics.allocatedBytes < count * 4 / 16)
        let unfused = TraceContext.with(CompileOptions(variant: variant)) {
            let x = Self.floatSource(count)
            x.eval()
            return (x.blockSum(64) / 64).values.map(\.bitPattern)
        }
        Self.expectIdentical(fused, unfused, "fused against unfused")
    }

    @Test("the pending program accumulates into a block output and has no output slot for the source")
    func program() throws {
        try TraceContext.with(CompileOptions(variant: .llvm, vectorWidth: 16)) {
            let sums = Self.floatSource(1 << 16).blockMax(100)
            let program = try #require(sums.kernelProgram)
            #expect(program.slots.map(\.role).filter { $0 == .output }.isEmpty)
            #expect(program.slots.map(\.role).filter { $0 == .blockOutput }.count == 1)
            let accumulate = try #require(program.instructions.first { $0.op == .blockAccumulate })
            #expect(accumulate.blockAccumulateLength == 100 && accumulate.blockAccumulateKind == .max)
            #expect(try sums.intermediateRepresentation().contains("define void @refract_kernel_"))
            #expect(!sums.node.operands[0].isEvaluated)
        }
    }

    @Test("lengths too long for one block of work fall back to an evaluated source or another kernel",
          arguments: Variant.allCases)
    func fallbacks(variant: Variant) {
        // Blocks of at most 16 * 64 lanes: lcm(16, 257) is too large, and lcm(16, 100, 63) is too.
        let options = CompileOptions(variant: variant, vectorWidth: 16, blockSize: 64)
        let count = 5000
        TraceContext.with(options) {
            let x = Self.integerSource(count)
            let long = x.blockSum(257)
            TraceContext.current.resetStatistics()
            long.eval()
            #expect(TraceContext.current.statistics.kernelsLaunched == 2)
            #expect(x.isEvaluated)
            Self.expectIdentical(long.values.map(\.bits), Self.hostReduction(.sum, 257, count: count), "long")
        }
        TraceContext.with(options) {
            let x = Self.integerSource(count)
            let a = x.blockSum(100), b = x.blockMax(63), c = x.blockMin(4)
            TraceContext.current.resetStatistics()
            eval(a, b, c)
            #expect(TraceContext.current.statistics.kernelsLaunched == 2)
            #expect(!x.isEvaluated)
            Self.expectIdentical(a.values.map(\.bits), Self.hostReduction(.sum, 100, count: count), "a")
            Self.expectIdentical(b.values.map(\.bits), Self.hostReduction(.max, 63, count: count), "b")
            Self.expectIdentical(c.values.map(\.bits), Self.hostReduction(.min, 4, count: count), "c")
        }
    }

    @Test("blockAccumulate kernels agree with the unfused order in both backends, for every type and specials",
          arguments: [ReductionKind.sum, .min, .max], [ScalarType.float32, .int32, .uint32, .bool])
    func kernels(kind: ReductionKind, type: ScalarType) throws {
        let specials: [UInt32] = switch type {
        case .float32: ([0, -0.0, 1, -1, 0.5, .infinity, -.infinity, .nan, 1e30, -1e30, .leastNonzeroMagnitude, -3] as [Float])
            .map(\.bitPattern)
        case .int32, .uint32: [0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 7, 0xFFFF_FFF9]
        case .bool: [0, 1]
        }
        var generator = SplitMix64(seed: 11)
        let lanes = 203
        // Runs of one special (zeros of both signs, NaNs) as well as a random mix.
        let source = (0..<lanes).map { lane in
            lane < 96 ? specials[(lane / 8) % specials.count] : specials.randomElement(using: &generator)!
        }
        for width in [4, 8, 16] {
            for length in [1, 3, 4, 16, 20, 64, 100] {
                let program = KernelProgram(
                    instructions: [
                        KernelInstruction(op: .load, type: type, immediate: 0),
                        KernelInstruction(op: .blockAccumulate, type: type, operands: [0], immediate: 1,
                                          auxiliary: KernelInstruction.blockAccumulateAuxiliary(kind: kind,
                                                                                                length: length)),
                    ],
                    slots: [KernelSlot(type: type, role: .input), KernelSlot(type: type, role: .blockOutput)],
                    vectorWidth: width, countsOutOfRange: false)
                let kernels: [CompiledKernel] = [try LLVMBackend.shared.compile(program), ScalarKernel(program: program)]
                let blockSize = BlockFusion.lcm(length, width)
                let count = (lanes + length - 1) / length
                let results = kernels.map { kernel -> [UInt32] in
                    let input = Storage(bits: source, type: type)
                    let output = Storage(repeating: ScalarSemantics.identity(of: kind, type: type), count: count,
                                         type: type)
                    let pointers: [UnsafeMutableRawPointer?] = [input.pointer, output.pointer]
                    let sizes: [Int64] = [Int64(lanes), Int64(count)]
                    for (block, start) in stride(from: 0, to: lanes, by: blockSize).enumerated() {
                        kernel.run(start: start, end: Swift.min(lanes, start + blockSize), block: block,
                                   pointers: pointers, sizes: sizes)
                    }
                    return output.bits
                }
                let expected = stride(from: 0, to: lanes, by: length).map { start in
                    source[start..<Swift.min(lanes, start + length)].reduce(
                        ScalarSemantics.identity(of: kind, type: type)) {
                        ScalarSemantics.combine(kind, type: type, $0, $1)
                    }
                }
                let what = "\(kind) \(type) k=\(length) W=\(width)"
                Self.expectIdentical(results[1], expected, "scalar \(what)")
                // Two NaNs added may give either one's payload (compilers commute fadd), as elsewhere.
                let llvm = zip(results[0], expected).map { a, b in
                    type == .float32 && Float(bitPattern: a).isNaN && Float(bitPattern: b).isNaN ? b : a
                }
                Self.expectIdentical(llvm, expected, "LLVM \(what)")
            }
        }
    }

    @Test("sources that are roots, literals, block reductions or empty", arguments: Variant.allCases)
    func sources(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let count = 3001
            let expected = Self.hostReduction(.sum, 4, count: count)
            // Stored and reduced by one kernel.
            let x = Self.integerSource(count), sums = x.blockSum(4)
            TraceContext.current.resetStatistics()
            eval(x, sums)
            #expect(TraceContext.current.statistics.kernelsLaunched == 1)
            Self.expectIdentical(sums.values.map(\.bits), expected, "sums")
            // A source that is itself evaluated here is stored once and read, not computed twice.
            let y = Self.integerSource(count) + 1, twice = y.blockSum(4) * 2
            TraceContext.current.resetStatistics()
            eval(y, twice)
            #expect(TraceContext.current.statistics.kernelsLaunched == 2)
            #expect(twice.values == y.values.chunked(4).map { $0.reduce(0, &+) &* 2 })
            // A literal source.
            #expect(FloatArray(repeating: 1.5, count: 10).blockSum(3).values == [4.5, 4.5, 4.5, 1.5])
            // Nested block reductions.
            let nested = Self.integerSource(count).blockSum(2).blockSum(3)
            Self.expectIdentical(nested.values.map(\.bits), Self.hostReduction(.sum, 6, count: count), "nested")
            // Nothing to reduce.
            #expect(Int32Array.arange(0).blockSum(4).values.isEmpty)
        }
    }
}

extension Array {
    /// Consecutive slices of `length` elements (the last may be shorter).
    fileprivate func chunked(_ length: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: length).map { self[$0..<Swift.min(count, $0 + length)] }
    }
}
