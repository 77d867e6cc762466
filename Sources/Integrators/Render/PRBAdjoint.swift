// The adjoint pass of path replay backpropagation: replays the paths of a seed and scatters gradients into the
// scene's parameters, one bounce at a time, without storing the paths.
//
// SCENE-SPEC section 8. Start with `backpropagate`: it regenerates the camera samples of `seed` and, given the total
// radiance of each of their paths (the primal replay, traced with the image), retraces the same paths. At each
// vertex the terms that depend on the parameters (next event estimation and the BSDF value of the sampled
// direction) are re-evaluated with gradient recording on, and the product with the per-sample adjoint radiance is
// backpropagated at once.
import Tracer

enum PRBAdjoint {
    /// Adds d(Σ_p G[p] image[p]) / d(parameter) to the `gradient` of every gradient-tracked parameter value that
    /// `bindings` binds (the fresh leaves of the render's values). `replayRadiance` is the total radiance of each
    /// path of `seeds` (the primal replay), when it was traced beforehand with the image
    /// (`Scene.primalImage(samplesPerPixel:seeds:replaying:progress:)`, scenes without a replay log); nil traces the
    /// replay here, logging its mesh queries where the scene keeps a log, whose answers the adjoint replay reads
    /// instead of querying Embree again.
    static func backpropagate(scene: Scene, bindings: RenderBindings, imageGradient: FloatArray,
                              samplesPerPixel spp: Int, seeds: RenderSeeds, replayRadiance: Vector3Array? = nil,
                              progress: RenderProgress? = nil) {
        let context = imageGradient.context
        context.withGradientsSuspended {
            var sampler = seeds.sampler(lanesPerImage: scene.sensor.film.pixelCount * spp,
                                        pattern: scene.sensor.samplePattern, samplesPerPixel: spp)
            let camera = CameraSamples(scene: scene, samplesPerPixel: spp, sampler: &sampler)
            // Per-sample adjoint radiance, with the splat normalisation of this pass's own samples held constant.
            let (adjointRadiance, perPixel) = scene.sensor.film.sampleAdjointGathering(imageGradient: imageGradient,
                                                                                     positions: camera.positions,
                                                                                     samplesPerPixel: spp)
            // Evaluated now: in a wavefront, so that the first adjoint bounce's scatters have no pending dependency
            // and share the kernel of the path state; in a symbolic loop only the per-pixel arrays it gathers from
            // are, and the per-sample gathers join the loop's kernel (frozen with it) instead of a kernel of their
            // own that stores three arrays for the loop to read back.
            if scene.integrator.pathLoop == .symbolic {
                context.evaluate(perPixel.map(\.node))
            } else {
                context.evaluate(adjointRadiance.components.map(\.node))
            }
            // Primal replay with a copy of the sampler, unless traced with the image: the total radiance of each path,
            // its mesh queries logged where the scene keeps a log.
            let log = replayRadiance == nil ? ReplayHitLog(scene: scene, laneCount: camera.laneCount) : nil
            let remaining = replayRadiance
                ?? PathTracer.radiance(scene: scene, rays: camera.rays, laneCount: camera.laneCount, sampler: sampler,
                                       bindings: bindings, progress: progress,
                                       hitLog: log.map { .init(log: $0, recording: true) })
            // Adjoint replay: the same random numbers again, vertex by vertex. The radiance still to come and the
            // adjoint radiance follow the paths as carried arrays.
            _ = PathTracer.radiance(scene: scene, rays: camera.rays, laneCount: camera.laneCount, sampler: sampler,
                                    bindings: bindings, progress: progress,
                                    carried: remaining.components + adjointRadiance.components,
                                    hitLog: log.map { .init(log: $0, recording: false) },
                                    onVertex: { vertex, _, carried, bound in
                let after = Vector3Array(x: carried[0], y: carried[1], z: carried[2]) - vertex.emitted - vertex.direct
                let adjoint = Vector3Array(x: carried[3], y: carried[4], z: carried[5])
                backpropagate(vertex, scene: scene, bindings: bound, radianceAfter: after, adjoint: adjoint)
                return after.components + adjoint.components
            }, onVertexFreezes: true)
        }
    }

    /// Backpropagates δL · (Le + Lr_dir + Lr_ind) of one vertex into the parameters `bindings` binds.
    static func backpropagate(_ vertex: PathVertex, scene: Scene, bindings: RenderBindings, radianceAfter: Vector3Array,
                              adjoint: Vector3Array) {
        let context = adjoint.x.context
        context.withGradientsResumed {
            let si = vertex.interaction
            // Emitter values are re-evaluated with tracking only when some are differentiated: otherwise their
            // terms have no derivative and the stored values serve.
            let emittersTracked = scene.emittersNeedGradients(context, bindings: bindings)
            // Only the objective's derivatives are used, never its value: each tracked factor is multiplied by the
            // others' detached values (the product rule), so that no derivative needs the forward value of a
            // tracked BSDF evaluation, and that evaluation's dispatch drops out of the kernel.
            // Next event estimation: Lr_dir = β w_em f(wi, wo_em) (L_e V / pdf), with f and the emitter weight as
            // the bounce recorded them for differentiation (`PathVertex.trace(recordsGradients:)`).
            let lightFactor = vertex.throughput * vertex.neeWeight
            var direct = vertex.neeBSDF * (lightFactor * vertex.neeLight.detached)
            if vertex.neeLight.components.contains(where: \.requiresGradient) {
                direct = direct + vertex.neeLight * (lightFactor * vertex.neeBSDFValue)
            }
            // The light arriving through the sampled direction: Lr_ind = L_after R(f(wi, wo)), where R has value 1 and
            // derivative df / f (0 where f = 0), f's detached value as the bounce computed it.
            guard let value = vertex.sampledBSDF, let constant = vertex.sampledBSDFValue else {
                preconditionFailure("PRB adjoint: a vertex traced without recordsGradients")
            }
            let ratio = Vector3Array(x: relative(value.x, constant.x), y: relative(value.y, constant.y),
                                     z: relative(value.z, constant.z))
            let indirect = radianceAfter * ratio
            var objective = direct + indirect
            // Emission reached by the ray: Le = β w_bsdf L_e, with L_e tracked.
            if emittersTracked, let arrival = vertex.arrivalEmitter {
                objective = objective + vertex.emittedFactor
                    * scene.arrivalRadiance(si, emitter: arrival, direction: vertex.arrivalDirection,
                                            active: vertex.emittedFactor.maxComponent .!= 0, bindings: bindings)
            }
            guard objective.x.requiresGradient || objective.y.requiresGradient || objective.z.requiresGradient else { return }
            Tracer.backward([(objective.x, adjoint.x), (objective.y, adjoint.y), (objective.z, adjoint.z)])
        }
    }

    /// x / c for c = detach(x): value 1 (0 where x = 0), derivative dx / x.
    static func relative(_ x: FloatArray, _ constant: FloatArray) -> FloatArray {
        let zero = FloatArray(repeating: 0, context: x.context)
        return select(constant .!= 0, x / select(constant .!= 0, constant, FloatArray(repeating: 1, context: x.context)), zero)
    }
}
