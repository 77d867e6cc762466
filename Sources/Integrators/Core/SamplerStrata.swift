// The per-lane state and the draws of Mitsuba's stratified and multijitter samplers, on traced arrays.
import Tracer

/// What a stratified or multijitter sampler keeps per lane beside its PCG32 stream (which only jitters): the
/// lane's sample index within its pixel, its pixel's permutation seed, and the dimension drawn next. Draws follow
/// Mitsuba's `next_1d`/`next_2d` of those plugins operation for operation (float arithmetic included).
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
        let seed = nextPermutationSeed()
        let cell: UInt32Array
        switch pattern {
        case .multijitter: cell = Self.permute(sampleIndex, count: sampleCount, seed: seed * 0x45fb_e943)
        default: cell = Self.permute(sampleIndex, count: sampleCount, seed: seed)
        }
        return (FloatArray(cell) + jitter(&rng)) * (1 / Float(sampleCount))
    }

    /// Two samples per lane in [0, 1)².
    mutating func next2D(_ rng: inout PCG32) -> Point2Array {
        let seed = nextPermutationSeed()
        switch pattern {
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
    private func jitter(_ rng: inout PCG32) -> FloatArray {
        switch pattern {
        case .stratified(let jitter), .multijitter(let jitter):
            return jitter ? rng.nextFloat() : FloatArray(repeating: 0.5)
        case .independent:
            preconditionFailure("SamplerStrata: the independent sampler has no strata")
        }
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
