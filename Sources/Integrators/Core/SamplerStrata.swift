// The per-lane state and the draws of Mitsuba's stratified, multijitter and low-discrepancy samplers, on traced arrays.
import Tracer

/// What a stratified, multijitter or low-discrepancy sampler keeps per lane beside its PCG32 stream (which only
/// jitters): the lane's sample index within its pixel, its pixel's permutation (ldsampler: scramble) seed, and the
/// dimension drawn next. Draws follow Mitsuba's `next_1d`/`next_2d` of those plugins operation for operation (float
/// arithmetic included).
struct SamplerStrata {
    let pattern: SamplePattern
    /// Samples per pixel (the sampler's sample count).
    let sampleCount: UInt32
    /// Per lane: which sample of its pixel it is.
    var sampleIndex: UInt32Array
    /// Per lane: TEA(0, first lane of its pixel + seed), the seed of its pixel's permutations.
    var permutationSeed: UInt32Array
    /// Per lane (equal on every lane): the dimension the next draw uses; it advances by one per draw.
    var dimension: UInt32Array

    /// The strata of lanes that hold samples `lane mod spp` of pixels `lane / spp` (`lane` numbers the lanes of
    /// the single render, whose seed each lane is given).
    init(pattern: SamplePattern, samplesPerPixel spp: Int, lane: UInt32Array, seed: UInt32Array) {
        self.pattern = pattern
        sampleCount = UInt32(spp)
        sampleIndex = lane - (lane / UInt32(spp)) * UInt32(spp)
        let sequence = lane - sampleIndex
        permutationSeed = tea(v0: UInt32Array(repeating: 0, count: lane.count), v1: sequence + seed).v0
        dimension = UInt32Array(repeating: 0, count: lane.count)
    }

    /// One sample per lane in [0, 1).
    mutating func next1D(_ rng: inout PCG32) -> FloatArray {
        if case .orthogonal(_, let strength) = pattern {
            let j = dimension
            dimension = dimension + 1
            return strength == 2 ? boseDraw(dimension: j, &rng) : bushDraw(dimension: j, strength: strength, &rng)
        }
        let seed = nextPermutationSeed()
        let cell: UInt32Array
        switch pattern {
        case .lowDiscrepancy:
            let index = Self.shuffle(sampleIndex, count: sampleCount, seed: seed)
            let scramble = tea(v0: permutationSeed, v1: UInt32Array(repeating: 0x48bc_48eb)).v0
            return Self.radicalInverse2(index, scramble: scramble)
        case .multijitter: cell = Self.permute(sampleIndex, count: sampleCount, seed: seed * 0x45fb_e943)
        default: cell = Self.permute(sampleIndex, count: sampleCount, seed: seed)
        }
        return (FloatArray(cell) + jitter(&rng)) * (1 / Float(sampleCount))
    }

    /// Two samples per lane in [0, 1)².
    mutating func next2D(_ rng: inout PCG32) -> Point2Array {
        if case .orthogonal = pattern {
            let x = next1D(&rng)
            return Point2Array(x: x, y: next1D(&rng))
        }
        let seed = nextPermutationSeed()
        switch pattern {
        case .lowDiscrepancy:
            let index = Self.shuffle(sampleIndex, count: sampleCount, seed: seed)
            let scramble = tea(v0: permutationSeed, v1: UInt32Array(repeating: 0x98bc_51ab))
            return Point2Array(x: Self.radicalInverse2(index, scramble: scramble.v0),
                               y: Self.sobol2(index, count: sampleCount, scramble: scramble.v1))
        case .multijitter:
            let grid = SamplePattern.multijitterGrid(Int(sampleCount))
            let (width, height) = (UInt32(grid.x), UInt32(grid.y))
            let cell = Self.permute(sampleIndex, count: sampleCount, seed: seed * 0x5163_3e2d)
            let y = cell / width
            let x = cell - y * width
            // The sub-cell inside the cell, so that the points also stratify rows and columns.
            let subX = Self.permute(x, count: width, seed: seed * 0x68bc_21eb)
            let subY = Self.permute(y, count: height, seed: seed * 0x02e5_be93)
            let jx = jitter(&rng), jy = jitter(&rng)
            let (inverseX, inverseY) = (1 / Float(width), 1 / Float(height))
            return Point2Array(x: (FloatArray(x) + (FloatArray(subY) + jx) * inverseY) * inverseX,
                               y: (FloatArray(y) + (FloatArray(subX) + jy) * inverseX) * inverseY)
        default:
            let resolution = UInt32(SamplePattern.stratifiedResolution(Int(sampleCount)))
            let cell = Self.permute(sampleIndex, count: sampleCount, seed: seed)
            let y = cell / resolution
            let x = cell - y * resolution
            let jx = jitter(&rng), jy = jitter(&rng)
            let inverse = 1 / Float(resolution)
            return Point2Array(x: (FloatArray(x) + jx) * inverse, y: (FloatArray(y) + jy) * inverse)
        }
    }

