// Loop kernels that refill their lanes: the plain kernel's bits and the scalar backend's, whatever the trip counts.
import Testing
import RefractSupport
@testable import Tracer

/// The state of the refill tests' loop: a counter, a float that gathers from a table and a hash.
private struct RefillState: TraversableStruct {
    var counter: Int32Array
    var accumulator: FloatArray
    var hash: UInt32Array

    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        counter.traverse(&visitor)
        accumulator.traverse(&visitor)
        hash.traverse(&visitor)
    }
}

@Suite("Lane refill")
struct LaneRefillTests {
    static let width = HostCPU.hostVectorWidth
    static let sizes = [1, width - 1, width + 1, 5000]

    /// What the loop kernel computes, read back: the final state, a value the prologue computes beside the loop,
    /// and the log the body writes (when it logs).
    struct Result: Equatable {
        var counters: [Int32], accumulators: [UInt32], hashes: [UInt32], companion: [UInt32], log: [UInt32]
    }

    /// One kernel: a prologue that loads two arrays and computes a companion output and a uniform value, a loop of
    /// per-lane trip counts whose body gathers from a table (and, when `logs`, writes each iteration to a log with
    /// a scatter at (iteration, lane)), and an epilogue that stores the state. `refilled` is set to whether its
    /// launch refilled its lanes.
    static func run(size: Int, counts: [Int32], logs: Bool = false, options: CompileOptions,
                    refilled: inout Bool) -> Result {
        TraceContext.with(options) {
            var random = SplitMix64(seed: UInt64(size))
            let inputs = FloatArray((0..<size).map { _ in Float.random(in: -2...2, using: &random) })
            let limits = Int32Array(counts)
            let table = FloatArray((0..<37).map { _ in Float.random(in: 0...1, using: &random) })
            // A value the same for every lane, computed in the kernel with a branch (sin's argument reduction).
            let scale = FloatArray([0.7])
            Tracer.eval(inputs, limits, table, scale)
            let uniform = sin(scale)
            let depth = Int(counts.max() ?? 0)
            var log = FloatArray.zeros(Swift.max(1, depth * size))
            Tracer.eval(log)
            let lanes = UInt32Array.arange(size)
            let start = RefillState(counter: Int32Array(repeating: 0), accumulator: inputs * 0.5,
                                    hash: lanes * 2_654_435_761 + 12345)
            let end = whileLoop(start, mode: .symbolic) { $0.counter .< limits } body: { state in
                let looked = table.gather(state.hash % 37)
                if logs {
                    log.scatter(state.accumulator + looked, at: UInt32Array(state.counter) * UInt32(size) + lanes)
                }
                return RefillState(counter: state.counter + 1, accumulator: state.accumulator * 0.75 + looked * uniform,
                                   hash: state.hash * 747_796_405 + 2_891_336_453)
            }
            let companion = sin(inputs) * 3 + FloatArray(lanes)
            let before = TraceContext.current.statistics.refillingLaunches
            Tracer.eval(end.counter, end.accumulator, end.hash, companion)
            refilled = TraceContext.current.statistics.refillingLaunches > before
            return Result(counters: end.counter.values, accumulators: end.accumulator.values.map(\.bitPattern),
                          hashes: end.hash.values, companion: companion.values.map(\.bitPattern),
                          log: log.values.map(\.bitPattern))
        }
    }

    /// Options for the LLVM backend with and without refilling, and for the scalar backend.
    static var variants: (refilled: CompileOptions, plain: CompileOptions, scalar: CompileOptions) {
        var refilled = CompileOptions(variant: .llvm, blockSize: 256)
        refilled.refillsLoopLanes = true
        var plain = refilled
        plain.refillsLoopLanes = false
        var scalar = refilled
        scalar.variant = .scalar
        return (refilled, plain, scalar)
    }

