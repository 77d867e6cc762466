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
    static func radiance(scene: Scene, rays: RayArray, laneCount: Int, sampler: inout IndependentSampler,
                         progress: RenderProgress? = nil,
                         onVertex: ((PathVertex, PathState) -> [Node])? = nil) -> Vector3Array {
        var state = PathState(ray: rays, lanes: laneCount)
        var bounce = 0
        while scene.integrator.maxDepth < 0 || bounce < scene.integrator.maxDepth {
            let (vertex, next) = PathVertex.trace(state, scene: scene, sampler: &sampler)
            let extra = onVertex?(vertex, next) ?? []
            state = next
            // Whether any lane goes on is a reduction computed by the same kernel as the state.
            let activeLanes = UInt32Array(state.active).max()
            evaluate(state, sampler, also: extra + [activeLanes.node])
            bounce += 1
            progress?(bounce, scene.integrator.maxDepth)
            if activeLanes.first == 0 { break }
        }
        return state.radiance
    }

    /// Evaluates the path state and the samplers' state together, so each bounce starts from data.
    static func evaluate(_ state: PathState, _ sampler: IndependentSampler, also extra: [Node] = []) {
        var nodes = state.arrays.map(\.node) + [state.depth.node, state.previousWasDelta.node, state.active.node]
        nodes += sampler.state.map(\.node)
        nodes += extra
        nodes[0].context.evaluate(nodes)
    }
}