    /// The lane's permutation seed for this dimension; moves on to the next dimension.
    private mutating func nextPermutationSeed() -> UInt32Array {
        let seed = permutationSeed + dimension
        dimension = dimension + 1
        return seed
    }

    /// A uniform number in [0, 1) from the stream, or 0.5 without jitter.
    func jitter(_ rng: inout PCG32) -> FloatArray {
        switch pattern {
        case .stratified(let jitter), .multijitter(let jitter), .orthogonal(let jitter, _):
            return jitter ? rng.nextFloat() : FloatArray(repeating: 0.5)
        case .independent, .lowDiscrepancy:
            preconditionFailure("SamplerStrata: the \(pattern.name) sampler does not jitter")
        }
    }

    /// Mitsuba's `permute(index, size, seed)` for a power-of-two count: per bit, from the lowest, a flip of that
    /// bit decided by TEA (2 rounds) of the index with the bit set and the seed.
    static func shuffle(_ index: UInt32Array, count: UInt32, seed: UInt32Array) -> UInt32Array {
        var index = index
        var bit: UInt32 = 1
        while bit < count {
            let random = tea(v0: index | bit, v1: seed, rounds: 2).v0
            index = select((random & bit) .== bit, index ^ bit, index)
            bit <<= 1
        }
        return index
    }

    /// The radical inverse of `index` in base 2 (its bits reversed after the binary point), xor `scramble`, as a
    /// float in [0, 1) from the top 23 bits (Mitsuba's `radical_inverse_2` in single precision).
    static func radicalInverse2(_ index: UInt32Array, scramble: UInt32Array) -> FloatArray {
        var x = (index << 16) | (index >> 16)
        x = ((x & 0x00ff_00ff) << 8) | ((x & 0xff00_ff00) >> 8)
        x = ((x & 0x0f0f_0f0f) << 4) | ((x & 0xf0f0_f0f0) >> 4)
        x = ((x & 0x3333_3333) << 2) | ((x & 0xcccc_cccc) >> 2)
        x = ((x & 0x5555_5555) << 1) | ((x & 0xaaaa_aaaa) >> 1)
        return FloatArray(bitPattern: ((x ^ scramble) >> 9) | 0x3f80_0000) - 1
    }

    /// The second dimension of Sobol's sequence at `index` (< `count`), xor `scramble`, as Mitsuba's `sobol_2` in
    /// single precision: the 32-bit integer over 2³² (its float rounding included). The direction numbers are the
    /// same for every lane, so the loop over the index's bits is unrolled.
    static func sobol2(_ index: UInt32Array, count: UInt32, scramble: UInt32Array) -> FloatArray {
        var result = scramble, rest = index
        var v: UInt32 = 1 << 31
        var bit: UInt32 = 1
        while bit < count {
            result = select((rest & 1) .== 1, result ^ v, result)
            rest = rest >> 1
            v ^= v >> 1
            bit <<= 1
        }
        return FloatArray(result) / Float(4_294_967_296)
    }

    /// Mitsuba's `permute_kensler(index, count, seed)`: the position of `index` in a pseudorandom permutation of
    /// 0..<count chosen by `seed` (Kensler's hash, cycle-walking until the value is below `count`).
    static func permute(_ index: UInt32Array, count: UInt32, seed: UInt32Array) -> UInt32Array {
        if count == 1 { return UInt32Array(repeating: 0, count: index.count) }
        var w = count - 1
        w |= w >> 1
        w |= w >> 2
        w |= w >> 4
        w |= w >> 8
        w |= w >> 16
        func hash(_ index: UInt32Array) -> UInt32Array {
            var t = index ^ seed
            t = t * 0xe170_893d
            t = t ^ (seed >> 16)
            t = t ^ ((t & w) >> 4)
            t = t ^ (seed >> 8)
            t = t * 0x0929_eb3f
            t = t ^ (seed >> 23)
            t = t ^ ((t & w) >> 1)
            t = t * ((seed >> 27) | 1)
            t = t * 0x6935_fa69
            t = t ^ ((t & w) >> 11)
            t = t * 0x74dc_b303
            t = t ^ ((t & w) >> 2)
            t = t * 0x9e50_1cc3
            t = t ^ ((t & w) >> 2)
            t = t * 0xc860_a3df
            t = t & w
            return t ^ (t >> 5)
        }
        // The hash maps 0...w onto itself; indices past the count walk on until they land below it, after at most
        // w + 1 - count steps. Unrolled for the usual counts (powers of two: one step), a loop otherwise.
        let steps = Int(w) + 2 - Int(count)
        var walked: UInt32Array
        if steps <= 4 {
            walked = hash(index)
            for _ in 1..<steps {
                walked = select(walked .>= count, hash(walked), walked)
            }
        } else {
            struct Walk: TraversableStruct {
                var index: UInt32Array
                mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) { index.traverse(&visitor) }
            }
            walked = whileLoop(Walk(index: hash(index)), mode: .symbolic) { $0.index .>= count } body: { walk in
                Walk(index: hash(walk.index))
            }.index
        }
        let shifted = walked + seed
        return shifted - (shifted / count) * count
    }
}
