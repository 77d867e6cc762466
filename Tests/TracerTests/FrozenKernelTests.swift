// Frozen kernels: a captured launch replayed on other arrays gives what recording the same step again gives.
import Testing
@testable import Tracer

@Suite("Frozen kernels")
struct FrozenKernelTests {
    /// One step of a small wavefront loop: a float state, a counter, a fixed table read by index, a reduction, and
    /// (optionally) a histogram accumulated by index. Returns the outputs: x', counter', sum of x'.
    static func step(_ x: FloatArray, _ counter: UInt32Array, table: FloatArray,
                     histogram: inout FloatArray?) -> [Node] {
        let next = x * 1.5 + table.gather(counter % 7) - 0.25
        let nextCounter = counter * 3 + 1
        histogram?.scatterAdd(next, at: counter % 5)
        return [next.node, nextCounter.node, next.sum().node]
    }

    /// Runs `steps` steps from `lanes` lanes, recording every step, or freezing the second and launching the rest;
    /// returns the bits of every step's outputs and of the histogram.
    static func run(freezing: Bool, accumulates: Bool, lanes: [Int], variant: Variant) -> [[UInt32]] {
        TraceContext.with(CompileOptions(variant: variant)) {
            let context = TraceContext.current
            let table = FloatArray((0..<7).map { Float($0) * 0.75 - 2 })
            var histogram: FloatArray? = accumulates ? FloatArray([Float](repeating: 0, count: 5)) : nil
            var frozen: FrozenKernel?
            var bits: [[UInt32]] = []
            for (number, count) in lanes.enumerated() {
                // A fresh start of each step's size (as a compaction would give), from the previous step's values.
                let x = FloatArray((0..<count).map { Float($0 % 11) * 0.5 + Float(number) })
                let counter = UInt32Array((0..<count).map { UInt32($0 * 13 + number) })
                let inputs = [x.node, counter.node]
                var outputs: [Node]
                let start = context.lastNodeID
                if freezing, let frozen, let launched = context.launch(frozen, inputs: inputs) {
                    outputs = launched
                } else {
                    outputs = step(x, counter, table: table, histogram: &histogram)
                    if freezing && number == 1 {
                        frozen = context.evaluateFreezing(outputs, inputs: inputs, recordedAfter: start)
                        #expect(frozen != nil)
                    } else {
                        context.evaluate(outputs)
                    }
                }
                bits.append(FloatArray(node: outputs[0]).values.map(\.bitPattern))
                bits.append(UInt32Array(node: outputs[1]).values)
                bits.append([FloatArray(node: outputs[2]).first.bitPattern])
            }
            if let histogram { bits.append(histogram.values.map(\.bitPattern)) }
            return bits
        }
    }

    @Test("launching a frozen step gives the recorded steps' results bit for bit, at other sizes too",
          arguments: Variant.allCases)
    func replayMatchesRecording(variant: Variant) {
        let lanes = [1000, 1000, 1000, 333, 17, 1000]
        for accumulates in [false, true] {
            let recorded = Self.run(freezing: false, accumulates: accumulates, lanes: lanes, variant: variant)
            let frozen = Self.run(freezing: true, accumulates: accumulates, lanes: lanes, variant: variant)
            #expect(frozen == recorded, "accumulates: \(accumulates)")
        }
    }

