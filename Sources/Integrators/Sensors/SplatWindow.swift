// The per-sample filter weights over the pixels around each sample's own pixel, and the two ways to move sums
// between samples and pixels without scattering: pull (pixels read their neighbours' block sums) and spread
// (samples read their neighbour pixels).
import Tracer

/// The filtered splat of a wavefront (any filter but the box), organised by pixel offset.
///
/// A sample of pixel (c, r) whose position lies in [c, c+1] x [r, r+1] can only reach the pixels (c+dx, r+dy) with
/// |dx|, |dy| ≤ `reach`. For each such offset o = (dx, dy) the sample's weight w_o = f(dx + 0.5 − fx)·f(dy + 0.5 − fy)
/// (fx, fy: the position within its pixel) is a plain per-lane value, so per-pixel sums over a pixel's consecutive
/// lanes are block sums, and the image is gathered from the block sums of the neighbouring source pixels.
struct SplatWindow {
    /// An offset from a sample's own pixel to a pixel it reaches.
    struct Offset {
        var dx: Int
        var dy: Int
    }

    let film: Film
    let samplesPerPixel: Int
    /// The largest |dx| or |dy| reached.
    let reach: Int
    /// The offsets that can land inside the image, rows (dy) outer, columns (dx) inner.
    let offsets: [Offset]
    /// Per sample, f(dx + 0.5 − fx) and f(dy + 0.5 − fy), indexed by dx + reach and dy + reach: the weights
    /// `develop` splats with (the gaussian's from two exponentials per axis, not one per offset), so that this is
    /// the derivative of the film's own arithmetic and costs what its weights cost.
    private let weights: SplatWeights
    /// Per sample, its pixel index.
    private let samplePixel: Int32Array
    /// Per sample, whether column c + dx is inside the image (nil: always), indexed by dx + reach.
    private let sampleColumnInside: [BoolArray?]
    /// Per sample, whether row r + dy is inside the image (nil: always), indexed by dy + reach.
    private let sampleRowInside: [BoolArray?]

    /// The window of the samples at `positions`, lane i belonging to pixel ⌊i / spp⌋.
    init(film: Film, positions: Point2Array, samplesPerPixel spp: Int) {
        self.film = film
        self.samplesPerPixel = spp
        let reach = film.filter.reach
        self.reach = reach
        let (column, row) = film.pixelCoordinates(samplesPerPixel: spp)
        let range = -reach...reach
        weights = film.splatWeights(positions: positions, samplesPerPixel: spp)
        samplePixel = Int32Array(film.pixelIndex(samplesPerPixel: spp))
        sampleColumnInside = range.map { d in Self.inside(column, plus: d, limit: film.width) }
        sampleRowInside = range.map { d in Self.inside(row, plus: d, limit: film.height) }
        offsets = range.flatMap { dy in
            range.compactMap { dx in
                Swift.abs(dx) < film.width && Swift.abs(dy) < film.height ? Offset(dx: dx, dy: dy) : nil
            }
        }
    }

    /// Per sample, the weight w_o of its splat onto the pixel at `offset` from its own.
    func weight(_ offset: Offset) -> FloatArray {
        weights.columns[offset.dx + reach] * weights.rows[offset.dy + reach]
    }

    /// Per pixel, the sum of `value` over the pixel's own samples.
    func pixelSum(_ value: FloatArray) -> FloatArray {
        samplesPerPixel == 1 ? value : value.blockSum(samplesPerPixel)
    }

    /// Per pixel p and channel: Σ over offsets o of sums[o][channel] at the source pixel p − o, skipping sources
    /// outside the image. `sums[i]` holds the per-pixel sums of every channel for `offsets[i]`.
    func pull(_ sums: [[FloatArray]]) -> [FloatArray] {
        precondition(sums.count == offsets.count, "SplatWindow: \(sums.count) sums for \(offsets.count) offsets")
        let pixel = Int32Array.arange(film.batchPixelCount)
        let (column, row) = film.pixelCoordinates(ofPixel: pixel)
        var totals: [FloatArray?] = Array(repeating: nil, count: sums.first?.count ?? 0)
        for (offset, channels) in zip(offsets, sums) {
            let source = pixel - Int32(offset.dy * film.width + offset.dx)
            let columnInside = Self.inside(column, plus: -offset.dx, limit: film.width)
            let rowInside = Self.inside(row, plus: -offset.dy, limit: film.height)
            let mask = Self.both(columnInside, rowInside)
            for (channel, sum) in channels.enumerated() {
                let term = sum.gather(source, mask: mask)
                totals[channel] = totals[channel].map { $0 + term } ?? term
            }
        }
        return totals.map { $0 ?? FloatArray.zeros(film.batchPixelCount) }
    }

    /// Per sample and channel: Σ over offsets o of w_o · perPixel[channel] at the pixel o away from the sample's own,
    /// skipping pixels outside the image.
    func spread(_ perPixel: [FloatArray]) -> [FloatArray] {
        var totals: [FloatArray?] = Array(repeating: nil, count: perPixel.count)
        for offset in offsets {
            let target = samplePixel + Int32(offset.dy * film.width + offset.dx)
            let mask = Self.both(sampleColumnInside[offset.dx + reach], sampleRowInside[offset.dy + reach])
            let w = weight(offset)
            for (channel, values) in perPixel.enumerated() {
                let term = values.gather(target, mask: mask) * w
                totals[channel] = totals[channel].map { $0 + term } ?? term
            }
        }
        let lanes = film.laneCount(samplesPerPixel: samplesPerPixel)
        return totals.map { $0 ?? FloatArray.zeros(lanes) }
    }

    /// Whether coordinate + d lies in 0..<limit (nil when it always does).
    private static func inside<E: TracedIndex>(_ coordinate: TracedArray<E>, plus d: Int, limit: Int) -> BoolArray? {
        if d == 0 { return nil }
        if d > 0 { return coordinate .< E.tracedValue(of: limit - d) }
        return coordinate .>= E.tracedValue(of: -d)
    }

    /// The conjunction of two optional masks (true when both are nil).
    private static func both(_ a: BoolArray?, _ b: BoolArray?) -> BoolArray {
        switch (a, b) {
        case let (a?, b?): a && b
        case let (a?, nil): a
        case let (nil, b?): b
        case (nil, nil): true
        }
    }
}
