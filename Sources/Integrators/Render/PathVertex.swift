// One bounce of the path-tracing loop over all lanes: what both the primal and the PRB adjoint pass compute.
//
// SCENE-SPEC section 8. The per-lane state lives in `PathState`; `PathVertex.trace` consumes the bounce's six
// random numbers (NEE 2D, BSDF 1D, BSDF 2D, RR 1D) in Mitsuba's order, whether or not they are used, so a replay
// with a copy of the sampler follows the same paths.
import Tracer

/// The state of every lane between bounces.
struct PathState: TraversableStruct {
    var ray: RayArray
    var depth: UInt32Array
    /// Radiance collected so far, L.
    var radiance: Vector3Array
    /// Path throughput, β.
    var throughput: Vector3Array
    /// Product of the sampled relative indices of refraction, η.
    var eta: FloatArray
    /// The pdf of the last sampled direction (for MIS with emitter hits).
    var previousPDF: FloatArray
    /// True when the last sampled lobe was a Dirac delta (or for the camera ray).
    var previousWasDelta: BoolArray
    var active: BoolArray
    /// The previous vertex (the camera at first), for the MIS weight of a hit on an area light; nil when the
    /// scene has none, so that the loop does not carry it.
    var previousPosition: Vector3Array?

    /// The initial state for camera rays.
    init(ray: RayArray, lanes: Int, tracksPosition: Bool = false) {
        let context = ray.maxT.context
        self.ray = ray
        depth = UInt32Array(repeating: 0, count: lanes, context: context)
        radiance = Vector3Array(repeating: Vector3f(0, 0, 0), count: 1)
        throughput = Vector3Array(repeating: Vector3f(1, 1, 1), count: 1)
        eta = FloatArray(repeating: 1, context: context)
        previousPDF = FloatArray(repeating: 1, context: context)
        previousWasDelta = BoolArray(repeating: true, context: context)
        active = BoolArray(repeating: true, count: lanes, context: context)
        previousPosition = tracksPosition ? ray.origin : nil
    }

    /// Visits the ray, depth, radiance, throughput, eta, previousPDF, previousWasDelta, active and (when tracked)
    /// previousPosition, in that order (a frozen bounce names its buffers by these places, a symbolic loop its
    /// variables).
    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        ray.traverse(&visitor)
        depth.traverse(&visitor)
        radiance.traverse(&visitor)
        throughput.traverse(&visitor)
        eta.traverse(&visitor)
        previousPDF.traverse(&visitor)
        previousWasDelta.traverse(&visitor)
        active.traverse(&visitor)
        previousPosition?.traverse(&visitor)
    }
}

/// What one bounce computed, for the lanes that were active.
struct PathVertex {
    var interaction: SurfaceInteraction
    /// Radiance of the emitter this ray reached (an area light or the environment), with its MIS weight and the
    /// throughput, Le; `emittedFactor` is that throughput times MIS weight, `arrivalEmitter` the emitter's index
    /// (`UInt32.max`: none) and `arrivalDirection` the ray's direction.
    var emitted: Vector3Array
    var emittedFactor: Vector3Array
    var arrivalEmitter: UInt32Array?
    var arrivalDirection: Vector3Array
    /// Next event estimation: active lanes, the light direction in the shading frame, its MIS weight w_em, the
    /// emitter weight times visibility (L_e V / pdf).
    var neeActive: BoolArray
    var neeDirection: Vector3Array
    var neeWeight: FloatArray
    var neeLight: Vector3Array
    /// f(wi, wo_em) |cos θo| of the light direction: gradient-tracked when traced with `recordsGradients` (then
    /// `neeLight` is too), so that the PRB adjoint differentiates the values the bounce computed, not copies.
    var neeBSDF: Vector3Array
    /// The value of `neeBSDF`, detached, computed with the sampling (so that the adjoint needs no forward value
    /// of the tracked evaluation: its dispatch then leaves the kernel, and only its derivative dispatch remains).
    var neeBSDFValue: Vector3Array
    /// With `recordsGradients`: f(wi, wo) |cos θo| of the sampled direction, gradient-tracked.
    var sampledBSDF: Vector3Array?
    /// With `recordsGradients`: the value of `sampledBSDF`, detached, computed with the sampling.
    var sampledBSDFValue: Vector3Array?
    /// The direct light collected at this vertex, Lr_dir = β w_em f (4π L_e V).
    var direct: Vector3Array
    /// The sampled continuation.
    var sample: BSDFSample
    /// Lanes that continue after sampling (before Russian roulette).
    var continuing: BoolArray
    /// The throughput before this vertex, β.
    var throughput: Vector3Array

