// Symbolic dispatch: known results for 1, 2, W+1 and 400 cases in both backends, lane patterns, captured arrays,
// scatter-adds in cases, dispatch in a symbolic loop, fusion and the kernel cache.
import Testing
import RefractSupport
@testable import Tracer

/// The arguments and results of the test cases: a float and an integer per lane.
typealias FloatInt = Pair<FloatArray, Int32Array>

@Suite("Symbolic dispatch")
struct DispatchTests {
    static let width = HostCPU.hostVectorWidth

    func on<T>(_ variant: Variant, _ body: () -> T) -> T {
        TraceContext.with(CompileOptions(variant: variant, blockSize: 256), body)
    }

    /// The captured scene parameters: params[i] = i / 4.
    static let params: [Float] = (0..<400).map { Float($0) * 0.25 }

    /// Case c: (x * (c + 1) + params[c] + params[k & 255], k * (c + 1) + c).
    static func caseBody(_ c: Int, _ arguments: FloatInt, params: FloatArray) -> FloatInt {
        let slot = UInt32Array(bitPattern: arguments.second & 255)
        let x = arguments.first * Float(c + 1) + params.gather(UInt32Array(repeating: UInt32(c)))
        return FloatInt(first: x + params.gather(slot), second: arguments.second * Int32(c + 1) + Int32(c))
    }

    /// What `caseBody` gives on the host (0 for lanes that run no case).
    static func expected(count: Int, index: [UInt32], mask: [Bool], x: [Float], k: [Int32]) -> ([Float], [Int32]) {
        var floats: [Float] = [], ints: [Int32] = []
        for lane in index.indices {
            let c = Int(index[lane])
            guard mask[lane], c < count else {
                floats.append(0)
                ints.append(0)
                continue
            }
            let scaled: Float = x[lane] * Float(c + 1) + params[c]
            floats.append(scaled + params[Int(k[lane] & 255)])
            ints.append(k[lane] &* Int32(c + 1) &+ Int32(c))
        }
        return (floats, ints)
    }

    /// Runs the test dispatch in the current context; returns its results and the kernels it launched.
    static func run(count: Int, index: [UInt32], mask: [Bool], x: [Float], k: [Int32]) -> ([Float], [Int32], Int) {
        let context = TraceContext.current
        let params = FloatArray(Self.params)
        let arguments = FloatInt(first: FloatArray(x) + 0, second: Int32Array(k) + 0)  // producers in the kernel
        let before = context.statistics.kernelsLaunched
        let result = dispatch(UInt32Array(index), count: count, arguments: arguments, mask: BoolArray(mask)) { c, a in
            caseBody(c, a, params: params)
        }
        let floats = (result.first * 1).values  // a consumer in the kernel
        let ints = result.second.values         // stored with the first: no second launch
        return (floats, ints, context.statistics.kernelsLaunched - before)
    }

    /// Random lanes: indices in 0...count (count is out of range), 80% of lanes enabled.
    static func randomLanes(size: Int, count: Int, seed: UInt64) -> ([UInt32], [Bool], [Float], [Int32]) {
        var random = SplitMix64(seed: seed)
        let index = (0..<size).map { _ in UInt32.random(in: 0...UInt32(count), using: &random) }
        let mask = (0..<size).map { _ in Int.random(in: 0..<5, using: &random) != 0 }
        let x = (0..<size).map { _ in Float(Int.random(in: -1000...1000, using: &random)) * 0.125 }
        let k = (0..<size).map { _ in Int32.random(in: -100_000...100_000, using: &random) }
        return (index, mask, x, k)
    }

