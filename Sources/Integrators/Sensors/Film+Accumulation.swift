// How a film adds its samples: each sample's splat onto a pixel, gathered per pixel and sample index, then added
// up the tree of sample segments (SampleSegment), so that shards merge into the single render's bits.
import Tracer

/// Per pixel of a film (all images of a batch), the sums of some of its samples' splats: the weighted radiance
/// Σ w·L per channel and the weights Σ w.
public struct FilmSums {
    /// Σ w·L_red, Σ w·L_green, Σ w·L_blue, (Σ w·alpha for a film with alpha,) Σ w, each with one element per pixel.
    public var channels: [FloatArray]

    /// Sums from four per-pixel arrays (red, green, blue, weight), or five (red, green, blue, alpha, weight).
    public init(channels: [FloatArray]) {
        precondition(channels.count == 4 || channels.count == 5,
                     "FilmSums: 4 channels (R, G, B, W) or 5 (R, G, B, A, W), got \(channels.count)")
        self.channels = channels
    }

    /// Both sums added channel by channel (one IEEE addition per element, the only way sums are combined).
    static func + (a: FilmSums, b: FilmSums) -> FilmSums {
        FilmSums(channels: zip(a.channels, b.channels).map { $0 + $1 })
    }
}

/// What a film keeps of each sample's position: its reconstruction filter's weight at every pixel offset d in
/// -reach...reach along each axis (`Film.splatWeights(positions:samplesPerPixel:)`), which the samples of the pixels
/// it reaches read.
public struct SplatWeights {
    /// Per axis, one array per offset d (element d + reach): f(d + u) of each sample, u along x, then along y.
    let columns: [FloatArray]
    let rows: [FloatArray]

    /// Every weight array, for evaluating them with other arrays.
    public var arrays: [FloatArray] { columns + rows }
}

extension Film {
    /// The sums of each largest segment inside `samples` (sample indices of every pixel), from a wavefront whose
    /// lane i holds sample `samples.lowerBound + i mod n` of pixel ⌊i / n⌋ (n = samples.count): its film position
    /// (inside its pixel) and its radiance. Segments are returned in order (`SampleSegment.cover`).
    public func segmentSums(positions: Point2Array, radiance: Vector3Array,
                            samples: Range<Int>) -> [(segment: SampleSegment, sums: FilmSums)] {
        segmentSums(weights: splatWeights(positions: positions, samplesPerPixel: samples.count), radiance: radiance,
                    samples: samples)
    }

    /// `segmentSums(positions:radiance:samples:)` from the samples' `splatWeights`, which a caller may have
    /// evaluated with the radiance.
    /// `alpha` (per sample, for a film with alpha) is summed like a fourth colour channel.
    func segmentSums(weights: SplatWeights, radiance: Vector3Array, alpha: FloatArray? = nil,
                     samples: Range<Int>) -> [(segment: SampleSegment, sums: FilmSums)] {
        let n = samples.count
        requireLanes(radiance.count, samplesPerPixel: n, "the radiance")
        let splats = sampleSplats(weights: weights, values: radiance.components + (alpha.map { [$0] } ?? []),
                                  samplesPerPixel: n)
        let firstLane = UInt32Array.arange(batchPixelCount) * UInt32(n)
        let blockSums = BlockSegmentSums(splats: splats, samples: samples, pixels: batchPixelCount)
        func sums(_ segment: SampleSegment) -> FilmSums {
            if let summed = blockSums?.sums(segment) { return summed }
            guard segment.level > 0 else {
                let lane = firstLane + UInt32(segment.start - samples.lowerBound)
                return FilmSums(channels: splats.map { $0.gather(lane) })
            }
            let (first, second) = segment.halves
            return sums(first) + sums(second)
        }
        return SampleSegment.cover(samples).map { ($0, sums($0)) }
    }

    /// The sums of all `total` samples per pixel from the sums of segments that cover them (a render's own, or the
    /// union of its shards'): each tree node not given is its halves added, nodes past the last sample are zero.
    /// Throws when a sample is in no given segment, naming it.
    public func combine(_ segments: [SampleSegment: FilmSums], samples total: Int) throws -> FilmSums {
        try combine(segments, into: SampleSegment.root(samples: total), samples: total)
    }

    /// The sums of segment `target` from given segments inside it that cover its samples below `total` (the
    /// finer segments of several passes): as `combine(_:samples:)`, for one node of the tree.
    public func combine(_ segments: [SampleSegment: FilmSums], into target: SampleSegment,
                        samples total: Int) throws -> FilmSums {
        let channelCount = segments.values.first?.channels.count ?? 4
        let zero = FilmSums(channels: Array(repeating: FloatArray.zeros(batchPixelCount), count: channelCount))
        func sums(_ segment: SampleSegment) throws -> FilmSums {
            if let given = segments[segment] { return given }
            if segment.start >= total { return zero }
            guard segment.level > 0 else {
                throw RenderError("film: no sums for sample \(segment.start) of \(total) (a shard is missing)")
            }
            let (first, second) = segment.halves
            return try sums(first) + sums(second)
        }
        return try sums(target)
    }

