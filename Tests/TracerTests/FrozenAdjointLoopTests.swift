// Freezing a symbolic loop whose body calls backward: its adjoint buffers are made afresh by every launch.
import Testing
@testable import Tracer

@Suite("Frozen adjoint loops")
struct FrozenAdjointLoopTests {
    /// One step's data: a gradient-tracked table the body reads by index, per-lane start values, trip counts and
    /// adjoint seeds (a PRB adjoint loop's parameter, path state and adjoint radiance).
    struct Step {
        var table: FloatArray
        let start: FloatArray
        let limit: Int32Array
        let seed: FloatArray

        init(_ index: Int, lanes: Int) {
            var random = TestRandom(seed: UInt64(index) * 13 + 5)
            table = FloatArray(random.floats(7, in: 0.1...2))
            table.enableGradient()
            start = FloatArray(random.floats(lanes, in: -1...1))
            limit = Int32Array((0..<lanes).map { Int32(($0 * 7 + index) % 5) })
            seed = FloatArray(random.floats(lanes, in: 0.5...1.5))
            TraceContext.current.evaluate([table.node, start.node, limit.node, seed.node])
        }

        var buffers: [Storage] { [table.node.storage!, start.node.storage!, limit.node.storage!, seed.node.storage!] }

        /// The loop: x ← x/2 + 1/4 while k < limit, backward of table[(lane + k) mod 7] · x seeded with `seed`.
        func record() -> FloatArray {
            let lane = UInt32Array.arange(start.count)
            return withGradientsSuspended {
                whileLoop(Pair(first: [Int32Array(repeating: 0)], second: start)) { $0.first[0] .< limit } body: { state in
                    withGradientsResumed {
                        backward([(table.gather((lane + UInt32Array(bitPattern: state.first[0])) % 7) * state.second,
                                   seed)])
                    }
                    return Pair(first: [state.first[0] + 1], second: state.second * 0.5 + 0.25)
                }.second
            }
        }
    }

    @Test("a frozen launch makes its adjoint buffers afresh and backward from them gives the recorded gradients",
          arguments: Variant.allCases)
    func frozenAdjoints(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let lanes = 3 * HostCPU.hostVectorWidth + 5
            // Recorded: every step's gradient and loop result.
            let recorded = (0..<3).map { index -> (gradient: [Float], result: [Float]) in
                let step = Step(index, lanes: lanes)
                let result = step.record()
                return (step.table.gradient.values, result.values)
            }
            // Frozen: the first step captures, the others launch.
            let context = TraceContext.current
            let first = Step(0, lanes: lanes)
            let start = context.lastNodeID, serial = Storage.lastSerial
            let (result, accumulators) = context.collectingBodyAdjoints(of: [first.table]) { first.record() }
            let collected = try #require(accumulators)
            #expect(collected.map(\.position) == [0])
            let kernel = try #require(context.evaluateFreezing(
                [result.node] + collected.map(\.buffer.node), inputBuffers: first.buffers, recordedAfter: start,
                buffersMadeAfter: serial, accumulating: true))
            // Threads scatter-add into the 7 entries in any order: gradients agree to rounding.
            func close(_ a: [Float], _ b: [Float]) -> Bool {
                a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) }
            }
            #expect(close(first.table.gradient.values, recorded[0].gradient))
            #expect(result.values == recorded[0].result)
            for index in 1..<3 {
                let step = Step(index, lanes: lanes)
                let outputs = try #require(context.launch(kernel, inputs: step.buffers.map { context.buffer($0) }))
                backward([(step.table, FloatArray(node: outputs[1]))])
                #expect(close(step.table.gradient.values, recorded[index].gradient), "step \(index)")
                #expect(FloatArray(node: outputs[0]).values == recorded[index].result, "step \(index)")
            }
            // The captured step's buffer collected only its own launch.
            #expect(close(first.table.gradient.values, recorded[0].gradient))
        }
    }

    @Test("an adjoint handed over for an array that is not named leaves the loop unfrozen")
    func unnamedAdjoint() throws {
        try TraceContext.with(CompileOptions(variant: .scalar)) {
            let step = Step(0, lanes: 9)
            let context = TraceContext.current
            let (_, accumulators) = context.collectingBodyAdjoints(of: [FloatArray([1])]) { step.record() }
            #expect(accumulators == nil)
            #expect(step.table.gradient.values.contains { $0 != 0 }, "the recorded backward still ran")
        }
    }
}