    @Test("1, 2, W+1 and 400 cases give each lane its case's result, in both backends",
          arguments: [1, 2, width + 1, 400])
    func caseCounts(count: Int) {
        for size in [1, Self.width - 1, Self.width + 1, 1000] {
            let (index, mask, x, k) = Self.randomLanes(size: size, count: count, seed: UInt64(count * 7 + size))
            let expected = Self.expected(count: count, index: index, mask: mask, x: x, k: k)
            for variant in Variant.allCases {
                let (floats, ints, launched) = on(variant) {
                    Self.run(count: count, index: index, mask: mask, x: x, k: k)
                }
                #expect(floats == expected.0, "\(variant), \(count) cases, size \(size)")
                #expect(ints == expected.1, "\(variant), \(count) cases, size \(size)")
                #expect(launched == 1, "producer, dispatch and consumer are one kernel")
            }
        }
    }

    /// Which cases the vectors need.
    enum LanePattern: String, CaseIterable, CustomTestStringConvertible {
        case oneCase, noLane, everyCase, outOfRange
        var testDescription: String { rawValue }
    }

    @Test("vectors needing one case, none (all masked), every case, or only out-of-range indices",
          arguments: LanePattern.allCases)
    func lanePatterns(pattern: LanePattern) {
        let size = 5 * Self.width + 3, count = Self.width
        let index: [UInt32] = (0..<size).map { lane in
            switch pattern {
            case .oneCase: 5
            case .noLane: UInt32(lane % count)
            case .everyCase: UInt32(lane % count)
            case .outOfRange: UInt32(count + lane)
            }
        }
        let mask = (0..<size).map { _ in pattern != .noLane }
        let x = (0..<size).map { Float($0) * 0.5 }, k = (0..<size).map { Int32($0) - 40 }
        let expected = Self.expected(count: count, index: index, mask: mask, x: x, k: k)
        for variant in Variant.allCases {
            let (floats, ints, _) = on(variant) { Self.run(count: count, index: index, mask: mask, x: x, k: k) }
            #expect(floats == expected.0, "\(variant)")
            #expect(ints == expected.1, "\(variant)")
            if pattern == .noLane || pattern == .outOfRange {
                #expect(floats.allSatisfy { $0 == 0 } && ints.allSatisfy { $0 == 0 })
            }
        }
    }

    @Test("cases scatter-add into captured arrays for their own lanes; both backends agree bit for bit")
    func scatterAddInCases() {
        let size = 1000, count = 17
        let (index, mask, x, k) = Self.randomLanes(size: size, count: count, seed: 99)
        var results: [([Int32], [Float], [Float])] = []
        for variant in Variant.allCases {
            results.append(on(variant) {
                var histogram = Int32Array.zeros(count)
                var weights = FloatArray.zeros(8)
                let arguments = FloatInt(first: FloatArray(x), second: Int32Array(k))
                let result = dispatch(UInt32Array(index), count: count, arguments: arguments,
                                      mask: BoolArray(mask)) { c, a in
                    histogram.scatterAdd(Int32Array(repeating: 1), at: UInt32Array(repeating: UInt32(c)))
                    weights.scatterAdd(a.first * Float(c + 1), at: UInt32Array(bitPattern: a.second) % 8,
                                       mask: a.second .> 0)
                    return a.first + Float(c)
                }
                return (histogram.values, weights.values, result.values)
            })
        }
        let lanesPerCase = (0..<count).map { c in
            Int32(index.indices.filter { mask[$0] && index[$0] == UInt32(c) }.count)
        }
        #expect(results[0].0 == lanesPerCase)
        #expect(results[1].0 == lanesPerCase)
        #expect(results[0].1.map(\.bitPattern) == results[1].1.map(\.bitPattern), "float sums in the same order")
        #expect(results[0].2 == results[1].2)
        let total = index.indices.filter { mask[$0] && index[$0] < UInt32(count) && k[$0] > 0 }
            .map { Double(x[$0]) * Double(index[$0] + 1) }.reduce(0, +)
        #expect(abs(Double(results[0].1.reduce(0, +)) - total) < 1e-2 * max(1, abs(total)))
    }

