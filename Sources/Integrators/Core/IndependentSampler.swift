// Mitsuba's `independent` sampler: one PCG32 stream per lane, seeded by TEA(seed, lane index).
import Tracer

/// Mitsuba's independent sampler over a wavefront of lanes.
///
/// Seeding and drawing only record traced operations, so a whole draw sequence fuses into the kernels that use
/// it. The seed enters kernels as a parameter, so rendering with another seed reuses the compiled kernels.
public struct IndependentSampler {
    /// The per-lane generator.
    public var rng: PCG32
    /// The number of lanes (wavefront size).
    public private(set) var laneCount: Int

    /// A sampler seeded with `seed` for `laneCount` lanes.
    public init(seed: UInt32, laneCount: Int) {
        rng = Self.streams(seed: .opaque(seed), lane: .arange(laneCount))
        self.laneCount = laneCount
    }

    /// A sampler whose lane i draws what lane `streams[i]` of a sampler seeded with `seed` draws (a shard's share
    /// of a render's samples: the streams are the single render's lane numbers).
    public init(seed: UInt32, streams: UInt32Array) {
        rng = Self.streams(seed: .opaque(seed), lane: streams)
        laneCount = streams.count
    }

    /// A sampler for a batch of wavefronts of `lanesPerImage` lanes each, one after another: the lanes of wavefront
    /// j draw exactly what a sampler seeded with `seeds[j]` draws for a wavefront of its own. The seeds enter
    /// kernels as data, so other seeds reuse the compiled kernels.
    public init(seeds: UInt32Array, lanesPerImage: Int) {
        precondition(lanesPerImage > 0, "IndependentSampler: lanes per image must be positive, got \(lanesPerImage)")
        laneCount = seeds.count * lanesPerImage
        let lane = UInt32Array.arange(laneCount)
        let image = lane / UInt32(lanesPerImage)
        rng = Self.streams(seed: seeds.gather(image), lane: lane - image * UInt32(lanesPerImage))
    }

    /// Restarts every lane's stream: lane i gets PCG32(initstate: v0, initseq: v1) with (v0, v1) = TEA(seed, i).
    public mutating func seed(seed: UInt32, laneCount: Int) {
        self = IndependentSampler(seed: seed, laneCount: laneCount)
    }

    /// Per lane, PCG32(initstate: v0, initseq: v1) with (v0, v1) = TEA(seed, lane).
    private static func streams(seed: UInt32Array, lane: UInt32Array) -> PCG32 {
        let (v0, v1) = tea(v0: seed, v1: lane)
        return PCG32(initState: v0, initSequence: v1)
    }

    /// One uniform number in [0, 1) per lane.
    public mutating func next1D() -> FloatArray {
        rng.nextFloat()
    }

    /// Two uniform numbers in [0, 1) per lane, drawn x first.
    public mutating func next2D() -> Point2Array {
        let x = rng.nextFloat()
        let y = rng.nextFloat()
        return Point2Array(x: x, y: y)
    }

    /// Keeps only the lanes `index` names, in its order: lane i continues the stream of lane `index[i]`.
    mutating func keepLanes(_ index: UInt32Array) {
        rng = rng.keepingLanes(index)
        laneCount = index.count
    }

    /// Every per-lane array of the generator (state and increment), to evaluate with a wavefront's state.
    public var arrays: [UInt32Array] { rng.arrays }
}

extension IndependentSampler: TraversableStruct {
    /// Visits the generator's arrays (the lane count is structure, not data: a traversal keeps it).
    public mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        rng.traverse(&visitor)
    }
}
