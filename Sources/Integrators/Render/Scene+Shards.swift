// Rendering a share of a render's samples (a shard for a render farm): the film sums of its sample segments, with
// every sample's random numbers those of the single render.
import Tracer

extension Scene {
    /// The film sums of the samples `samples` (sample indices, a sub-range of 0..<spp) of every pixel of a render
    /// with `spp` samples per pixel and `seed`: one entry per segment of `SampleSegment.cover(samples)`. Sample s of
    /// pixel p draws the random numbers of lane p · spp + s of the single render, so its path and splat are the
    /// single render's, whatever the range; `Film.combine` of the sums of ranges that cover 0..<spp gives the single
    /// render's sums bit for bit, and `Film.image(of:)` its image. No gradients.
    public func filmSums(samplesPerPixel spp: Int, seed: UInt32, samples: Range<Int>,
                         progress: RenderProgress? = nil) -> [(segment: SampleSegment, sums: FilmSums)] {
        precondition(spp > 0 && samples.lowerBound >= 0 && samples.upperBound <= spp && !samples.isEmpty,
                     "render: samples \(samples) must be a non-empty part of 0..<\(spp)")
        precondition(spp == sensor.samplePattern.sampleCount(forRequested: spp),
                     "render: \(spp) samples per pixel is not a sample count of the \(sensor.samplePattern.name) "
                     + "sampler (round it with SamplePattern.sampleCount(forRequested:))")
        return TraceContext.current.withGradientsSuspended {
            let film = sensor.film
            let n = samples.count
            let lane = UInt32Array.arange(film.laneCount(samplesPerPixel: n))
            let pixel = lane / UInt32(n)
            var sampler = Sampler(seed: seed,
                                  streams: pixel * UInt32(spp) + (lane - pixel * UInt32(n)) + UInt32(samples.lowerBound),
                                  pattern: sensor.samplePattern, samplesPerPixel: spp)
            let camera = CameraSamples(scene: self, samplesPerPixel: n, sampler: &sampler)
            let weights = film.splatWeights(positions: camera.positions, samplesPerPixel: n)
            let bindings = RenderBindings(snapshotOf: parameters.allSlots)
            if integrator.kind == .volpath {
                // volpath's alpha comes out of its path loop (Mitsuba's `valid_ray`).
                let (radiance, alpha) = VolumetricPathTracer.trace(
                    scene: self, rays: camera.rays, laneCount: camera.laneCount, sampler: sampler, bindings: bindings,
                    progress: progress, companions: weights.arrays, withAlpha: film.hasAlpha)
                return film.segmentSums(weights: weights, radiance: radiance, alpha: alpha, samples: samples)
            }
            // An RGBA film's alpha, traced in the same kernel as the paths.
            let alpha = film.hasAlpha ? cameraSampleAlpha(rays: camera.rays, settings: integrator) : nil
            let radiance = PathTracer.radiance(scene: self, rays: camera.rays, laneCount: camera.laneCount,
                                               sampler: sampler,
                                               bindings: bindings,
                                               progress: progress, companions: weights.arrays + (alpha.map { [$0] } ?? []))
            return film.segmentSums(weights: weights, radiance: radiance, alpha: alpha, samples: samples)
        }
    }

    /// The samples of every pixel that shard `index` of `count` renders: the `index`-th of `count` nearly equal
    /// consecutive runs of 0..<spp (⌊index · spp / count⌋ ..< ⌊(index + 1) · spp / count⌋).
    public static func shardSamples(index: Int, of count: Int, samplesPerPixel spp: Int) -> Range<Int> {
        precondition(count >= 1 && count <= spp && (0..<count).contains(index),
                     "render: shard \(index) of \(count) for \(spp) samples per pixel")
        return (index * spp / count)..<((index + 1) * spp / count)
    }
}