    @Test("a dispatch inside a symbolic loop body, on the lanes still in the loop", arguments: Variant.allCases)
    func insideLoop(variant: Variant) {
        let size = 3 * Self.width + 5
        let limits = (0..<size).map { Int32($0 % 6) }
        let values: [Float] = on(variant) {
            let limit = Int32Array(limits), lanes = Int32Array(UInt32Array.arange(size))
            let start = FloatInt(first: FloatArray(lanes) * 0.5, second: Int32Array(repeating: 0))
            let end = whileLoop(start) { $0.second .< limit } body: { state in
                let selector = UInt32Array(bitPattern: state.second + lanes) % 3
                let next = dispatch(selector, count: 3, arguments: state.first) { c, x in
                    x * Float(c + 2) - Float(c)
                }
                return FloatInt(first: next, second: state.second + 1)
            }
            return end.first.values
        }
        let expected: [Float] = (0..<size).map { (lane: Int) -> Float in
            var x = Float(lane) * 0.5
            for i in 0..<Int(limits[lane]) {
                let c = (i + lane) % 3
                x = x * Float(c + 2) - Float(c)
            }
            return x
        }
        #expect(values == expected)
    }

    @Test("out-of-range gathers in cases are counted for the case's lanes only, in a loop or not",
          arguments: Variant.allCases)
    func boundsInCases(variant: Variant) {
        let size = 2 * Self.width + 7
        let counted: [Int] = TraceContext.with(CompileOptions(variant: variant, blockSize: 256, checksBounds: true)) {
            let context = TraceContext.current
            let table = FloatArray([1, 2, 3, 4])
            let lanes = UInt32Array.arange(size)
            var counts: [Int] = []
            // Case 1 reads table[lane]: out of range for lanes 4 and up that select it (odd lanes).
            let before = context.statistics.outOfRangeLanes
            let result = dispatch(lanes % 2, count: 2, arguments: lanes) { c, lane in
                c == 0 ? FloatArray(repeating: 0) + FloatArray(Int32Array(lane)) : table.gather(lane)
            }
            _ = result.values
            counts.append(context.statistics.outOfRangeLanes - before)
            let middle = context.statistics.outOfRangeLanes
            let start = FloatInt(first: FloatArray(repeating: 0), second: Int32Array(repeating: 0))
            let end = whileLoop(start) { $0.second .< 2 } body: { state in
                let read = dispatch(lanes % 2, count: 2, arguments: lanes) { c, lane in
                    c == 0 ? FloatArray(Int32Array(lane)) : table.gather(lane)
                }
                return FloatInt(first: state.first + read, second: state.second + 1)
            }
            _ = end.first.values
            counts.append(context.statistics.outOfRangeLanes - middle)
            return counts
        }
        let outOfRange = (0..<size).filter { $0 % 2 == 1 && $0 >= 4 }.count
        #expect(counted == [outOfRange, 2 * outOfRange], "\(variant)")
    }

    @Test("a case that reduces its own argument stops with a message")
    func argumentUsedOutsideCase() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = FloatArray([1, 2, 3])
            let result = dispatch(UInt32Array([0, 1, 0]), count: 2, arguments: x) { c, x in x + x.sum() }
            _ = result.values
        } .map { result in
            let message = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(message.contains("argument of a dispatch case was used outside its case"))
        }
    }

    @Test("the same dispatch recorded again hits the kernel cache")
    func kernelCache() {
        on(.llvm) {
            let context = TraceContext.current
            func record(_ seed: Float) -> FloatArray {
                let x = FloatArray.opaque(seed) * Float(2) + FloatArray(Int32Array(UInt32Array.arange(1000)))
                let index = UInt32Array.arange(1000) % 7
                let result = dispatch(index, count: 7, arguments: x) { c, x in x * Float(c) + 1 }
                return result * 3 - 1
            }
            let first = record(1)
            let before = context.statistics
            let values = first.values
            #expect(context.statistics.kernelsLaunched == before.kernelsLaunched + 1)
            let second = record(2)
            let middle = context.statistics
            let secondValues = second.values
            #expect(context.statistics.kernelsLaunched == middle.kernelsLaunched + 1)
            #expect(context.statistics.kernelsCompiled == middle.kernelsCompiled)
            #expect(values != secondValues)
            #expect(record(3).kernelProgram?.instructions.filter { $0.op == .dispatch }.count == 1)
            #expect(values[10] == (2 + 10) * 3 * 3 + 3 - 1)  // lane 10 runs case 3
        }
    }
}

