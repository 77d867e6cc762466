// Random dispatches: cases of random statements (gathers, scatter-adds, nested dispatches and loops), optionally
// inside a symbolic loop; the LLVM backend against the scalar backend, bit for bit.
import PropertyBased
import Testing
import RefractSupport
@testable import Tracer

/// A random dispatch built the same way in any context from a seed.
struct RandomDispatch: CustomStringConvertible {
    enum Statement {
        case sine, integer, hash, mask, gather, scatterAdd, floatScatterAdd, select, nestedDispatch, nestedLoop
    }

    let size: Int
    let inLoop: Bool
    /// The statements of each case.
    let cases: [[Statement]]
    let floats: [Float]
    let ints: [Int32]
    let uints: [UInt32]
    let masks: [Bool]

    init(seed: UInt64, size: Int) {
        var random = SplitMix64(seed: seed)
        self.size = size
        inLoop = Bool.random(using: &random)
        let count = [1, 2, 3, 17, 40].randomElement(using: &random)!
        let all: [Statement] = [.sine, .integer, .hash, .mask, .gather, .scatterAdd, .floatScatterAdd, .select,
                                .nestedDispatch, .nestedLoop]
        cases = (0..<count).map { _ in
            (0..<Int.random(in: 1...4, using: &random)).map { _ in all.randomElement(using: &random)! }
        }
        floats = (0..<size).map { _ in Float(Int.random(in: -64...64, using: &random)) * 0.25 }
        ints = (0..<size).map { _ in Int32.random(in: -1000...1000, using: &random) }
        uints = (0..<size).map { _ in UInt32.random(in: 0...UInt32.max, using: &random) }
        masks = (0..<size).map { _ in Int.random(in: 0..<5, using: &random) != 0 }
    }

    var description: String {
        let bodies = cases.map { $0.map { "\($0)" }.joined(separator: ", ") }
        return "\(cases.count) cases\(inLoop ? " in a loop" : ""): [\(bodies.joined(separator: "] ["))]"
    }

    func run(_ variant: Variant) -> RandomLoopResult {
        TraceContext.with(CompileOptions(variant: variant, blockSize: 256)) {
            let table = FloatArray((0..<37).map { Float($0) * 0.5 - 3 })
            var histogram = Int32Array.zeros(16)
            var weights = FloatArray.zeros(5)
            let start = RandomLoopState(counter: Int32Array(repeating: 0), float: FloatArray(floats),
                                        int: Int32Array(ints), uint: UInt32Array(uints), mask: BoolArray(masks))
            func step(_ state: RandomLoopState) -> RandomLoopState {
                let index = state.uint % (cases.count + 1)  // the last: no case
                return dispatch(index, count: cases.count, arguments: state, mask: state.mask | (state.int .> 0)) { c, state in
                    var s = state
                    for statement in cases[c] {
                        switch statement {
                        case .sine: s.float = sin(s.float) * Float(c + 1) + FloatArray(s.int & 7)
                        case .integer: s.int = s.int * 3 + Int32(c)
                        case .hash: s.uint = (s.uint * 1_664_525 + 1_013_904_223) ^ UInt32(c)
                        case .mask: s.mask = s.mask ^ (s.float .> 0)
                        case .gather: s.float = s.float + table.gather(s.uint % 37)
                        case .scatterAdd: histogram.scatterAdd(s.int, at: s.uint % 16, mask: s.mask)
                        case .floatScatterAdd: weights.scatterAdd(s.float * 0.5 + Float(c), at: s.uint % 5)
                        case .select: s.float = select(s.mask, s.float, -s.float)
                        case .nestedDispatch:
                            s.int = dispatch(s.uint % 3, count: 3, arguments: s.int) { k, x in x * Int32(k + 2) - 1 }
                        case .nestedLoop:
                            let inner = whileLoop([Int32Array(repeating: 0)]) { $0[0] .< (s.int & 3) } body: { k in
                                [k[0] + 1]
                            }
                            s.float = s.float + FloatArray(inner[0])
                        }
                    }
                    s.counter = s.counter + 1
                    return s
                }
            }
            var end: RandomLoopState
            if inLoop {
                let limit = Int32Array(UInt32Array.arange(size) % 4)
                end = whileLoop(start) { $0.counter .< limit } body: { state in
                    var next = step(state)
                    next.counter = state.counter + 1
                    return next
                }
            } else {
                end = step(start)
            }
            return RandomLoopResult(floats: [end.float.values, weights.values],
                                    ints: [end.counter.values, end.int.values, histogram.values],
                                    uints: end.uint.values, masks: end.mask.values)
        }
    }
}

@Suite("Random dispatches: LLVM vs scalar")
struct RandomDispatchTests {
    static let width = HostCPU.hostVectorWidth

    @Test("random dispatches agree at sizes 1, W+1 and 300", arguments: [1, width + 1, 300])
    func randomDispatches(size: Int) async {
        await propertyCheck(count: 12, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            let program = RandomDispatch(seed: seed, size: size)
            let reference = program.run(.scalar), result = program.run(.llvm)
            let what = "seed \(seed), size \(size): \(program)"
            for (index, (a, b)) in zip(result.floats, reference.floats).enumerated() {
                let mismatch = a.indices.first { !sameFloat(a[$0], b[$0]) }
                #expect(mismatch == nil, "float array \(index), lane \(mismatch ?? 0): \(what)")
            }
            #expect(result.ints == reference.ints, "\(what)")
            #expect(result.uints == reference.uints, "\(what)")
            #expect(result.masks == reference.masks, "\(what)")
        }
    }
}
