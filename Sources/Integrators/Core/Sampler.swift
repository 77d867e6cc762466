// Mitsuba's samplers over a wavefront: one PCG32 stream per lane, seeded by TEA(seed, lane index), and for the
// stratified and multijitter samplers the lane's strata (`SamplerStrata`).
import Tracer

/// Mitsuba's `independent`, `stratified` or `multijitter` sampler over a wavefront of lanes.
///
/// Seeding and drawing only record traced operations, so a whole draw sequence fuses into the kernels that use
/// it. The seed enters kernels as a parameter, so rendering with another seed reuses the compiled kernels.
public struct Sampler {
    /// The per-lane generator (for the stratified samplers, the jitter inside a cell).
    public var rng: PCG32
    /// The number of lanes (wavefront size).
    public private(set) var laneCount: Int
    /// The strata of a stratified or multijitter sampler; nil for the independent one.
    var strata: SamplerStrata?

    /// A sampler seeded with `seed` for `laneCount` lanes; a stratified `pattern` needs the samples per pixel
    /// (lane i is sample i mod spp of pixel i / spp).
    public init(seed: UInt32, laneCount: Int, pattern: SamplePattern = .independent, samplesPerPixel spp: Int = 1) {
        let lane = UInt32Array.arange(laneCount), seeds = UInt32Array.opaque(seed)
        rng = Self.streams(seed: seeds, lane: lane)
        self.laneCount = laneCount
        strata = Self.strata(pattern, spp: spp, lane: lane, seed: seeds)
    }

    /// A sampler whose lane i draws what lane `streams[i]` of a sampler seeded with `seed` draws (a shard's share
    /// of a render's samples: the streams are the single render's lane numbers).
    public init(seed: UInt32, streams: UInt32Array, pattern: SamplePattern = .independent,
                samplesPerPixel spp: Int = 1) {
        let seeds = UInt32Array.opaque(seed)
        rng = Self.streams(seed: seeds, lane: streams)
        laneCount = streams.count
        strata = Self.strata(pattern, spp: spp, lane: streams, seed: seeds)
    }

    /// A sampler for a batch of wavefronts of `lanesPerImage` lanes each, one after another: the lanes of wavefront
    /// j draw exactly what a sampler seeded with `seeds[j]` draws for a wavefront of its own. The seeds enter
    /// kernels as data, so other seeds reuse the compiled kernels.
    public init(seeds: UInt32Array, lanesPerImage: Int, pattern: SamplePattern = .independent,
                samplesPerPixel spp: Int = 1) {
        precondition(lanesPerImage > 0, "Sampler: lanes per image must be positive, got \(lanesPerImage)")
        laneCount = seeds.count * lanesPerImage
        let lane = UInt32Array.arange(laneCount)
        let image = lane / UInt32(lanesPerImage)
        let imageSeed = seeds.gather(image), imageLane = lane - image * UInt32(lanesPerImage)
        rng = Self.streams(seed: imageSeed, lane: imageLane)
        strata = Self.strata(pattern, spp: spp, lane: imageLane, seed: imageSeed)
    }

    private static func strata(_ pattern: SamplePattern, spp: Int, lane: UInt32Array,
                               seed: UInt32Array) -> SamplerStrata? {
        guard pattern != .independent else { return nil }
        precondition(spp == pattern.sampleCount(forRequested: spp),
                     "Sampler: \(spp) samples per pixel is not a sample count of the \(pattern.name) sampler")
        return SamplerStrata(pattern: pattern, samplesPerPixel: spp, lane: lane, seed: seed)
    }

    /// Restarts every lane's stream: lane i gets PCG32(initstate: v0, initseq: v1) with (v0, v1) = TEA(seed, i).
    public mutating func seed(seed: UInt32, laneCount: Int) {
        self = Sampler(seed: seed, laneCount: laneCount, pattern: strata?.pattern ?? .independent,
                       samplesPerPixel: Int(strata?.sampleCount ?? 1))
    }

    /// Per lane, PCG32(initstate: v0, initseq: v1) with (v0, v1) = TEA(seed, lane).
    private static func streams(seed: UInt32Array, lane: UInt32Array) -> PCG32 {
        let (v0, v1) = tea(v0: seed, v1: lane)
        return PCG32(initState: v0, initSequence: v1)
    }

    /// One number in [0, 1) per lane (uniform; for the stratified samplers, stratified across a pixel's samples).
    public mutating func next1D() -> FloatArray {
        if strata != nil { return strata!.next1D(&rng) }
        return rng.nextFloat()
    }

    /// Two numbers in [0, 1) per lane, drawn x first (for the stratified samplers, one 2D dimension).
    public mutating func next2D() -> Point2Array {
        if strata != nil { return strata!.next2D(&rng) }
        let x = rng.nextFloat()
        let y = rng.nextFloat()
        return Point2Array(x: x, y: y)
    }

    /// Keeps only the lanes `index` names, in its order: lane i continues the stream of lane `index[i]`.
    mutating func keepLanes(_ index: UInt32Array) {
        rng = rng.keepingLanes(index)
        if let kept = strata {
            strata!.sampleIndex = kept.sampleIndex.gather(index)
            strata!.permutationSeed = kept.permutationSeed.gather(index)
            strata!.dimension = kept.dimension.gather(index)
        }
        laneCount = index.count
    }

    /// Every per-lane array (the generator's state and increment, then the strata's), to evaluate with a
    /// wavefront's state.
    public var arrays: [UInt32Array] {
        rng.arrays + (strata.map { [$0.sampleIndex, $0.permutationSeed, $0.dimension] } ?? [])
    }
}

extension Sampler: TraversableStruct {
    /// Visits the generator's arrays (the lane count is structure, not data: a traversal keeps it).
    public mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        rng.traverse(&visitor)
        if strata != nil {
            strata!.sampleIndex.traverse(&visitor)
            strata!.permutationSeed.traverse(&visitor)
            strata!.dimension.traverse(&visitor)
        }
    }
}
