// Symbolic and evaluated loops: per-lane trip counts, edge sizes, side effects, nesting, fusion and the kernel cache.
import Testing
import RefractSupport
@testable import Tracer

/// The Collatz iteration: how many steps each value takes to reach 1.
struct Collatz: TraversableStruct {
    var value: UInt32Array
    var steps: Int32Array

    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        value.traverse(&visitor)
        steps.traverse(&visitor)
    }

    static func run(_ values: [UInt32], mode: LoopMode) -> (values: [UInt32], steps: [Int32]) {
        let start = Collatz(value: UInt32Array(values), steps: Int32Array(repeating: 0))
        let end = whileLoop(start, mode: mode) { $0.value .> 1 } body: { state in
            Collatz(value: select(state.value & 1 .== 0, state.value >> 1, state.value * 3 + 1), steps: state.steps + 1)
        }
        return (end.value.values, end.steps.values)
    }

    static func expectedSteps(_ value: UInt32) -> Int32 {
        var value = value, steps: Int32 = 0
        while value > 1 {
            value = value % 2 == 0 ? value / 2 : value * 3 + 1
            steps += 1
        }
        return steps
    }
}

/// State of every element type.
struct MixedState: TraversableStruct {
    var counter: Int32Array
    var accumulator: FloatArray
    var hash: UInt32Array
    var parity: BoolArray

    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        counter.traverse(&visitor)
        accumulator.traverse(&visitor)
        hash.traverse(&visitor)
        parity.traverse(&visitor)
    }

    var hostValues: ([Int32], [Float], [UInt32], [Bool]) { (counter.values, accumulator.values, hash.values, parity.values) }
}

/// Per-lane trip counts with lanes leaving at the first iteration, only lane W-1 of each vector iterating, all
/// lanes leaving at once, no lane entering, and random counts.
enum TripCountPattern: String, CaseIterable, CustomTestStringConvertible {
    case first, lastLaneOnly, allAtOnce, never, random

    var testDescription: String { rawValue }

    func counts(size: Int, width: Int, seed: UInt64 = 7) -> [Int32] {
        var random = SplitMix64(seed: seed)
        return (0..<size).map { lane in
            switch self {
            case .first: 1
            case .lastLaneOnly: lane % width == width - 1 ? Int32(5 + lane % 23) : 0
            case .allAtOnce: 9
            case .never: 0
            case .random: Int32.random(in: 0...30, using: &random)
            }
        }
    }
}

@Suite("Symbolic loops")
struct SymbolicLoopTests {
    static let width = HostCPU.hostVectorWidth
    static let sizes = [1, width - 1, width + 1, 5000]

    /// Runs `body` in a fresh context of the variant.
    func on<T>(_ variant: Variant, _ body: () -> T) -> T {
        TraceContext.with(CompileOptions(variant: variant, blockSize: 256), body)
    }

    @Test("Collatz steps per lane, in every variant and mode", arguments: sizes)
    func collatz(size: Int) {
        var random = SplitMix64(seed: UInt64(size))
        let values = (0..<size).map { _ in UInt32.random(in: 1...5000, using: &random) }
        let expected = values.map(Collatz.expectedSteps)
        for variant in Variant.allCases {
            for mode in [LoopMode.symbolic, .evaluated, .compacted(threshold: 0.5)] {
                let result = on(variant) { Collatz.run(values, mode: mode) }
                #expect(result.steps == expected, "\(variant) \(mode)")
                #expect(result.values.allSatisfy { $0 == 1 }, "\(variant) \(mode)")
            }
        }
    }