    /// The image of complete sums: per channel Σ w·L / Σ w (the pixel stays 0 where no sample reaches it), as the
    /// (height, width, 3) tensor flattened row-major, or (height, width, 4) with the alpha of five-channel sums;
    /// for a batch, the images one after another.
    public func image(of sums: FilmSums) -> FloatArray {
        let divisor = Self.safeDivisor(sums.channels[sums.channels.count - 1])
        return interleavedImage(sums.channels.dropLast().map { $0 / divisor })
    }

    /// Per lane (sample t of pixel p), the splats onto pixel p of sample t of every pixel that reaches p (its own
    /// included), added in a fixed order of offsets: each of `values` (red, green, blue, and alpha where the film
    /// has it), then the weight. With the box filter, a pixel takes its own samples with weight 1.
    private func sampleSplats(weights: SplatWeights, values: [FloatArray], samplesPerPixel n: Int) -> [FloatArray] {
        let lanes = laneCount(samplesPerPixel: n)
        guard filter != .box else {
            return values + [FloatArray(repeating: 1, count: lanes)]
        }
        let lane = Int32Array.arange(lanes)
        let (column, row) = pixelCoordinates(ofPixel: lane / Int32(n))
        let reach = filter.reach
        var totals = [FloatArray?](repeating: nil, count: values.count + 1)
        for dy in -reach...reach where Swift.abs(dy) < height {
            for dx in -reach...reach where Swift.abs(dx) < width {
                // The same sample of the pixel (dx, dy) before this one splats onto this pixel.
                let source = lane - Int32((dy * width + dx) * n)
                let inside = Self.inside(column, plus: -dx, limit: width) && Self.inside(row, plus: -dy, limit: height)
                let weight = Tracer.select(inside, weights.columns[dx + reach].gather(source, mask: inside)
                                               * weights.rows[dy + reach].gather(source, mask: inside), FloatArray(repeating: 0))
                let terms = values.map { $0.gather(source, mask: inside) * weight } + [weight]
                for channel in terms.indices { totals[channel] = totals[channel].map { $0 + terms[channel] } ?? terms[channel] }
            }
        }
        return totals.map { $0! }
    }

    /// Per sample (lane i a sample of pixel ⌊i / n⌋), the filter's weight f(d + u) at every pixel offset d along
    /// each axis, u = 0.5 − its position within its pixel (`ReconstructionFilter.weight(splatTerms:offset:)`); none
    /// for the box filter. Why per sample: the film's pull reads each sample's weight at 25 (for reach 2) pixels, and
    /// forming them there from the filter's terms took 30 divisions per vector of the pull (the gaussian's negative
    /// offsets); formed once per sample they are the same bits. Evaluating them in the kernel that traces the paths,
    /// whose camera rays compute the positions anyway, saves a kernel that would draw the positions again.
    public func splatWeights(positions: Point2Array, samplesPerPixel n: Int) -> SplatWeights {
        guard filter != .box else { return SplatWeights(columns: [], rows: []) }
        requireLanes(positions.count, samplesPerPixel: n, "the positions")
        let (column, row) = pixelCoordinates(samplesPerPixel: n)
        let columnTerms = filter.splatTerms(0.5 - (positions.x - FloatArray(column)))
        let rowTerms = filter.splatTerms(0.5 - (positions.y - FloatArray(row)))
        let offsets = -filter.reach...filter.reach
        return SplatWeights(columns: offsets.map { filter.weight(splatTerms: columnTerms, offset: $0) },
                            rows: offsets.map { filter.weight(splatTerms: rowTerms, offset: $0) })
    }

    /// The sums of a film's segments of 2^j samples, added by the kernel that computes the splats (`blockTreeSum`:
    /// the same tree, so the same bits) instead of read back sample by sample. 2^j is the largest power of two up
    /// to W that divides both the number of samples and the first one (a pixel's samples are then whole blocks of
    /// lanes, inside vectors); none when that is 1 (an odd shard).
    private struct BlockSegmentSums {
        /// Per channel, element p · (n / 2^j) + i: the sums of samples [i·2^j, (i+1)·2^j) of the range, pixel p.
        let channels: [FloatArray]
        let samples: Range<Int>
        let level: Int
        let pixels: Int

        init?(splats: [FloatArray], samples: Range<Int>, pixels: Int) {
            let width = Swift.min(splats[0].context.vectorWidth, FloatArray.maximumTreeBlock)
            var block = 1
            while 2 * block <= width, samples.count % (2 * block) == 0, samples.lowerBound % (2 * block) == 0 {
                block *= 2
            }
            guard block > 1 else { return nil }
            channels = splats.map { $0.blockTreeSum(block) }
            self.samples = samples
            level = block.trailingZeroBitCount
            self.pixels = pixels
        }

        /// The sums of `segment` when it is one of these (else nil: larger ones are their halves' sums).
        func sums(_ segment: SampleSegment) -> FilmSums? {
            guard segment.level == level else { return nil }
            let perPixel = samples.count >> level
            let index = UInt32Array.arange(pixels) * UInt32(perPixel) + UInt32((segment.start - samples.lowerBound) >> level)
            return FilmSums(channels: channels.map { $0.gather(index) })
        }
    }

    /// Whether coordinate + d lies in 0..<limit.
    private static func inside(_ coordinate: Int32Array, plus d: Int, limit: Int) -> BoolArray {
        if d == 0 { return BoolArray(repeating: true) }
        if d > 0 { return coordinate .< Int32(limit - d) }
        return coordinate .>= Int32(-d)
    }
}
