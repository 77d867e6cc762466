// The primal path loop as one symbolic loop: every bounce of every lane in one kernel, the path state in registers.
//
// The wavefront (`PathTracer.radiance`) writes and reads the path state and streams (22 words per lane) per bounce;
// here the loop body is `PathVertex.trace` itself, recorded once, and each vector of 16 lanes runs its bounces
// until its last path ends. Per lane the arithmetic is the wavefront's, so images are the same bit for bit.
import Tracer

/// A symbolic path loop's state: the path and the lane's random stream.
struct SymbolicPathState: TraversableStruct {
    var path: PathState
    var rng: PCG32

    /// Visits the path state, then the generator.
    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        path.traverse(&visitor)
        rng.traverse(&visitor)
    }
}

extension PathTracer {
    /// Every lane's radiance from one symbolic `whileLoop` whose body is one bounce (`PathVertex.trace`); the camera
    /// rays, the samplers' seeding and the loop are one kernel, evaluated here. A lane stays in the loop while its
    /// path is active, which is the wavefront's bounce count: a path goes on only below the depth limit.
    /// `progress` is told once, when every bounce is done.
    static func symbolicRadiance(scene: Scene, rays: RayArray, laneCount: Int, sampler: IndependentSampler,
                                 progress: RenderProgress?) -> Vector3Array {
        // Batched lookups take each lane's image from its index (lanes never move in a symbolic loop).
        scene.resetBatchLanes()
        let start = SymbolicPathState(path: PathState(ray: rays, lanes: laneCount, tracksPosition: scene.hasSurfaceEmitters), rng: sampler.rng)
        // Only the radiance leaves the loop: the other outputs are dropped before the evaluation, so the kernel
        // stores 3 words per lane, not the whole state.
        let radiance = whileLoop(start, mode: .symbolic) { $0.path.active } body: { state in
            var streams = sampler
            streams.rng = state.rng
            let (_, next) = PathVertex.trace(state.path, scene: scene, sampler: &streams)
            return SymbolicPathState(path: next, rng: streams.rng)
        }.path.radiance
        TraceContext.current.evaluate(radiance.components.map(\.node))
        let maxDepth = scene.integrator.maxDepth
        progress?(max(maxDepth, 1), maxDepth)
        return radiance
    }
}