    /// Traces one bounce for every lane and returns the vertex and the state after it; lookups read the parameter
    /// values `bindings` give. With `recordsGradients` (the PRB adjoint pass, whose bounce runs with gradients
    /// suspended), the next event estimation's BSDF value and emitter weight are recorded for differentiation; the
    /// state uses their detached values. With `hitLog`, the bounce's closest-hit and shadow-ray mesh queries are
    /// logged or replayed (`ReplayHitLog`).
    static func trace(_ state: PathState, scene: Scene, bindings: RenderBindings, sampler: inout Sampler,
                      recordsGradients: Bool = false, hitLog: ReplayHitLog.Use? = nil) -> (PathVertex, PathState) {
        let context = state.eta.context
        func differentiable<T>(_ body: () -> T) -> T {
            recordsGradients ? context.withGradientsResumed(body) : body()
        }
        let zero = FloatArray(repeating: 0, context: context)
        let settings = scene.integrator
        let active = state.active
        let beta = state.throughput

        // Intersection.
        let queries = hitLog.map { $0.log.bounce($0, depth: state.depth) }
        var si = scene.intersect(state.ray, active: active, queries: queries)
        if settings.hideEmitters && scene.hasSurfaceEmitters {
            si = scene.skippingAreaEmitters(si, ray: state.ray, active: active & (state.depth .== 0))
        }

        // Emission where the ray arrived (an area light's front, or the environment), weighted against emitter
        // sampling at the previous vertex.
        let zero3 = Vector3Array(repeating: Vector3f(0, 0, 0), count: 1)
        var emitted = zero3, emittedFactor = zero3
        var arrival: UInt32Array? = nil
        // prb_basic finds emitters by BSDF sampling alone: no emitter sampling to weigh against.
        let basic = settings.kind == .prbBasic
        if scene.environmentIndex != nil || scene.hasSurfaceEmitters {
            let index = scene.arrivalEmitter(si, active: active)
            let radianceActive = active & (state.previousPDF .> 0)
            var weight = FloatArray(repeating: 1, context: context)
            let radiance: Vector3Array
            if basic {
                radiance = scene.arrivalRadiance(si, emitter: index, direction: state.ray.direction,
                                                 active: radianceActive, bindings: bindings)
            } else {
                let arrivalEmission = scene.arrivalRadianceAndPDF(si, emitter: index, from: state.previousPosition,
                                                                  direction: state.ray.direction,
                                                                  radianceActive: radianceActive,
                                                                  pdfActive: active & !state.previousWasDelta,
                                                                  bindings: bindings)
                radiance = arrivalEmission.value
                weight = select(state.previousWasDelta, weight, misWeight(state.previousPDF, arrivalEmission.pdf))
            }
            if settings.hideEmitters {
                weight = select(state.depth .== 0, zero, weight)
            }
            emittedFactor = select(active, beta * weight, zero3)
            emitted = emittedFactor * radiance
            arrival = index
        }

        // Continue only below the depth limit and on a surface.
        var continuing = active & si.isValid
        if settings.maxDepth >= 0 {
            continuing = continuing & ((state.depth + 1) .< UInt32(settings.maxDepth))
        }

        // Next event estimation (the 2D sample is drawn whether or not it is used; prb_basic draws none).
        let neeSample = basic ? Point2Array(repeating: 0, 0) : sampler.next2D()
        var neeActive = continuing & scene.hasSmoothBSDF(si, active: continuing)
        var neeDirection = Vector3Array(repeating: Vector3f(0, 0, 1), count: 1)
        var neeWeight = zero
        var neeLight = zero3
        var direct = zero3
        var neeBSDF = zero3, neeBSDFValue = zero3
        var sampledBSDFValue: Vector3Array? = nil
        let sample: BSDFSample
        if !scene.emitters.isEmpty && !basic {
            let record = differentiable {
                scene.sampleEmitterDirection(si, sample: neeSample, active: neeActive, bindings: bindings,
                                             queries: queries)
            }
            neeActive = neeActive & (record.sample.pdf .!= 0)
            // Failed samples may carry a NaN direction: replaced, so that no BSDF derivative multiplies it.
            neeDirection = select(neeActive, si.frame.toLocal(record.sample.d.detached), .constant(Vector3f(0, 0, 1)))
            // BSDF sampling (1D then 2D) together with the light direction's value and pdf, as Mitsuba's
            // `eval_pdf_sample`. With gradients, the values it returns are the detached ones; the tracked values of
            // both directions are evaluated after it, in one dispatch of their own.
            let u1 = sampler.next1D()
            let u2 = sampler.next2D()
            let fused = scene.evalPDFSampleBSDF(si, wo: neeDirection, evalActive: neeActive,
                                                u1: u1, u2: u2, active: continuing,
                                                evaluatingSample: recordsGradients, bindings: bindings)
            sample = fused.sample
            neeBSDF = fused.evaluated.value
            neeBSDFValue = fused.evaluated.value
            sampledBSDFValue = fused.sampledValue
            neeWeight = select(record.sample.isDelta, FloatArray(repeating: 1, context: context),
                               misWeight(record.sample.pdf.detached(), fused.evaluated.pdf))
            neeLight = record.weight
        } else {
            neeActive = neeActive & BoolArray(repeating: false, context: context)
            // BSDF sampling: 1D then 2D.
            let u1 = sampler.next1D()
            let u2 = sampler.next2D()
            sample = scene.sampleBSDF(si, u1: u1, u2: u2, active: continuing, bindings: bindings)
            if recordsGradients {
                sampledBSDFValue = scene.sampledBSDFValue(si, sample, active: continuing, bindings: bindings)
            }
        }

        // The PRB adjoint differentiates both BSDF values of the vertex: one dispatch evaluates them together, so
        // that one adjoint dispatch differentiates them.
        var sampledBSDF: Vector3Array? = nil
        if recordsGradients {
            let values = differentiable {
                scene.evalBSDF(si, [(neeDirection, neeActive), (sample.wo, continuing)], bindings: bindings)
            }
            neeBSDF = values[0]
            sampledBSDF = values[1]
        }
        if !scene.emitters.isEmpty && !basic {
            direct = select(neeActive, beta * neeBSDFValue * (neeLight.detached * neeWeight), zero3)
        }

        // The next state.
        var next = state
        next.radiance = state.radiance + select(active, emitted + direct, Vector3Array(repeating: Vector3f(0, 0, 0), count: 1))
        let direction = si.frame.toWorld(sample.wo)
        next.ray = si.spawnRay(direction: direction).selecting(continuing, else: state.ray)
        next.eta = select(continuing, state.eta * sample.eta, state.eta)
        next.throughput = select(continuing, beta * sample.weight, beta)
        next.previousPDF = select(continuing, sample.pdf, state.previousPDF)
        next.previousWasDelta = select(continuing, sample.isDelta, state.previousWasDelta)
        if let previous = state.previousPosition { next.previousPosition = select(continuing, si.p, previous) }
        var keepGoing = continuing & (next.throughput.maxComponent .!= 0)

        // Russian roulette (the 1D sample is drawn whether or not it is used; prb_basic has none).
        if !basic {
            let rouletteSample = sampler.next1D()
            // Mitsuba's C++ `path` counts the vertex before the test (its depth is already incremented); `prb.py`
            // and `prb_basic.py` count it after. The same seed gives the same paths as each.
            let rouletteDepth = settings.kind == .path ? select(si.isValid, state.depth + 1, state.depth) : state.depth
            let useRoulette = keepGoing & (rouletteDepth .>= UInt32(max(settings.rrDepth, 0)))
            let survival = min(next.throughput.maxComponent * next.eta * next.eta,
                               FloatArray(repeating: 0.95, context: context))
            next.throughput = select(useRoulette, next.throughput / survival, next.throughput)
            keepGoing = keepGoing & (!useRoulette | (rouletteSample .< survival))
        }

        next.depth = select(si.isValid, state.depth + 1, state.depth)
        next.active = keepGoing

        let vertex = PathVertex(interaction: si, emitted: emitted, emittedFactor: emittedFactor,
                                arrivalEmitter: arrival, arrivalDirection: state.ray.direction, neeActive: neeActive,
                                neeDirection: neeDirection, neeWeight: neeWeight, neeLight: neeLight,
                                neeBSDF: neeBSDF, neeBSDFValue: neeBSDFValue, sampledBSDF: sampledBSDF,
                                sampledBSDFValue: sampledBSDFValue, direct: direct, sample: sample,
                                continuing: continuing,
                                throughput: beta)
        return (vertex, next)
    }

    /// The power heuristic a² / (a² + b²), 0 where that is not finite (Mitsuba's `mis_weight`).
    static func misWeight(_ a: FloatArray, _ b: FloatArray) -> FloatArray {
        let a2 = a * a
        let w = a2 / (a2 + b * b)
        return select(abs(w) .< Float.infinity, w, FloatArray(repeating: 0, context: w.context))
    }
}
