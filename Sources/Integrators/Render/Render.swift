// The differentiable render: `render(scene, spp:, seed:, seedGrad:)`, a node of the autodiff graph, and its batched
// form, which renders several values of one parameter (one seed each) as one wavefront.
import Tracer

extension Scene {
    /// Renders the scene's film image, linear RGB of shape (H, W, 3).
    ///
    /// The image is a primal render with `seed`. When some scene parameter holds a gradient-tracked array, the
    /// image is a custom node of the autodiff graph: its backward replays the paths of `seedGrad` (PRB) and
    /// scatters d(loss)/d(parameter) into those arrays, so a loss built on the image differentiates into the
    /// scene. As in Mitsuba, the gradient is an unbiased estimate independent of the returned image's noise.
    /// `progress` is told after each bounce of each pass (the primal render, which also traces the backward's primal
    /// replay when a gradient may follow, and in the backward the adjoint pass), for progress displays.
    public func render(samplesPerPixel spp: Int, seed: UInt32, seedGrad: UInt32? = nil,
                       progress: RenderProgress? = nil) -> RenderedImage {
        // A moment integrator's film image is its first nested integrator's (`renderMoments` has the moments).
        if integrator.kind == .moment, let first = integrator.nested.first {
            var inner = self
            inner.integrator = first.settings
            return inner.render(samplesPerPixel: spp, seed: seed, seedGrad: seedGrad, progress: progress)
        }
        let gradientSeed = seedGrad ?? (seed &+ 1)
        precondition(gradientSeed != seed, "render: seedGrad must differ from seed (\(seed)) so that the gradient is independent of the image")
        precondition(spp > 0, "render: samples per pixel must be positive, got \(spp)")
        // A stratified sampler renders the sample count it settles on (Mitsuba's `set_sample_count`).
        let spp = sensor.samplePattern.sampleCount(forRequested: spp)
        let image = differentiableRender(samplesPerPixel: spp,
                                         bindings: RenderBindings(snapshotOf: parameters.allSlots),
                                         seeds: RenderSeeds([seed]), gradientSeeds: RenderSeeds([gradientSeed]),
                                         progress: progress)
        return RenderedImage(array: image, height: sensor.film.height, width: sensor.film.width)
    }

    /// Renders one image per value of the parameter `key` in one wavefront: image j is what `render` returns with
    /// the parameter set to value j and seed `seeds[j]` (gradient seed `seedGrads[j]`, default seed + 1), bit for
    /// bit, but the per-bounce work (recording, launches) is shared by all images. `values` holds the values one
    /// after another (seeds.count times the parameter's element count) and may be gradient-tracked; the result holds
    /// the images one after another, shape (count, H, W, 3). Only bitmap texture data can be batched, and not an
    /// area light's (`AreaEmitter`).
    public func render(samplesPerPixel spp: Int, seeds: [UInt32], seedGrads: [UInt32]? = nil, batching key: String,
                       values: FloatArray, progress: RenderProgress? = nil) throws -> RenderedImage {
        let slot = try parameters.slot(key)
        guard slot.supportsBatches else {
            throw RenderError("parameter '\(key)' cannot be batched (bitmap texture data can, except an area light's "
                              + "radiance: its sampling distribution is one image's)")
        }
        guard spp > 0 else { throw RenderError("render: samples per pixel must be positive, got \(spp)") }
        let spp = sensor.samplePattern.sampleCount(forRequested: spp)
        guard !seeds.isEmpty else { throw RenderError("render: a batch needs at least one seed") }
        let elements = slot.shape.reduce(1, *)
        guard values.count == seeds.count * elements else {
            throw RenderError("parameter '\(key)' has shape \(slot.shape); \(seeds.count) images need \(seeds.count) x "
                              + "\(elements) = \(seeds.count * elements) values, got \(values.count)")
        }
        let gradientSeeds = seedGrads ?? seeds.map { $0 &+ 1 }
        guard gradientSeeds.count == seeds.count else {
            throw RenderError("render: \(seeds.count) seeds but \(gradientSeeds.count) gradient seeds")
        }
        if let clash = zip(seeds, gradientSeeds).first(where: { $0 == $1 }) {
            throw RenderError("render: a gradient seed must differ from its image's seed (\(clash.0)) so that the "
                              + "gradient is independent of the image")
        }
        var batched = self
        batched.sensor.film.imageCount = seeds.count
        var bindings = RenderBindings(snapshotOf: parameters.allSlots)
        bindings.bind(slot, batchOf: values, layout: SlotBatch(images: seeds.count,
                                                               lanesPerImage: sensor.film.pixelCount * spp))
        let images = batched.differentiableRender(samplesPerPixel: spp, bindings: bindings, seeds: RenderSeeds(seeds),
                                                  gradientSeeds: RenderSeeds(gradientSeeds), progress: progress)
        return RenderedImage(array: images, height: sensor.film.height, width: sensor.film.width,
                             imageCount: seeds.count)
    }

