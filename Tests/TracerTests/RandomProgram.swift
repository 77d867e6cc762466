// Random traced programs over all ops and types, built identically in two contexts (one per backend).
import RefractSupport
@testable import Tracer

/// A value of the random program in both contexts: the same operation applied on each side.
enum PairedArray {
    case float(FloatArray, FloatArray)
    case int(Int32Array, Int32Array)
    case uint(UInt32Array, UInt32Array)
    case mask(BoolArray, BoolArray)
}

/// Builds a random program of `steps` operations over arrays of `size` lanes in the contexts `left` and `right`.
struct RandomProgram {
    /// Seeded from the program's seed, so a failing seed reproduces.
    var random: SplitMix64
    let size: Int
    let left: TraceContext
    let right: TraceContext
    var floats: [(FloatArray, FloatArray)] = []
    var ints: [(Int32Array, Int32Array)] = []
    var uints: [(UInt32Array, UInt32Array)] = []
    var masks: [(BoolArray, BoolArray)] = []
    /// The kind of each step, for failure messages.
    var steps: [String] = []

    init(seed: UInt64, size: Int, left: TraceContext, right: TraceContext) {
        random = SplitMix64(seed: seed)
        self.size = size
        self.left = left
        self.right = right
        let specials: [Float] = [0, -0.0, 1, -1, 0.5, 3, -7.25, .infinity, -.infinity, .nan, 1e-30, 1e30, 100]
        let floatValues = (0..<size).map { _ in
            Int.random(in: 0..<4, using: &random) == 0 ? specials.randomElement(using: &random)!
                : Float.random(in: -10...10, using: &random)
        }
        let intValues = (0..<size).map { _ in
            Int.random(in: 0..<5, using: &random) == 0 ? [Int32.min, Int32.max, -1, 0, 31, 32, 33].randomElement(using: &random)!
                : Int32.random(in: -100...100, using: &random)
        }
        let uintValues = (0..<size).map { _ in UInt32.random(in: 0...UInt32.max, using: &random) >> UInt32.random(in: 0...31, using: &random) }
        let maskValues = (0..<size).map { _ in Bool.random(using: &random) }
        floats.append((FloatArray(floatValues, context: left), FloatArray(floatValues, context: right)))
        ints.append((Int32Array(intValues, context: left), Int32Array(intValues, context: right)))
        uints.append((UInt32Array(uintValues, context: left), UInt32Array(uintValues, context: right)))
        masks.append((BoolArray(maskValues, context: left), BoolArray(maskValues, context: right)))
        let scalar = Float.random(in: -3...3, using: &random)
        floats.append((FloatArray.opaque(scalar, context: left), FloatArray.opaque(scalar, context: right)))
    }

    private mutating func pick<T>(_ list: [T]) -> T { list.randomElement(using: &random)! }

    /// Appends one random operation.
    mutating func step() {
        let kind = Int.random(in: 0..<11, using: &random)
        steps.append(["floatUnary", "floatUnary", "floatBinary", "floatBinary", "integer", "logic", "conversion",
                    "memory", "reduction", "select", "loop"][kind] + " -> f\(floats.count) i\(ints.count) u\(uints.count) m\(masks.count)")
        switch kind {
        case 0, 1: floatUnary()
        case 2, 3: floatBinary()
        case 4: integerOp()
        case 5: comparisonAndLogic()
        case 6: conversion()
        case 7: memory()
        case 8: reduction()
        case 9: selectOp()
        default: loop()
        }
    }

    mutating func floatUnary() {
        let ops: [(FloatArray) -> FloatArray] = [
            { -$0 }, { abs($0) }, { sqrt($0) }, { rsqrt($0) }, { rcp($0) }, { floor($0) }, { ceil($0) },
            { round($0) }, { trunc($0) }, { exp($0) }, { log($0) }, { sin($0) }, { cos($0) }, { tan($0) },
        ]
        let choice = Int.random(in: 0..<ops.count, using: &random)
        steps.append("  unary #\(choice)")
        let (a, b) = pick(floats)
        floats.append((ops[choice](a), ops[choice](b)))
    }

    mutating func floatBinary() {
        let ops: [(FloatArray, FloatArray) -> FloatArray] = [
            { $0 + $1 }, { $0 - $1 }, { $0 * $1 }, { $0 / $1 }, { min($0, $1) }, { max($0, $1) },
            { atan2($0, $1) }, { pow($0, $1) }, { fma($0, $1, $0) },
        ]
        let choice = Int.random(in: 0..<ops.count, using: &random)
        steps.append("  binary #\(choice)")
        let (a, b) = pick(floats), (c, d) = pick(floats)
        floats.append((ops[choice](a, c), ops[choice](b, d)))
    }

