// Random loops over state of every type, built the same way in any context and mode from a seed.
import RefractSupport
@testable import Tracer

/// The state of a random loop: a counter and one array of each element type.
struct RandomLoopState: TraversableStruct {
    var counter: Int32Array
    var float: FloatArray
    var int: Int32Array
    var uint: UInt32Array
    var mask: BoolArray

    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        counter.traverse(&visitor)
        float.traverse(&visitor)
        int.traverse(&visitor)
        uint.traverse(&visitor)
        mask.traverse(&visitor)
    }
}

/// What a random loop computes, read back to the host.
struct RandomLoopResult {
    var floats: [[Float]]
    var ints: [[Int32]]
    var uints: [UInt32]
    var masks: [Bool]
}

/// A random loop: per-lane trip counts following a pattern, and a body of random statements over the state, with
/// gathers, a block sum, scatters, scatter-adds (integer, and float with exact sums) and nested loops.
struct RandomLoop {
    enum Statement {
        case floatUnary(Int), floatMix(Float), gather, blockSum, integer(Int), hash(Int), mask(Int), select
        case scatterAdd, floatScatterAdd, scatter, nested
    }

    let size: Int
    let pattern: TripCountPattern
    let counts: [Int32]
    let statements: [Statement]
    let floats: [Float], ints: [Int32], uints: [UInt32], masks: [Bool], table: [Float]

    init(seed: UInt64, size: Int, width: Int) {
        var random = SplitMix64(seed: seed)
        self.size = size
        pattern = TripCountPattern.allCases.randomElement(using: &random)!
        counts = pattern.counts(size: size, width: width, seed: seed).map { $0 % 13 }
        statements = (0..<Int.random(in: 2...9, using: &random)).map { _ in
            switch Int.random(in: 0..<12, using: &random) {
            case 0: .floatUnary(Int.random(in: 0..<8, using: &random))
            case 1: .floatMix(Float.random(in: -2...2, using: &random))
            case 2: .gather
            case 3: .blockSum
            case 4: .integer(Int.random(in: 0..<4, using: &random))
            case 5: .hash(Int.random(in: 0..<3, using: &random))
            case 6: .mask(Int.random(in: 0..<3, using: &random))
            case 7: .select
            case 8: .scatterAdd
            case 9: .floatScatterAdd
            case 10: .scatter
            default: .nested
            }
        }
        floats = (0..<size).map { _ in Float.random(in: -4...4, using: &random) }
        ints = (0..<size).map { _ in Int32.random(in: -1000...1000, using: &random) }
        uints = (0..<size).map { _ in UInt32.random(in: 0...UInt32.max, using: &random) }
        masks = (0..<size).map { _ in Bool.random(using: &random) }
        table = (0..<37).map { _ in Float.random(in: -1...1, using: &random) }
    }

    var description: String { "\(pattern) trip counts, body \(statements)" }

    /// Runs the loop in a fresh context of `variant`, in `mode`.
    func run(_ variant: Variant, _ mode: LoopMode) -> RandomLoopResult {
        TraceContext.with(CompileOptions(variant: variant, blockSize: 256)) {
            let limit = Int32Array(counts)
            let table = FloatArray(table)
            let blocks = FloatArray((0..<size * 3).map { Float($0 % 7) * 0.25 }).blockSum(3)
            let lanes = UInt32Array.arange(size)
            var histogram = Int32Array.zeros(16)
            var weights = FloatArray.zeros(5)
            var marks = Int32Array.zeros(size)
            let start = RandomLoopState(counter: Int32Array(repeating: 0), float: FloatArray(floats),
                                        int: Int32Array(ints), uint: UInt32Array(uints), mask: BoolArray(masks))
            let end = whileLoop(start, mode: mode) { $0.counter .< limit } body: { state in
                var s = state
                for statement in statements {
                    switch statement {
                    case .floatUnary(let op):
                        let ops: [(FloatArray) -> FloatArray] = [sin, cos, exp, log, sqrt, abs, floor, { -$0 }]
                        s.float = ops[op](s.float)
                    case .floatMix(let c): s.float = s.float * c + FloatArray(s.int)
                    case .gather: s.float = s.float + table.gather(s.uint % 37)
                    case .blockSum: s.float = s.float + blocks
                    case .integer(let op):
                        switch op {
                        case 0: s.int = s.int + s.counter
                        case 1: s.int = s.int ^ (s.int >> 3)
                        case 2: s.int = select(s.mask, s.int * 3, s.int - 7)
                        default: s.int = Int32Array(s.float)
                        }
                    case .hash(let op):
                        switch op {
                        case 0: s.uint = s.uint * 1_664_525 + 1_013_904_223
                        case 1: s.uint = s.uint ^ (s.uint >> 13)
                        default: s.uint = s.uint + UInt32Array(bitPattern: s.int)
                        }
                    case .mask(let op):
                        switch op {
                        case 0: s.mask = !s.mask
                        case 1: s.mask = s.mask ^ (s.float .> 0)
                        default: s.mask = (s.uint & 4) .== 0
                        }
                    case .select: s.float = select(s.mask, s.float, -s.float)
                    case .scatterAdd: histogram.scatterAdd(s.int, at: s.uint % 16, mask: s.mask)
                    case .floatScatterAdd: weights.scatterAdd(FloatArray(repeating: 1), at: s.uint % 5)
                    case .scatter: marks.scatter(s.int, at: lanes)
                    case .nested:
                        let inner = whileLoop([Int32Array(repeating: 0)], mode: mode) { $0[0] .< (s.counter & 3) } body: { k in
                            [k[0] + 1]
                        }
                        s.int = s.int + inner[0] * 5
                    }
                }
                s.counter = s.counter + 1
                return s
            }
            return RandomLoopResult(floats: [end.float.values, weights.values],
                                    ints: [end.counter.values, end.int.values, histogram.values, marks.values],
                                    uints: end.uint.values, masks: end.mask.values)
        }
    }
}
