// Freezing a step named by its inputs' structure: the structure hash, buffers made by the step, scatters into inputs.
import Testing
@testable import Tracer

@Suite("Frozen steps: inputs by structure")
struct FrozenStepInputsTests {
    /// A step's inputs as a render builds them: a per-lane expression of a lane index and a seed buffer, and a
    /// value read by index.
    static func inputs(seed: UInt32Array, scale: Float, lanes: Int) -> [Node] {
        let lane = UInt32Array.arange(lanes)
        return [(lane * 3 + seed.gather(lane % 2)).node, (FloatArray([scale, 2 * scale]) * 0.5).node]
    }

    @Test("equal structures over other buffers hash alike and list their buffers in walk order; literals, sizes and sharing count")
    func structureHash() throws {
        try TraceContext.with(CompileOptions(variant: .scalar)) {
            let context = TraceContext.current
            let first = UInt32Array([1, 2]), second = UInt32Array([7, 9])
            let a = try #require(context.inputStructure(of: Self.inputs(seed: first, scale: 1, lanes: 10)))
            let b = try #require(context.inputStructure(of: Self.inputs(seed: second, scale: 1, lanes: 10)))
            #expect(a.hash == b.hash)
            #expect(a.buffers.count == 2 && b.buffers.count == 2)
            #expect(a.buffers[0].storage === first.node.storage && b.buffers[0].storage === second.node.storage)
            // The float pair is a host array (a buffer of its own each time): the same place, another buffer.
            #expect(a.buffers[1].storage !== b.buffers[1].storage)
            let otherLanes = try #require(context.inputStructure(of: Self.inputs(seed: first, scale: 1, lanes: 11)))
            #expect(otherLanes.hash != a.hash)
            let lane = UInt32Array.arange(10)
            let literal = try #require(context.inputStructure(of: [(lane * 3).node]))
            let otherLiteral = try #require(context.inputStructure(of: [(lane * 4).node]))
            #expect(literal.hash != otherLiteral.hash)
            // One array twice, or two equal arrays over two buffers.
            let x = FloatArray([1, 2, 3]), y = FloatArray([1, 2, 3])
            let shared = try #require(context.inputStructure(of: [(x + x).node]))
            let distinct = try #require(context.inputStructure(of: [(x + y).node]))
            #expect(shared.hash != distinct.hash)
            #expect(shared.buffers.count == 1 && distinct.buffers.count == 2)
        }
    }

    @Test("a buffer the step made and did not name stops freezing; named, it is an input, scatter targets too",
          arguments: Variant.allCases)
    func buffersMadeByTheStep(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let context = TraceContext.current
            let x = FloatArray((0..<20).map { Float($0) * 0.25 })
            // The step makes a table (as a render made its per-shape tables) and reads it by index.
            var start = context.lastNodeID, serial = Storage.lastSerial
            var table = FloatArray([10, 20, 30])
            var outputs = [(x + table.gather(UInt32Array.arange(20) % 3)).node]
            #expect(context.evaluateFreezing(outputs, inputBuffers: [x.node.storage], recordedAfter: start,
                                             buffersMadeAfter: serial) == nil)
            #expect(FloatArray(node: outputs[0]).values[4] == 1 + 20)
            // Named as an input, the same step freezes, and a launch reads the table it is given.
            start = context.lastNodeID
            serial = Storage.lastSerial
            table = FloatArray([10, 20, 30])
            outputs = [(x + table.gather(UInt32Array.arange(20) % 3)).node]
            let frozen = try #require(context.evaluateFreezing(outputs, inputBuffers: [x.node.storage, table.node.storage],
                                                               recordedAfter: start, buffersMadeAfter: serial))
            let launched = try #require(context.launch(frozen, inputs: [x.node, FloatArray([1, 2, 3]).node]))
            let expected: [Float] = (0..<20).map { (lane: Int) -> Float in Float(lane) * 0.25 + Float(lane % 3 + 1) }
            #expect(FloatArray(node: launched[0]).values == expected)

            // A scatter into an array handed to the step (a replay's hit log): a launch writes into the one it is
            // given, not into the captured one.
            var log = FloatArray([Float](repeating: -1, count: 40))
            start = context.lastNodeID
            serial = Storage.lastSerial
            let logStorage = log.node.storage
            log.scatter(x * 2, at: UInt32Array.arange(20) * 2)
            let result = x + 1
            let scattering = try #require(context.evaluateFreezing([result.node], inputBuffers: [x.node.storage, logStorage],
                                                                   recordedAfter: start, buffersMadeAfter: serial))
            #expect(log.values[2] == 0.5)
            let fresh = FloatArray([Float](repeating: -1, count: 40))
            let y = FloatArray((0..<20).map(Float.init))
            _ = try #require(context.launch(scattering, inputs: [y.node, fresh.node]))
            let written: [Float] = (0..<40).map { (element: Int) -> Float in element % 2 == 0 ? Float(element) : -1 }
            #expect(fresh.values == written)
            #expect(log.values[2] == 0.5, "the captured log keeps the captured step's values")
            // A launch whose lanes come from no input runs the captured size.
            let lanesOnly = UInt32Array.arange(12) * 2
            start = context.lastNodeID
            let counted = try #require(context.evaluateFreezing([lanesOnly.node], inputBuffers: [], recordedAfter: start))
            let doubled: [UInt32] = (0..<12).map { (lane: Int) -> UInt32 in UInt32(lane * 2) }
            #expect(context.launch(counted, inputs: []).map { UInt32Array(node: $0[0]).values } == doubled)
        }
    }
}