    mutating func integerOp() {
        let intOps: [(Int32Array, Int32Array) -> Int32Array] = [
            { $0 + $1 }, { $0 - $1 }, { $0 * $1 }, { $0 / $1 }, { min($0, $1) }, { max($0, $1) }, { mulhi($0, $1) },
            { $0 << $1 }, { $0 >> $1 }, { $0 & $1 }, { $0 | $1 }, { $0 ^ $1 }, { _, b in ~b }, { a, _ in -a },
            { a, _ in abs(a) },
        ]
        let uintOps: [(UInt32Array, UInt32Array) -> UInt32Array] = [
            { $0 + $1 }, { $0 - $1 }, { $0 * $1 }, { $0 / $1 }, { min($0, $1) }, { max($0, $1) }, { mulhi($0, $1) },
            { $0 << $1 }, { $0 >> $1 }, { $0 & $1 }, { $0 | $1 }, { $0 ^ $1 }, { _, b in ~b },
        ]
        if Bool.random(using: &random) {
            let op = pick(intOps)
            let (a, b) = pick(ints), (c, d) = pick(ints)
            ints.append((op(a, c), op(b, d)))
        } else {
            let op = pick(uintOps)
            let (a, b) = pick(uints), (c, d) = pick(uints)
            uints.append((op(a, c), op(b, d)))
        }
    }

    mutating func comparisonAndLogic() {
        let floatComparisons: [(FloatArray, FloatArray) -> BoolArray] = [
            { $0 .== $1 }, { $0 .!= $1 }, { $0 .< $1 }, { $0 .<= $1 }, { $0 .> $1 }, { $0 .>= $1 },
        ]
        let intComparisons: [(Int32Array, Int32Array) -> BoolArray] = [{ $0 .< $1 }, { $0 .>= $1 }, { $0 .== $1 }]
        let uintComparisons: [(UInt32Array, UInt32Array) -> BoolArray] = [{ $0 .< $1 }, { $0 .> $1 }, { $0 .!= $1 }]
        let logic: [(BoolArray, BoolArray) -> BoolArray] = [{ $0 & $1 }, { $0 | $1 }, { $0 ^ $1 }, { a, _ in !a }]
        switch Int.random(in: 0..<4, using: &random) {
        case 0:
            let op = pick(floatComparisons)
            let (a, b) = pick(floats), (c, d) = pick(floats)
            masks.append((op(a, c), op(b, d)))
        case 1:
            let op = pick(intComparisons)
            let (a, b) = pick(ints), (c, d) = pick(ints)
            masks.append((op(a, c), op(b, d)))
        case 2:
            let op = pick(uintComparisons)
            let (a, b) = pick(uints), (c, d) = pick(uints)
            masks.append((op(a, c), op(b, d)))
        default:
            let op = pick(logic)
            let (a, b) = pick(masks), (c, d) = pick(masks)
            masks.append((op(a, c), op(b, d)))
        }
    }

    mutating func conversion() {
        let (f1, f2) = pick(floats), (i1, i2) = pick(ints), (u1, u2) = pick(uints), (m1, m2) = pick(masks)
        switch Int.random(in: 0..<9, using: &random) {
        case 0: ints.append((Int32Array(f1), Int32Array(f2)))
        case 1: uints.append((UInt32Array(f1), UInt32Array(f2)))
        case 2: floats.append((FloatArray(i1), FloatArray(i2)))
        case 3: floats.append((FloatArray(u1), FloatArray(u2)))
        case 4: ints.append((Int32Array(u1), Int32Array(u2)))
        case 5: floats.append((FloatArray(m1), FloatArray(m2)))
        case 6: masks.append((BoolArray(f1), BoolArray(f2)))
        case 7: floats.append((FloatArray(bitPattern: i1), FloatArray(bitPattern: i2)))
        default:
            // The sign and payload of a NaN are not portable across compilers: reinterpret only numbers.
            let zero1 = FloatArray(repeating: 0, context: left), zero2 = FloatArray(repeating: 0, context: right)
            let clean1 = select(f1 .== f1, f1, zero1), clean2 = select(f2 .== f2, f2, zero2)
            uints.append((UInt32Array(bitPattern: clean1), UInt32Array(bitPattern: clean2)))
        }
    }

