// The differentiable render: `render(scene, spp:, seed:, seedGrad:)`, a node of the autodiff graph.
import Tracer

extension Scene {
    /// Renders the scene's film image, (H, W, 3) flattened row-major, linear RGB.
    ///
    /// The image is a primal render with `seed`. When some scene parameter holds a gradient-tracked array, the
    /// image is a custom node of the autodiff graph: its backward replays the paths of `seedGrad` (PRB) and
    /// scatters d(loss)/d(parameter) into those arrays, so a loss built on the image differentiates into the
    /// scene. As in Mitsuba, the gradient is an unbiased estimate independent of the returned image's noise.
    /// `progress` is told after each bounce of each pass (the primal render, and in the backward the replay and
    /// the adjoint pass), for progress displays.
    public func render(samplesPerPixel spp: Int, seed: UInt32, seedGrad: UInt32? = nil,
                       progress: RenderProgress? = nil) -> FloatArray {
        let gradientSeed = seedGrad ?? (seed &+ 1)
        precondition(gradientSeed != seed, "render: seedGrad must differ from seed (\(seed)) so that the gradient is independent of the image")
        precondition(spp > 0, "render: samples per pixel must be positive, got \(spp)")
        let slots = parameters.allSlots
        let inputs = slots.map(\.value)
        let context = TraceContext.current
        let image = context.withGradientsSuspended {
            primalImage(samplesPerPixel: spp, seed: seed, progress: progress)
        }
        guard inputs.contains(where: \.requiresGradient) else { return image }
        let scene = self
        let operation = ClosureOperation(backward: { imageGradient in
            // The parameters as they were when this image was rendered (they may have been set to other values
            // since, to render other images), as fresh leaves that receive this pass's gradients.
            let current = slots.map(\.value)
            let leaves: [FloatArray] = inputs.map { value in
                var leaf = value.detached()
                leaf.enableGradient()
                return leaf
            }
            for (slot, leaf) in zip(slots, leaves) { slot.value = leaf }
            defer { for (slot, value) in zip(slots, current) { slot.value = value } }
            PRBAdjoint.backpropagate(scene: scene, imageGradient: imageGradient, samplesPerPixel: spp,
                                     seed: gradientSeed, progress: progress)
            return zip(inputs, leaves).map { value, leaf in value.requiresGradient ? leaf.gradient : nil }
        })
        return customOperation(inputs, operation) { _ in image }
    }

    /// The primal image for `seed`, without gradients.
    func primalImage(samplesPerPixel spp: Int, seed: UInt32, progress: RenderProgress? = nil) -> FloatArray {
        var sampler = IndependentSampler(seed: seed, laneCount: sensor.film.width * sensor.film.height * spp)
        let camera = CameraSamples(scene: self, samplesPerPixel: spp, sampler: &sampler)
        let radiance = PathTracer.radiance(scene: self, rays: camera.rays, laneCount: camera.laneCount,
                                           sampler: &sampler, progress: progress)
        return sensor.film.develop(positions: camera.positions, radiance: radiance, samplesPerPixel: spp)
    }
}