    @Test("a refilled loop kernel gives the plain kernel's and the scalar backend's bits",
          arguments: TripCountPattern.allCases, sizes)
    func sameBits(pattern: TripCountPattern, size: Int) {
        let counts = pattern.counts(size: size, width: Self.width).map { $0 % 13 }
        let options = Self.variants
        var refills = false, plainRefills = true, scalarRefills = true
        let result = Self.run(size: size, counts: counts, options: options.refilled, refilled: &refills)
        #expect(refills, "the loop's kernel refills its lanes")
        #expect(result.counters == counts)
        #expect(result == Self.run(size: size, counts: counts, options: options.plain, refilled: &plainRefills))
        #expect(result == Self.run(size: size, counts: counts, options: options.scalar, refilled: &scalarRefills))
        #expect(!plainRefills && !scalarRefills)
    }

    @Test("a loop that scatters at each lane's entry keeps the plain kernel, whose scatters are vector stores")
    func scatteringLoop() {
        let counts = TripCountPattern.random.counts(size: 300, width: Self.width).map { $0 % 13 }
        let options = Self.variants
        var refills = true, scalarRefills = true
        let result = Self.run(size: 300, counts: counts, logs: true, options: options.refilled, refilled: &refills)
        #expect(!refills)
        #expect(result.log.contains { $0 != 0 })
        #expect(result == Self.run(size: 300, counts: counts, logs: true, options: options.scalar,
                                   refilled: &scalarRefills))
    }

    @Test("a loop kernel whose code around the loop writes more than maximumScatteredValues arrays is not refilled")
    func manyWritesAroundTheLoop() {
        var options = CompileOptions(variant: .llvm)
        options.refillsLoopLanes = true
        TraceContext.with(options) {
            let limits = Int32Array((0..<100).map { Int32($0 % 7) })
            let lanes = FloatArray(UInt32Array.arange(100))
            func launch(writing count: Int) -> Bool {
                let end = whileLoop([Int32Array(repeating: 0)], mode: .symbolic) { $0[0] .< limits } body: {
                    [$0[0] + 1]
                }[0]
                // Arrays the prologue computes and the kernel writes beside the loop's result.
                let companions = (0..<count).map { lanes * Float($0 + 2) }
                let before = TraceContext.current.statistics.refillingLaunches
                TraceContext.current.evaluate([end.node] + companions.map(\.node))  // one kernel
                return TraceContext.current.statistics.refillingLaunches > before
            }
            #expect(launch(writing: 0), "the loop alone refills")
            #expect(!launch(writing: LaneRefillPlan.maximumScatteredValues), "the loop's result and as many more")
        }
    }

    @Test("a loop kernel with a reduction, a second loop or its loop in a dispatch case is not refilled")
    func ineligible() {
        var options = CompileOptions(variant: .llvm)
        options.refillsLoopLanes = true
        TraceContext.with(options) {
            let limits = Int32Array([3, 0, 5, 1])
            func count(to limit: Int32Array, by step: Int32) -> Int32Array {
                whileLoop([Int32Array(repeating: 0)], mode: .symbolic) { $0[0] .< limit } body: { [$0[0] + step] }[0]
            }
            let first = [count(to: limits, by: 1)]
            let second = [count(to: limits * 2, by: 2)]
            let program = first[0].kernelProgram!
            #expect(program.refillsLoopLanes)
            #expect(LaneRefillPlan(program) != nil)
            #expect(LaneRefillPlan(FloatArray(first[0]).sum().kernelProgram!) == nil)
            #expect(LaneRefillPlan((first[0] + second[0]).kernelProgram!) == nil)
            let inCase = dispatch(UInt32Array([0, 1, 1, 0]), count: 2, arguments: [limits]) { number, arguments in
                number == 0 ? arguments : [count(to: arguments[0], by: 1)]
            }
            #expect(LaneRefillPlan(inCase[0].kernelProgram!) == nil, "a loop in a dispatch case")
        }
    }
}