    @Test("a frozen launch skips recording: one kernel per launch, nothing compiled or recorded")
    func launchRecordsNothing() {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            let context = TraceContext.current
            let table = FloatArray((0..<7).map(Float.init))
            var histogram: FloatArray? = nil
            let x = FloatArray((0..<100).map(Float.init)), counter = UInt32Array.arange(100) + 0
            counter.eval()
            let start = context.lastNodeID
            let outputs = Self.step(x, counter, table: table, histogram: &histogram)
            let frozen = context.evaluateFreezing(outputs, inputs: [x.node, counter.node], recordedAfter: start)!
            let before = context.statistics
            let launched = context.launch(frozen, inputs: [outputs[0], outputs[1]])!
            let after = context.statistics
            #expect(after.kernelsLaunched == before.kernelsLaunched + 1)
            #expect(after.kernelsCompiled == before.kernelsCompiled)
            #expect(after.nodesRecorded - before.nodesRecorded <= 3)   // the result arrays themselves, nothing else
            #expect(launched.allSatisfy { $0.isEvaluated })
        }
    }

    @Test("what cannot be frozen or launched is refused, with nothing run")
    func refusals() {
        TraceContext.with(CompileOptions(variant: .scalar)) {
            let context = TraceContext.current
            let x = FloatArray((0..<10).map(Float.init)), counter = UInt32Array((0..<10).map(UInt32.init))
            let table = FloatArray([1, 2, 3, 4, 5, 6, 7])
            var histogram: FloatArray? = nil
            // Two sizes: two kernels.
            var start = context.lastNodeID
            let twoKernels = [(x * 2).node, (FloatArray([1, 2, 3]) * 2).node]
            #expect(context.evaluateFreezing(twoKernels, inputs: [x.node], recordedAfter: start) == nil)
            // Work the step leaves pending on its input: a launch would not redo it.
            start = context.lastNodeID
            let deferred = x.sum() * 2
            #expect(context.evaluateFreezing([(x + 1).node], inputs: [x.node], recordedAfter: start) == nil)
            #expect(deferred.first == 90)
            // Pending work recorded before the step, or reading only other buffers, does not stop freezing.
            let before = x * 5
            start = context.lastNodeID
            let unrelated = FloatArray([1, 2]) * 3
            #expect(context.evaluateFreezing([(x + 2).node], inputs: [x.node], recordedAfter: start) != nil)
            #expect(unrelated.values == [3, 6])
            #expect(before.values[1] == 5)
            // One buffer at two input positions, one node at two output positions.
            start = context.lastNodeID
            #expect(context.evaluateFreezing([(x + 3).node], inputs: [x.node, x.node], recordedAfter: start) == nil)
            start = context.lastNodeID
            let twice = x + 4
            #expect(context.evaluateFreezing([twice.node, twice.node], inputs: [x.node], recordedAfter: start) == nil)
            // An output that is neither computed, an input nor a literal.
            start = context.lastNodeID
            let elsewhere = FloatArray([5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
            #expect(context.evaluateFreezing([(x + 1).node, elsewhere.node], inputs: [x.node],
                                             recordedAfter: start) == nil)
            start = context.lastNodeID
            let outputs = Self.step(x, counter, table: table, histogram: &histogram)
            let frozen = context.evaluateFreezing(outputs, inputs: [x.node, counter.node], recordedAfter: start)!
            let launched = context.statistics.kernelsLaunched
            // Wrong type, wrong count, different sizes, an unevaluated input.
            #expect(context.launch(frozen, inputs: [counter.node, counter.node]) == nil)
            #expect(context.launch(frozen, inputs: [x.node]) == nil)
            #expect(context.launch(frozen, inputs: [x.node, UInt32Array([1, 2]).node]) == nil)
            #expect(context.launch(frozen, inputs: [(x * 3).node, counter.node]) == nil)
            // Queued side effects would run first on the recorded path.
            var target = FloatArray([0, 0, 0])
            target.scatter(FloatArray([1]), at: UInt32Array([1]))
            #expect(context.launch(frozen, inputs: [x.node, counter.node]) == nil)
            #expect(context.statistics.kernelsLaunched == launched)
            #expect(target.values == [0, 1, 0])
            // A buffer read per lane that is no input has the captured size: no launch at another size.
            start = context.lastNodeID
            let perLane = FloatArray((0..<10).map { Float($0) * 0.5 })
            let fixed = context.evaluateFreezing([(x + perLane).node], inputs: [x.node], recordedAfter: start)!
            #expect(context.launch(fixed, inputs: [FloatArray([1, 2, 3, 4]).node]) == nil)
            let sameSize = context.launch(fixed, inputs: [FloatArray([Float](repeating: 1, count: 10)).node])
            #expect(sameSize.map { FloatArray(node: $0[0]).values } == (0..<10).map { 1 + Float($0) * 0.5 })
        }
    }
}