    /// The primal image with the values `bindings` give, as a node of the autodiff graph when one of them is
    /// gradient-tracked.
    private func differentiableRender(samplesPerPixel spp: Int, bindings: RenderBindings, seeds: RenderSeeds,
                                      gradientSeeds: RenderSeeds, progress: RenderProgress?) -> FloatArray {
        let slots = parameters.allSlots
        let inputs = slots.map { bindings.value(of: $0) }
        let context = TraceContext.current
        guard inputs.contains(where: \.requiresGradient) else {
            return context.withGradientsSuspended {
                primalImage(samplesPerPixel: spp, bindings: bindings, seeds: seeds, progress: progress)
            }
        }
        precondition(integrator.kind != .volpath,
                     "render: the volpath integrator renders forward only; no scene parameter may track gradients")
        if integrator.kind == .direct {
            // One bounce needs no path replay: the image is recorded for autodiff as it is computed (Mitsuba
            // differentiates `direct` the same way).
            return primalImage(samplesPerPixel: spp, bindings: bindings, seeds: seeds, progress: progress)
        }
        // A scene whose replay logs its mesh hits renders the image alone (a plain render's kernel), and the
        // backward replays, as Mitsuba does: traced with the image, the log's masks and index arithmetic rode on the
        // image's lanes too (ARCHITECTURE.md, "The differentiable render"), and with `refillsLoopLanes` the image's
        // loop refills its lanes while the replay's stays plain. Other scenes trace both in one kernel.
        let (image, replayRadiance): (FloatArray, Vector3Array?) = context.withGradientsSuspended {
            ReplayHitLog.depthCapacity(of: self) != nil
                ? (primalImage(samplesPerPixel: spp, bindings: bindings, seeds: seeds, progress: progress), nil)
                : primalImage(samplesPerPixel: spp, bindings: bindings, seeds: seeds, replaying: gradientSeeds,
                              progress: progress)
        }
        let scene = self
        let operation = ClosureOperation(backward: { imageGradient in
            // The values this image was rendered with (the slots may hold others by now), detached; those that were
            // tracked become fresh leaves that receive this pass's gradients. Untracked values stay plain: as
            // leaves, their derivatives would be computed and scattered in the adjoint kernel only to be dropped.
            // The batch layout stays the render's.
            let leaves: [FloatArray] = inputs.map { value in
                var leaf = value.detached()
                if value.requiresGradient { leaf.enableGradient() }
                return leaf
            }
            PRBAdjoint.backpropagate(scene: scene, bindings: bindings.replacingValues(of: slots, with: leaves),
                                     imageGradient: imageGradient, samplesPerPixel: spp, seeds: gradientSeeds,
                                     replayRadiance: replayRadiance, progress: progress)
            return zip(inputs, leaves).map { value, leaf in value.requiresGradient ? leaf.gradient : nil }
        })
        return customOperation(inputs, operation) { _ in image }
    }

    /// The primal image for `seed` with the parameters' current values, without gradients.
    func primalImage(samplesPerPixel spp: Int, seed: UInt32, progress: RenderProgress? = nil) -> FloatArray {
        primalImage(samplesPerPixel: spp, bindings: RenderBindings(snapshotOf: parameters.allSlots),
                    seeds: RenderSeeds([seed]), progress: progress)
    }

