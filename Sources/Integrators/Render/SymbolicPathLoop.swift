// The path loop as one symbolic loop: every bounce of every lane in one kernel, the path state in registers.
//
// The wavefront (`PathTracer.radiance`) writes and reads the path state and streams (22 words per lane) per bounce;
// here the loop body is `PathVertex.trace` itself, recorded once, and each vector of 16 lanes runs its bounces
// until its last path ends. Per lane the arithmetic is the wavefront's, so images are the same bit for bit. The PRB
// adjoint replay runs the same loop with its carried arrays in the state and its per-vertex `backward` in the body
// (Mitsuba's `prb.py`), whose gradient scatter-adds the loop runs (`BodyAdjoints.swift` in the Tracer).
import Tracer

/// A symbolic path loop's state: the path, the lane's sampler (its random stream, and the strata of a stratified
/// sampler) and the caller's carried arrays.
struct SymbolicPathState: TraversableStruct {
    var path: PathState
    var sampler: Sampler
    var carried: [FloatArray]

    /// Visits the path state, the sampler, then the carried arrays.
    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        path.traverse(&visitor)
        sampler.traverse(&visitor)
        carried.traverse(&visitor)
    }
}

extension PathTracer {
    /// Every lane's radiance from one symbolic `whileLoop` whose body is one bounce (`PathVertex.trace`); the camera
    /// rays, the samplers' seeding and the loop are one kernel. A lane stays in the loop while its path is active,
    /// which is the wavefront's bounce count: a path goes on only below the depth limit. `carried` and `onVertex`
    /// are those of `radiance`: the carried arrays are loop state, and `onVertex` records its work (scatter-adds,
    /// `backward`) into the body. Without `onVertex` the radiance is evaluated here, with `companions` in the same
    /// kernel; with it, the loop runs when what its body writes is read. `progress` is told once, when every bounce
    /// is recorded. `onVertexFreezes` says that `onVertex` records the same work for every render of a scene (PRB's
    /// adjoint), so that a scene that freezes its loops may freeze this one.
    static func symbolicRadiance(scene: Scene, rays: RayArray, laneCount: Int, sampler: Sampler,
                                 bindings: RenderBindings, progress: RenderProgress?, carried: [FloatArray] = [],
                                 hitLog: ReplayHitLog.Use? = nil, onVertex: VertexRecorder? = nil,
                                 onVertexFreezes: Bool = false, companions: [FloatArray] = []) -> Vector3Array {
        // A scene that freezes its path loops (the default) launches the kernel of an earlier render with the same
        // inputs' structure instead of recording the loop again.
        var frozenStep: FrozenPathLoopStep?
        if scene.integrator.freezesPathLoops && (onVertex == nil || onVertexFreezes) {
            let roots = rays.tracedNodes + sampler.tracedNodes + carried.map(\.node) + companions.map(\.node)
                + (hitLog?.log.buffers ?? [])
            let layout = [laneCount, companions.count, carried.count,
                          hitLog.map { $0.recording ? 1 : 0 } ?? -1]
            let prepared = FrozenPathLoopStep.prepare(scene: scene, roots: roots, bindings: bindings, layout: layout,
                                                      differentiating: onVertex != nil)
            if let outputs = prepared.launched {
                let context = TraceContext.current
                for (companion, output) in zip(companions, outputs.dropFirst(3)) {
                    context.materialize(companion.node, with: output)
                }
                return reportingDone(Vector3Array(radianceOf: outputs), scene: scene, progress: progress)
            }
            frozenStep = prepared.step
        }
        // Batched lookups take each lane's image from its index (`bindings` places no lanes: they never move in a
        // symbolic loop).
        let start = SymbolicPathState(path: PathState(ray: rays, lanes: laneCount,
                                                      tracksPosition: scene.hasSurfaceEmitters),
                                      sampler: sampler, carried: carried)
        // Only the radiance leaves the loop: the other outputs are dropped before the evaluation (the final state
        // is never held), so the kernel stores 3 words per lane, not the whole state.
        func record() -> Vector3Array {
            whileLoop(start, mode: .symbolic) { $0.path.active } body: { state in
                var streams = state.sampler
                let (vertex, next) = PathVertex.trace(state.path, scene: scene, bindings: bindings, sampler: &streams,
                                                      recordsGradients: onVertex != nil, hitLog: hitLog)
                let carried = onVertex?(vertex, next, state.carried, bindings) ?? state.carried
                return SymbolicPathState(path: next, sampler: streams, carried: carried)
            }.path.radiance
        }
        if onVertex != nil {
            // With a frozen step, the adjoint's gradients leave the loop in buffers that the frozen kernel makes
            // afresh each launch; without, the loop runs when what its body writes is read.
            let radiance = frozenStep.map { step in
                Vector3Array(radianceOf: step.recordDifferentiating { record().components.map(\.node) })
            } ?? record()
            return reportingDone(radiance, scene: scene, progress: progress)
        }
        let radiance = record()
        let outputs = (radiance.components + companions).map(\.node)
        if let frozenStep { frozenStep.evaluate(outputs) } else { TraceContext.current.evaluate(outputs) }
        return reportingDone(radiance, scene: scene, progress: progress)
    }

    /// Tells `progress` that every bounce is recorded and returns `radiance`.
    private static func reportingDone(_ radiance: Vector3Array, scene: Scene,
                                      progress: RenderProgress?) -> Vector3Array {
        let maxDepth = scene.integrator.maxDepth
        progress?(max(maxDepth, 1), maxDepth)
        return radiance
    }
}

private extension Vector3Array {
    /// The radiance among a path loop's outputs: its first three.
    init(radianceOf outputs: [Node]) {
        self.init(x: FloatArray(node: outputs[0]), y: FloatArray(node: outputs[1]), z: FloatArray(node: outputs[2]))
    }
}
