// Gathers of one element under different masks loaded once (`LLVMCodegen+GatherMerging.swift`): the LLVM kernels
// against the scalar backend, values bit for bit and out-of-range counts, in straight code, a symbolic loop and a
// dispatch; and which gathers the code generator merges.
import Testing
@testable import Tracer

@Suite("Merged gathers")
struct GatherMergingTests {
    static let width = HostCPU.hostVectorWidth

    /// Per-lane indices into a table of 20 (some out of range on both sides) and three random masks.
    struct Inputs {
        var index: [Int32] = [], first: [Bool] = [], second: [Bool] = [], third: [Bool] = []
        init(lanes: Int, seed: UInt64) {
            var random = TestRandom(seed: seed)
            for _ in 0..<lanes {
                index.append(Int32(Int(random.floats(1, in: -3...23.99)[0].rounded(.down))))
                first.append(random.floats(1, in: 0...1)[0] < 0.6)
                second.append(random.floats(1, in: 0...1)[0] < 0.5)
                third.append(random.floats(1, in: 0...1)[0] < 0.3)
            }
        }
    }

    /// The reads of one run: floats and integers gathered under the three masks, in straight code, in a symbolic
    /// loop (twice per iteration, masks made before the loop) and in a dispatch's case; and the out-of-range lanes.
    static func run(_ variant: Variant, _ inputs: Inputs) -> (floats: [[Float]], ints: [Int32], outOfRange: Int) {
        TraceContext.with(CompileOptions(variant: variant, blockSize: 256, checksBounds: true)) {
            let context = TraceContext.current
            let before = context.statistics.outOfRangeLanes
            let table = FloatArray((0..<20).map { Float($0) * 1.25 + 0.5 })
            let integers = Int32Array((0..<20).map { Int32($0 * 7 - 3) })
            let index = Int32Array(inputs.index)
            let first = BoolArray(inputs.first), second = BoolArray(inputs.second), third = BoolArray(inputs.third)
            let a = table.gather(index, mask: first)
            let b = table.gather(index, mask: second)
            let c = table.gather(index, mask: first | third)
            let k = integers.gather(index, mask: second) + integers.gather(index, mask: third)
            // A mask made from a gathered value comes after the first gather: that read stays on its own.
            let d = table.gather(index, mask: a .> 10)
            let start = Pair(first: FloatArray(repeating: 0), second: Int32Array(repeating: 0))
            let looped = whileLoop(start) { $0.second .< 3 } body: { state in
                let read = table.gather(index, mask: second) * 2 + table.gather(index, mask: third)
                return Pair(first: state.first + read, second: state.second + 1)
            }
            let selector = UInt32Array(bitPattern: index & 1)
            let dispatched = dispatch(selector, count: 2, arguments: index) { c, lane in
                c == 0 ? table.gather(lane, mask: first) : table.gather(lane, mask: second) + 1
            }
            let floats = [a + b * 3 + c * 5 + d * 7, looped.first, dispatched].map(\.values)
            return (floats, k.values, context.statistics.outOfRangeLanes - before)
        }
    }

    @Test("gathers of one element under different masks: the backends agree bit for bit, and count the same lanes")
    func backendsAgree() {
        for (lanes, seed) in [(3 * Self.width + 5, UInt64(1)), (200, 2), (Self.width, 3)] {
            let inputs = Inputs(lanes: lanes, seed: seed)
            let llvm = Self.run(.llvm, inputs), scalar = Self.run(.scalar, inputs)
            #expect(llvm.floats.map { $0.map(\.bitPattern) } == scalar.floats.map { $0.map(\.bitPattern) }, "\(lanes)")
            #expect(llvm.ints == scalar.ints, "\(lanes)")
            #expect(llvm.outOfRange == scalar.outOfRange && llvm.outOfRange > 0, "\(lanes)")
        }
    }

    @Test("what is merged: one element under masks known before the first read, from a source nothing writes")
    func mergesFound() throws {
        let inputs = Inputs(lanes: 40, seed: 5)
        let (program, reads) = try TraceContext.with(CompileOptions(variant: .scalar, vectorWidth: 16)) {
            () throws -> (KernelProgram, [Float]) in
            let context = TraceContext.current
            let table = FloatArray((0..<20).map(Float.init))
            let index = Int32Array(inputs.index)
            let first = BoolArray(inputs.first), second = BoolArray(inputs.second)
            let a = table.gather(index, mask: first)
            let b = table.gather(index, mask: second)         // merged with a
            let c = table.gather(index + 1, mask: second)     // another element: its own read
            let d = table.gather(index, mask: a .> 4)         // its mask needs a: its own read
            context.capturedLaunches = []
            let sum = a + b * 2 + c * 4 + d * 8
            sum.eval()
            return (try #require(context.capturedLaunches?.first { $0.program.instructions.contains { $0.op == .gather } }?.program), sum.values)
        }
        let merging = GatherMerging(program)
        let gathers = program.instructions.indices.filter { program.instructions[$0].op == .gather }
        #expect(gathers.count == 4)
        #expect(merging.leaders.count == 1)
        #expect(merging.leaders.first.map { $0.value == gathers[0] && $0.key == gathers[1] } == true)
        // The values those reads must give, on the host.
        let expected = inputs.index.indices.map { lane -> Float in
            func read(_ i: Int32, _ on: Bool) -> Float { on && (0..<20).contains(i) ? Float(i) : 0 }
            let i = inputs.index[lane]
            let a = read(i, inputs.first[lane])
            return a + read(i, inputs.second[lane]) * 2 + read(i + 1, inputs.second[lane]) * 4 + read(i, a > 4) * 8
        }
        #expect(reads == expected)
    }
}