    @Test("compacted evaluated loops give the symbolic loop's bits", arguments: sizes)
    func compaction(size: Int) {
        let counts = TripCountPattern.random.counts(size: size, width: Self.width, seed: 3)
        func run(_ mode: LoopMode) -> ([Int32], [Float], [UInt32], [Bool], [Int32]) {
            let lanes = Int32Array.arange(size)
            let start = Pair(first: MixedState(counter: Int32Array(repeating: 0), accumulator: FloatArray(lanes) * 0.5,
                                               hash: UInt32Array(lanes), parity: lanes .> 2),
                             second: Int32Array(counts))
            var total = Int32Array.zeros(1)
            var smallest = size
            let end = whileLoop(start, mode: mode) { $0.first.counter .< $0.second } body: { state in
                let s = state.first
                smallest = Swift.min(smallest, s.counter.count)
                total.scatterAdd(s.counter, at: UInt32Array(repeating: 0))
                return Pair(first: MixedState(counter: s.counter + 1, accumulator: cos(s.accumulator) * 2 - 0.25,
                                              hash: s.hash * 747_796_405 + 2_891_336_453,
                                              parity: s.parity ^ (s.hash & 1 .== 0)),
                            second: state.second)
            }
            let (a, b, c, d) = end.first.hostValues
            #expect(end.second.values == counts)
            if case .compacted = mode, size > 1 { #expect(smallest < size, "the state was compacted") }
            return (a, b, c, d, total.values)
        }
        for variant in Variant.allCases {
            let reference = on(variant) { run(.symbolic) }
            for threshold in [0.5, 1.0] {
                let result = on(variant) { run(.compacted(threshold: threshold)) }
                #expect(result.0 == reference.0 && result.2 == reference.2 && result.3 == reference.3
                        && result.4 == reference.4, "\(variant) \(threshold)")
                #expect(result.1.map(\.bitPattern) == reference.1.map(\.bitPattern), "\(variant) \(threshold)")
            }
        }
    }

    @Test("evaluated loops are differentiable: d/dx of x doubled n times is 2^n", arguments: Variant.allCases)
    func evaluatedGradient(variant: Variant) {
        on(variant) {
            var x = FloatArray([0.5, -1, 2, 3])
            x.enableGradient()
            let limit = Int32Array([0, 1, 3, 5])
            let end = whileLoop(Pair(first: [Int32Array(repeating: 0)], second: x), mode: .evaluated) {
                $0.first[0] .< limit
            } body: { state in
                Pair(first: [state.first[0] + 1], second: state.second * 2 + 1)
            }
            end.second.sum().backward()
            #expect(x.gradient.values == [1, 2, 8, 32])
        }
    }

