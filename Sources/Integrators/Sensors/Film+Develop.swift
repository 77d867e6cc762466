// Developing a wavefront of film samples into the (H, W, 3) image: filtered splat, normalised per pixel.
import Tracer

extension Film {
    /// The image of a `spp`-sample wavefront, as SCENE-SPEC §2: the (height, width, 3) float32 tensor flattened
    /// row-major (element (row · width + column) · 3 + channel, row 0 at the top); for a batch, the images one
    /// after another.
    ///
    /// With any filter but the box, pixel p = Σ_s w_p(s)·L_s / Σ_s w_p(s) per channel (0 where no sample reaches it),
    /// w_p(s) = f(i + 0.5 − pos.x)·f(j + 0.5 − pos.y) for pixel p = (i, j), footprints clipped at the image borders.
    /// With the box filter, each pixel is the mean of its own spp samples.
    ///
    /// Lane i must be a sample of pixel ⌊i / spp⌋ with its position inside that pixel (the closed square). The sums
    /// are added in the tree of sample segments (`segmentSums`, `combine`), the order every sharded render of the
    /// same samples follows too. No scattering. Differentiable in `radiance`.
    public func develop(positions: Point2Array, radiance: Vector3Array, samplesPerPixel spp: Int) -> FloatArray {
        develop(weights: splatWeights(positions: positions, samplesPerPixel: spp), radiance: radiance,
                samplesPerPixel: spp)
    }

    /// `develop(positions:radiance:samplesPerPixel:)` from the samples' `splatWeights`.
    func develop(weights: SplatWeights, radiance: Vector3Array, samplesPerPixel spp: Int) -> FloatArray {
        let segments = segmentSums(weights: weights, radiance: radiance, samples: 0..<spp)
        let sums = try! combine(Dictionary(uniqueKeysWithValues: segments.map { ($0.segment, $0.sums) }), samples: spp)
        return image(of: sums)
    }

    /// Any number of per-sample channels developed as the image's colour channels are (filtered splats over the
    /// summed weights), as host values pixel by pixel: element pixel · channels.count + c. The film develops three
    /// channels at a time; a last group short of three is padded with zeros.
    func developChannels(_ channels: [FloatArray], positions: Point2Array, samplesPerPixel spp: Int) -> [Float] {
        let pixels = pixelCount, count = channels.count
        let zero = FloatArray(repeating: 0)
        var values = [Float](repeating: 0, count: pixels * count)
        for start in stride(from: 0, to: count, by: 3) {
            let group = (start..<start + 3).map { $0 < count ? channels[$0] : zero }
            let image = develop(positions: positions, radiance: Vector3Array(x: group[0], y: group[1], z: group[2]),
                                samplesPerPixel: spp).values
            for channel in start..<min(start + 3, count) {
                for pixel in 0..<pixels { values[pixel * count + channel] = image[pixel * 3 + channel - start] }
            }
        }
        return values
    }

    /// The summed weights, with 1 where they are 0 (so that the quotient leaves the unreached pixel unchanged and
    /// its derivative stays finite).
    static func safeDivisor(_ weightSum: FloatArray) -> FloatArray {
        Tracer.select(weightSum .!= 0, weightSum, FloatArray(repeating: 1))
    }

    /// The (height, width, C) image, flattened, from one per-pixel array per channel (C = 3, or 4 with alpha).
    func interleavedImage(_ channels: [FloatArray]) -> FloatArray {
        let count = channels.count
        let element = UInt32Array.arange(batchPixelCount * count)
        let pixel = element / UInt32(count)
        let channel = element - pixel * UInt32(count)
        var value = channels[count - 1].gather(pixel)
        for index in stride(from: count - 2, through: 0, by: -1) {
            value = Tracer.select(channel .== UInt32(index), channels[index].gather(pixel), value)
        }
        return value
    }

    /// The three per-pixel channel arrays of a flattened (height, width, 3) image.
    func channels(ofImage image: FloatArray) -> [FloatArray] {
        precondition(image.count == batchPixelCount * 3,
                     "Film: an image of \(image.count) values, expected \(imageCount) x \(height) x \(width) x 3 = \(batchPixelCount * 3)")
        let base = UInt32Array.arange(batchPixelCount) * 3
        return (0..<3).map { image.gather(base + UInt32($0)) }
    }
}