    mutating func memory() {
        let (f1, f2) = pick(floats), (i1, i2) = pick(ints), (m1, m2) = pick(masks)
        // Indices in [-2, size + 2): some lanes out of range on purpose.
        let index1 = (i1 & 0x7fff_ffff) / Int32(1) - Int32(0), index2 = (i2 & 0x7fff_ffff)
        let wrapped1 = UInt32Array(bitPattern: index1) / UInt32(1) % (size + 4), wrapped2 = UInt32Array(bitPattern: index2) % (size + 4)
        let shifted1 = Int32Array(wrapped1) - 2, shifted2 = Int32Array(wrapped2) - 2
        let choice = Int.random(in: 0..<3, using: &random)
        steps.append("  memory #\(choice)")
        switch choice {
        case 0:
            floats.append((f1.gather(shifted1, mask: m1), f2.gather(shifted2, mask: m2)))
        case 1:
            // Several lanes writing one element leave an unspecified winner: scatter through a permutation
            // (lane * 7919 mod size, a bijection for sizes coprime to 7919), shifted so some lanes fall out of range.
            var t1 = f1, t2 = f2
            let (v1, v2) = pick(floats)
            let shift = Int32.random(in: -2...2, using: &random)
            let lanes1 = UInt32Array.arange(size, context: left), lanes2 = UInt32Array.arange(size, context: right)
            let permuted1 = Int32Array((lanes1 * UInt32(7919)) % size) + shift
            let permuted2 = Int32Array((lanes2 * UInt32(7919)) % size) + shift
            t1.scatter(v1, at: permuted1, mask: m1)
            t2.scatter(v2, at: permuted2, mask: m2)
            floats.append((t1, t2))
        default:
            var t1 = f1, t2 = f2
            let (v1, v2) = pick(floats)
            t1.scatterAdd(v1, at: shifted1, mask: m1)
            t2.scatterAdd(v2, at: shifted2, mask: m2)
            floats.append((t1, t2))
        }
    }

    mutating func reduction() {
        let (f1, f2) = pick(floats), (u1, u2) = pick(uints)
        let choice = Int.random(in: 0..<5, using: &random)
        steps.append("  reduction #\(choice)")
        switch choice {
        case 0: floats.append((f1.sum(), f2.sum()))
        case 1: floats.append((f1.min(), f2.min()))
        case 2: uints.append((u1.max(), u2.max()))
        case 3: uints.append((u1.sum(), u2.sum()))
        default:
            // A block reduction back to full size through a gather, so later ops keep one size.
            let length = Int.random(in: 1...5, using: &random)
            let lanes1 = UInt32Array.arange(size, context: left) / UInt32(length)
            let lanes2 = UInt32Array.arange(size, context: right) / UInt32(length)
            floats.append((f1.blockSum(length).gather(lanes1), f2.blockSum(length).gather(lanes2)))
        }
    }

    mutating func selectOp() {
        let (m1, m2) = pick(masks)
        if Bool.random(using: &random) {
            let (a, b) = pick(floats), (c, d) = pick(floats)
            floats.append((select(m1, a, c), select(m2, b, d)))
        } else {
            let (a, b) = pick(ints), (c, d) = pick(ints)
            ints.append((select(m1, a, c), select(m2, b, d)))
        }
    }
}

extension RandomProgram {
    /// A symbolic loop over a float, an int and a mask of the program, each lane running (an int of the program) & 7
    /// iterations, whose body does arithmetic, gathers from an array of the program or scatter-adds into a copy of
    /// one (many lanes and iterations adding into one element: the order must match between backends).
    mutating func loop() {
        let (f1, f2) = pick(floats), (g1, g2) = pick(floats), (i1, i2) = pick(ints), (m1, m2) = pick(masks)
        let (c1, c2) = pick(ints)
        let choice = Int.random(in: 0..<4, using: &random)
        steps.append("  loop #\(choice)")
        let size = self.size
        func run(_ f: FloatArray, _ g: FloatArray, _ i: Int32Array, _ m: BoolArray,
                 _ count: Int32Array) -> (FloatArray, Int32Array, BoolArray, FloatArray) {
            var target = g
            let limit = count & 7
            let start = Pair(first: [Int32Array(repeating: 0, context: f.context), i], second: Pair(first: f, second: m))
            let end = whileLoop(start) { $0.first[0] .< limit } body: { state in
                let k = state.first[0], i = state.first[1], f = state.second.first, m = state.second.second
                let index = Int32Array(UInt32Array(bitPattern: i & 0x7fff_ffff) % (size + 4)) - 2
                var next = Pair(first: [k + 1, i * 1_103_515_245 + 12345], second: Pair(first: f, second: m))
                switch choice {
                case 0: next.second.first = f * 0.5 + sin(f)
                case 1: next.second = Pair(first: select(m, f + FloatArray(k), f * f), second: !m)
                case 2: next.second.first = f + g.gather(index, mask: m)
                default: target.scatterAdd(f, at: index, mask: m)
                }
                return next
            }
            return (end.second.first, end.first[1], end.second.second, target)
        }
        let (a1, b1, d1, t1) = run(f1, g1, i1, m1, c1), (a2, b2, d2, t2) = run(f2, g2, i2, m2, c2)
        floats.append((a1, a2))
        ints.append((b1, b2))
        masks.append((d1, d2))
        floats.append((t1, t2))
    }
}

extension UInt32Array {
    static func % (a: UInt32Array, b: Int) -> UInt32Array {
        let divisor = UInt32(b)
        return a - (a / divisor) * divisor
    }
}