    /// The primal image (or batch of images) for `seeds` with the values `bindings` give, without gradients.
    func primalImage(samplesPerPixel spp: Int, bindings: RenderBindings, seeds: RenderSeeds,
                     progress: RenderProgress? = nil) -> FloatArray {
        var sampler = seeds.sampler(lanesPerImage: sensor.film.pixelCount * spp,
                                   pattern: sensor.samplePattern, samplesPerPixel: spp)
        let camera = CameraSamples(scene: self, samplesPerPixel: spp, sampler: &sampler)
        let weights = sensor.film.splatWeights(positions: camera.positions, samplesPerPixel: spp)
        let radiance = PathTracer.radiance(scene: self, rays: camera.rays, laneCount: camera.laneCount,
                                           sampler: sampler, bindings: bindings, progress: progress,
                                           companions: weights.arrays)
        return sensor.film.develop(weights: weights, radiance: radiance, samplesPerPixel: spp)
    }
}

extension Scene {
    /// The primal image (or batch) for `seeds` and, from the same wavefront, the radiance of every path of
    /// `gradientSeeds`: the primal replay that PRB's adjoint pass needs. The replay's samples follow the image's in
    /// the wavefront, so both passes share each bounce's recording and launch; the image is bit for bit the one that
    /// `primalImage(samplesPerPixel:seeds:)` renders. Only for scenes that keep no `ReplayHitLog`: those replay in
    /// the backward (`differentiableRender`).
    func primalImage(samplesPerPixel spp: Int, bindings: RenderBindings, seeds: RenderSeeds,
                     replaying gradientSeeds: RenderSeeds, progress: RenderProgress?)
        -> (image: FloatArray, replayRadiance: Vector3Array) {
        precondition(ReplayHitLog.depthCapacity(of: self) == nil,
                     "render: a scene with a replay log replays in the backward")
        let lanesPerImage = sensor.film.pixelCount * spp
        var both = self
        both.sensor.film.imageCount = sensor.film.imageCount + gradientSeeds.seeds.count
        var sampler = RenderSeeds(seeds.seeds + gradientSeeds.seeds).sampler(lanesPerImage: lanesPerImage,
                                                                             pattern: sensor.samplePattern,
                                                                             samplesPerPixel: spp)
        let camera = CameraSamples(scene: both, samplesPerPixel: spp, sampler: &sampler)
        let imageLanes = lanesPerImage * seeds.seeds.count
        let radiance = PathTracer.radiance(scene: both, rays: camera.rays, laneCount: camera.laneCount,
                                           sampler: sampler, bindings: bindings, progress: progress)
        let lane = UInt32Array.arange(imageLanes)
        // The image's film positions again, from a sampler of the image's seeds alone: the same values, computed
        // inside the film's kernel instead of read from a wavefront twice as wide.
        var imageSampler = seeds.sampler(lanesPerImage: lanesPerImage, pattern: sensor.samplePattern,
                                         samplesPerPixel: spp)
        let imageCamera = CameraSamples(scene: self, samplesPerPixel: spp, sampler: &imageSampler)
        let image = sensor.film.develop(positions: imageCamera.positions, radiance: radiance.gather(lane),
                                        samplesPerPixel: spp)
        return (image, radiance.gather(lane + UInt32(imageLanes)))
    }
}

/// The seed of a render, or the seeds of a batch (one per image).
struct RenderSeeds {
    var seeds: [UInt32]

    init(_ seeds: [UInt32]) { self.seeds = seeds }

    /// A sampler for `lanesPerImage` lanes per image: a single render seeds it as Mitsuba does; a batch gives each
    /// image's lanes the streams of that image's seed.
    func sampler(lanesPerImage: Int, pattern: SamplePattern, samplesPerPixel spp: Int) -> Sampler {
        seeds.count == 1
            ? Sampler(seed: seeds[0], laneCount: lanesPerImage, pattern: pattern, samplesPerPixel: spp)
            : Sampler(seeds: UInt32Array(seeds), lanesPerImage: lanesPerImage, pattern: pattern, samplesPerPixel: spp)
    }
}