/// The README's examples, and a vector that needs one case running only that case.
@Suite("Symbolic dispatch and native calls: README examples, cases run per vector")
struct DispatchExampleTests {
    @Test("the README's dispatch and native call snippets print what the README says")
    func readmeExamples() {
        TraceContext.with(CompileOptions(variant: .llvm, blockSize: 256)) {
            let material = UInt32Array([0, 2, 1, 2])
            let albedo = FloatArray([0.9, 0.5, 0.1])
            let color = dispatch(material, count: 3, arguments: FloatArray([1, 2, 3, 4])) { c, x in
                x * albedo.gather(UInt32Array(repeating: UInt32(c))) + Float(c)
            }
            #expect(color.values == [0.9, 2.2, 2.5, 2.4])
            let twice: NativeFunction = { _, mask, inputs, outputs in
                let a = inputs[0]!.assumingMemoryBound(to: Float.self)
                let out = outputs[0]!.assumingMemoryBound(to: Float.self)
                for lane in 0..<16 where mask[lane] == -1 { out[lane] = a[lane] * 2 }
            }
            let doubled = nativeCall(twice, inputs: FloatArray([1, 2, 3]), outputs: FloatArray(repeating: 0))
            #expect(doubled.values == [2, 4, 6])
        }
    }

    @Test("a vector runs only the cases its lanes select: a native call in each case counts the packets",
          arguments: Variant.allCases)
    func onlyNeededCasesRun(variant: Variant) {
        let width = HostCPU.hostVectorWidth, size = 4 * width, count = 400
        // Vectors 0 and 1 need case 7 only, vector 2 cases 0 ..< W, vector 3 no case (masked).
        let index: [UInt32] = (0..<size).map { lane in lane < 2 * width ? 7 : UInt32(lane % width) }
        let mask = (0..<size).map { $0 < 3 * width }
        let recorder = CallRecorder(width: width)
        let values: [Float] = TraceContext.with(CompileOptions(variant: variant, blockSize: 256)) {
            recorder.withContext { context in
                let x = FloatArray(Int32Array(UInt32Array.arange(size)))
                let result = dispatch(UInt32Array(index), count: count, arguments: x, mask: BoolArray(mask)) { c, x in
                    nativeCall(counting, context: context, inputs: x, outputs: FloatArray(repeating: 0)) + Float(c)
                }
                return result.values
            }
        }
        let expected: [Float] = (0..<size).map { lane in mask[lane] ? Float(lane) + Float(index[lane]) : 0 }
        #expect(values == expected)
        #expect(recorder.activeLanes == 3 * width, "each enabled lane once")
        if variant == .llvm {
            #expect(recorder.calls == 2 + width, "one call per case a vector needs")
        }
    }
}

/// Copies its input to its output on the active lanes, and counts the call.
private let counting: NativeFunction = { context, mask, inputs, outputs in
    let recorder = Unmanaged<CallRecorder>.fromOpaque(context!).takeUnretainedValue()
    let a = inputs[0]!.assumingMemoryBound(to: Float.self), out = outputs[0]!.assumingMemoryBound(to: Float.self)
    var active = 0
    for lane in 0..<recorder.width where mask[lane] == -1 {
        out[lane] = a[lane]
        active += 1
    }
    recorder.record(active: active, bad: false)
}
