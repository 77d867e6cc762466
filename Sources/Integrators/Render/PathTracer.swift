// The primal path tracer (Mitsuba's `path`, and the primal pass of `prb`): camera samples to radiance per lane.
import Tracer

/// Camera samples of a render: one lane per sample, the spp samples of a pixel in consecutive lanes.
struct CameraSamples {
    /// Continuous film positions (column + jitter, row + jitter), in pixels.
    var positions: Point2Array
    /// The camera rays.
    var rays: RayArray
    var laneCount: Int

    /// Draws the pixel jitter (the sampler's first 2D sample) and generates the rays.
    init(scene: Scene, samplesPerPixel spp: Int, sampler: inout IndependentSampler) {
        let film = scene.sensor.film
        laneCount = film.laneCount(samplesPerPixel: spp)
        let context = TraceContext.current
        let lane = UInt32Array.arange(laneCount, context: context)
        let (column, row) = film.pixelCoordinates(ofPixel: lane / UInt32(spp))
        let jitter = sampler.next2D()
        positions = Point2Array(x: FloatArray(column) + jitter.x, y: FloatArray(row) + jitter.y)
        rays = scene.sensor.sampleRays(position: positions)
    }
}

/// Told after each bounce of a wavefront pass: (bounces done, at most how many; -1 when unlimited).
public typealias RenderProgress = (Int, Int) -> Void

/// The wavefront path-tracing loop.
enum PathTracer {
    /// Traces every lane's path and returns its radiance. `onVertex` sees each bounce (the PRB adjoint uses it)
    /// and returns arrays to evaluate together with the path state, in the same kernel; `progress` is told after
    /// each bounce how many of at most `maxDepth` bounces are done.
    ///
    /// Once few paths remain, the wavefront is compacted (`WavefrontCompaction`): later bounces trace only the live
    /// lanes. `onCompaction` then receives the indices of the lanes kept (into the lanes of the bounce before), so
    /// that the caller's per-lane arrays can follow, and returns them to evaluate with the compacted state.
    static func radiance(scene: Scene, rays: RayArray, laneCount: Int, sampler: inout IndependentSampler,
                         progress: RenderProgress? = nil,
                         onVertex: ((PathVertex, PathState) -> [Node])? = nil,
                         onCompaction: ((UInt32Array) -> [Node])? = nil) -> Vector3Array {
        var state = PathState(ray: rays, lanes: laneCount)
        var compaction = WavefrontCompaction(laneCount: laneCount)
        scene.resetBatchLanes()
        defer { scene.resetBatchLanes() }
        var bounce = 0
        let maxDepth = scene.integrator.maxDepth
        while maxDepth < 0 || bounce < maxDepth {
            let (vertex, next) = PathVertex.trace(state, scene: scene, sampler: &sampler)
            let extra = onVertex?(vertex, next) ?? []
            state = next
            // How many lanes go on is a reduction computed by the same kernel as the state; the mask as words is
            // what a compaction reads.
            let activeWords = UInt32Array(state.active)
            let activeLanes = activeWords.sum()
            evaluate(state, sampler, also: extra + [activeLanes.node, activeWords.node])
            bounce += 1
            progress?(bounce, maxDepth)
            let active = Int(activeLanes.first)
            if active == 0 { break }
            let lastBounce = maxDepth >= 0 && bounce == maxDepth
            if !lastBounce && WavefrontCompaction.worthCompacting(activeLanes: active, of: state.active.count,
                                                                  threshold: scene.integrator.compactionThreshold) {
                let index = WavefrontCompaction.activeIndices(activeWords, count: active)
                compaction.compact(state, to: index)
                state = state.keepingLanes(index)
                sampler.keepLanes(index)
                scene.keepBatchLanes(index)
                // The gathers run as a kernel of their own: inside the next bounce they would be a dependency across
                // sizes, which keeps that bounce's scatters out of its kernel.
                evaluate(state, sampler, also: onCompaction?(index) ?? [])
            }
        }
        return compaction.radiance(with: state.radiance)
    }

    /// Evaluates the path state and the samplers' state together, so each bounce starts from data.
    static func evaluate(_ state: PathState, _ sampler: IndependentSampler, also extra: [Node] = []) {
        var nodes = state.arrays.map(\.node) + [state.depth.node, state.previousWasDelta.node, state.active.node]
        nodes += sampler.arrays.map(\.node)
        nodes += extra
        nodes[0].context.evaluate(nodes)
    }
}