    @Test("reverse mode through a symbolic loop's state stops with a message")
    func symbolicGradientRefused() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var x = FloatArray([1, 2])
            x.enableGradient()
            let end = whileLoop(x) { $0 .< 10 } body: { $0 * 2 }
            end.sum().backward()
        } .map { result in
            let message = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(message.contains("reverse mode through the state of a symbolic loop is not supported"))
        }
    }

    @Test("a symbolic loop body that reduces its own state stops with a message")
    func stateUsedOutsideBody() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = FloatArray([1, 2, 3])
            let end = whileLoop(x) { $0 .< 10 } body: { $0 + $0.sum() }
            _ = end.values
        } .map { result in
            let message = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(message.contains("state of a symbolic loop was used outside its body"))
        }
    }

    @Test("the README's Collatz example")
    func readmeExample() {
        let start = Collatz(value: UInt32Array([7, 27, 1, 97]), steps: Int32Array(repeating: 0))
        let end = whileLoop(start) { $0.value .> 1 } body: { state in
            Collatz(value: select(state.value & 1 .== 0, state.value >> 1, state.value * 3 + 1), steps: state.steps + 1)
        }
        #expect(end.steps.values == [16, 111, 0, 118])
    }

    /// A loop over state of every type whose trip counts follow `counts`, with the body's arithmetic on all four.
    func mixedLoop(counts: [Int32], mode: LoopMode) -> ([Int32], [Float], [UInt32], [Bool]) {
        let limit = Int32Array(counts)
        let lanes = Int32Array.arange(counts.count)
        let start = MixedState(counter: Int32Array(repeating: 0), accumulator: FloatArray(lanes) * 0.25,
                               hash: UInt32Array(lanes) ^ 0x9e37_79b9, parity: lanes .> 3)
        let end = whileLoop(start, mode: mode) { $0.counter .< limit } body: { state in
            let counter = state.counter + 1
            return MixedState(counter: counter,
                              accumulator: sin(state.accumulator) * 1.5 + FloatArray(counter) / 3,
                              hash: (state.hash * 1_664_525 + 1_013_904_223) ^ (state.hash >> 13),
                              parity: state.parity ^ (state.accumulator .> 0.5))
        }
        return end.hostValues
    }

    @Test("lanes leave at their own iteration: LLVM and scalar, symbolic and evaluated agree bit for bit",
          arguments: TripCountPattern.allCases, sizes)
    func tripCounts(pattern: TripCountPattern, size: Int) {
        let counts = pattern.counts(size: size, width: Self.width)
        let reference = on(.scalar) { mixedLoop(counts: counts, mode: .symbolic) }
        #expect(reference.0 == counts.map { Swift.max($0, 0) })
        for (variant, mode) in [(Variant.llvm, LoopMode.symbolic), (.llvm, .evaluated), (.scalar, .evaluated)] {
            let result = on(variant) { mixedLoop(counts: counts, mode: mode) }
            #expect(result.0 == reference.0, "\(variant) \(mode)")
            #expect(result.1.map(\.bitPattern) == reference.1.map(\.bitPattern), "\(variant) \(mode)")
            #expect(result.2 == reference.2, "\(variant) \(mode)")
            #expect(result.3 == reference.3, "\(variant) \(mode)")
        }
    }

    /// Lanes scatter-add into a histogram and gather from a table (and a block sum of another) in the body.
    func memoryLoop(size: Int, mode: LoopMode) -> (histogram: [Int32], weights: [Float], sums: [Float]) {
        let counts = TripCountPattern.random.counts(size: size, width: Self.width, seed: 11)
        let limit = Int32Array(counts)
        let table = FloatArray((0..<37).map { Float($0 % 5) })
        let blocks = FloatArray((0..<size * 4).map { Float($0 % 3) }).blockSum(4)
        var histogram = Int32Array.zeros(10)
        var weights = FloatArray.zeros(7)
        let lanes = UInt32Array.arange(size)
        let start = [Int32Array(repeating: 0), Int32Array(lanes)]
        let end = whileLoop(Pair(first: start, second: FloatArray(repeating: 0)), mode: mode) { $0.first[0] .< limit } body: { state in
            let counter = state.first[0], seed = state.first[1]
            let slot = UInt32Array(bitPattern: seed) % 10
            histogram.scatterAdd(counter + 1, at: slot)
            weights.scatterAdd(FloatArray(counter), at: slot % 7, mask: counter .> 1)
            let read = table.gather(UInt32Array(bitPattern: seed * 7 + counter) % 37)
            return Pair(first: [counter + 1, seed * 1_103_515_245 + 12345], second: state.second + read + blocks)
        }
        return (histogram.values, weights.values, end.second.values)
    }

    @Test("scatter-adds, gathers and block sums in the body", arguments: sizes)
    func memoryInBody(size: Int) {
        let reference = on(.scalar) { memoryLoop(size: size, mode: .symbolic) }
        let counts = TripCountPattern.random.counts(size: size, width: Self.width, seed: 11)
        #expect(reference.histogram.reduce(0, +) == counts.reduce(0) { $0 + $1 * ($1 + 1) / 2 })
        for (variant, mode) in [(Variant.llvm, LoopMode.symbolic), (.llvm, .evaluated), (.scalar, .evaluated)] {
            let result = on(variant) { memoryLoop(size: size, mode: mode) }
            #expect(result.histogram == reference.histogram, "\(variant) \(mode)")
            #expect(result.weights == reference.weights, "\(variant) \(mode)")
            #expect(result.sums.map(\.bitPattern) == reference.sums.map(\.bitPattern), "\(variant) \(mode)")
        }
    }

    /// Outer lanes run i = 0 ..< n; an inner loop adds j for j = 0 ..< i, and scatter-adds into a counter.
    func nestedLoop(counts: [Int32], mode: LoopMode) -> (sums: [Int32], visits: [Int32]) {
        let limit = Int32Array(counts)
        var visits = Int32Array.zeros(4)
        let end = whileLoop([Int32Array(repeating: 0), Int32Array.zeros(counts.count)], mode: mode) {
            $0[0] .< limit
        } body: { outer in
            let inner = whileLoop([Int32Array(repeating: 0), outer[1]], mode: mode) { $0[0] .< outer[0] } body: { inner in
                visits.scatterAdd(Int32Array(repeating: 1), at: UInt32Array(bitPattern: inner[0]) % 4)
                return [inner[0] + 1, inner[1] + inner[0]]
            }
            return [outer[0] + 1, inner[1]]
        }
        return (end[1].values, visits.values)
    }

    @Test("a loop nested in a loop body", arguments: sizes)
    func nested(size: Int) {
        let counts = TripCountPattern.random.counts(size: size, width: Self.width, seed: 5).map { $0 % 12 }
        let expected = counts.map { n in (0..<n).reduce(Int32(0)) { $0 + $1 * ($1 - 1) / 2 } }
        var visits = [Int32](repeating: 0, count: 4)
        for n in counts { for i in 0..<n { for j in 0..<i { visits[Int(j % 4)] += 1 } } }
        for variant in Variant.allCases {
            for mode in [LoopMode.symbolic, .evaluated] {
                let result = on(variant) { nestedLoop(counts: counts, mode: mode) }
                #expect(result.sums == expected, "\(variant) \(mode)")
                #expect(result.visits == visits, "\(variant) \(mode)")
            }
        }
    }

    @Test("producer, symbolic loop and consumer are one kernel; the same loop again hits the cache",
          arguments: Variant.allCases)
    func oneKernel(variant: Variant) {
        on(variant) {
            let context = TraceContext.current
            func record(_ seed: Float) -> FloatArray {
                let x = FloatArray.opaque(seed) * Float(2) + FloatArray(Int32Array.arange(1000))  // a producer
                let limit = Int32Array(UInt32Array.arange(1000) % 17)
                let state = whileLoop(Pair(first: [Int32Array(repeating: 0)], second: x)) {
                    $0.first[0] .< limit
                } body: { state in
                    Pair(first: [state.first[0] + 1], second: state.second * 0.5 + 1)
                }
                return state.second * 3 - 1  // a consumer
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
            #expect(context.statistics.cacheHits == middle.cacheHits + 1)
            #expect(values != secondValues)
            #expect(record(3).kernelProgram?.instructions.filter { $0.op == .loop }.count == 1)
        }
    }

    @Test("a loop's outputs are stored together, so reading the second runs nothing", arguments: Variant.allCases)
    func outputsTogether(variant: Variant) {
        on(variant) {
            let context = TraceContext.current
            let limit = Int32Array((0..<100).map { Int32($0 % 9) })
            let end = whileLoop([Int32Array(repeating: 0), Int32Array(repeating: 1)]) { $0[0] .< limit } body: { state in
                [state[0] + 1, state[1] * 2]
            }
            #expect(end[0].values == (0..<100).map { Int32($0 % 9) })
            let launched = context.statistics.kernelsLaunched
            #expect(end[1].values == (0..<100).map { Int32(1) << Int32($0 % 9) })
            #expect(context.statistics.kernelsLaunched == launched)
        }
    }

    @Test("two writes into one array in a body both land, in every mode", arguments: Variant.allCases)
    func twoWrites(variant: Variant) {
        for mode in [LoopMode.symbolic, .evaluated] {
            on(variant) {
                var counts = Int32Array.zeros(3)
                let limit = Int32Array([0, 1, 2, 5])
                _ = whileLoop(Int32Array(repeating: 0), mode: mode) { $0 .< limit } body: { counter in
                    counts.scatterAdd(Int32Array(repeating: 1), at: UInt32Array(repeating: 0))
                    counts.scatterAdd(counter, at: UInt32Array(repeating: 1))
                    counts.scatter(counter, at: UInt32Array(repeating: 2), mask: counter .== 4)
                    return counter + 1
                }
                #expect(counts.values == [8, 0 + 1 + 10, 4], "\(mode)")
            }
        }
    }

    @Test("a loop with scatter-adds runs once, when the target is read", arguments: Variant.allCases)
    func sideEffectsRunOnce(variant: Variant) {
        on(variant) {
            let context = TraceContext.current
            var total = FloatArray.zeros(1)
            let limit = Int32Array((0..<50).map { Int32($0 % 4) })
            let end = whileLoop(Int32Array(repeating: 0)) { $0 .< limit } body: { counter in
                total.scatterAdd(FloatArray(repeating: 1), at: UInt32Array(repeating: 0))
                return counter + 1
            }
            let before = context.statistics.kernelsLaunched
            #expect(total.values == [Float((0..<50).reduce(0) { $0 + $1 % 4 })])
            #expect(end.values == (0..<50).map { Int32($0 % 4) })
            #expect(total.values == [Float((0..<50).reduce(0) { $0 + $1 % 4 })])
            #expect(context.statistics.kernelsLaunched == before + 1)
        }
    }
}

/// Two traversable values as one: how a struct lists its fields.
struct Pair<First: TraversableStruct, Second: TraversableStruct>: TraversableStruct {
    var first: First
    var second: Second

    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        first.traverse(&visitor)
        second.traverse(&visitor)
    }
}
