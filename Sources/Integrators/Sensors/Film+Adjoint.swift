// The adjoint of developing: per-sample adjoint radiance from an image gradient (SCENE-SPEC §8, adjoint step 2).
import Tracer

extension Film {
    /// The adjoint radiance of every sample of a `spp`-sample wavefront: δL_s = Σ_p G[p]·w_p(s) / W_p per channel,
    /// where G is the (height, width, 3) image gradient (flattened as `develop`'s result), w_p(s) the splat weight of
    /// sample s on pixel p and W_p = Σ_s' w_p(s') over these same samples, held constant.
    ///
    /// This is exactly the derivative of `develop(positions:radiance:samplesPerPixel:)` with respect to the radiance,
    /// contracted with G. With the box filter, δL_s = G[pixel(s)] / spp. Each sample gathers from the few pixels
    /// it reaches; nothing is scattered.
    public func sampleAdjoint(imageGradient: FloatArray, positions: Point2Array,
                              samplesPerPixel spp: Int) -> Vector3Array {
        sampleAdjointGathering(imageGradient: imageGradient, positions: positions, samplesPerPixel: spp).adjoint
    }

    /// `sampleAdjoint`, with the per-pixel arrays (one per channel) that each sample's adjoint gathers from: what a
    /// caller evaluates first so that the per-sample part can join a kernel of the samples' size.
    func sampleAdjointGathering(imageGradient: FloatArray, positions: Point2Array, samplesPerPixel spp: Int)
        -> (adjoint: Vector3Array, perPixel: [FloatArray]) {
        let gradient = channels(ofImage: imageGradient)
        let perPixel: [FloatArray]
        let adjoint: [FloatArray]
        switch filter {
        case .box:
            let pixel = pixelIndex(samplesPerPixel: spp)
            perPixel = gradient.map { $0 / Float(spp) }
            adjoint = perPixel.map { $0.gather(pixel) }
        default:
            requireLanes(positions.count, samplesPerPixel: spp, "the positions")
            let window = SplatWindow(film: self, positions: positions, samplesPerPixel: spp)
            let weightSums = window.offsets.map { [window.pixelSum(window.weight($0))] }
            let divisor = Self.safeDivisor(window.pull(weightSums)[0])
            perPixel = gradient.map { $0 / divisor }
            adjoint = window.spread(perPixel)
        }
        return (Vector3Array(x: adjoint[0], y: adjoint[1], z: adjoint[2]), perPixel)
    }
}
