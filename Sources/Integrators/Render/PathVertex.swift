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

    /// The initial state for camera rays.
    init(ray: RayArray, lanes: Int) {
        let context = ray.maxT.context
        self.ray = ray
        depth = UInt32Array(repeating: 0, count: lanes, context: context)
        radiance = Vector3Array(repeating: Vector3f(0, 0, 0), count: 1)
        throughput = Vector3Array(repeating: Vector3f(1, 1, 1), count: 1)
        eta = FloatArray(repeating: 1, context: context)
        previousPDF = FloatArray(repeating: 1, context: context)
        previousWasDelta = BoolArray(repeating: true, context: context)
        active = BoolArray(repeating: true, count: lanes, context: context)
    }

    /// Visits the ray, depth, radiance, throughput, eta, previousPDF, previousWasDelta and active, in that order
    /// (a frozen bounce names its buffers by these places, a symbolic loop its variables).
    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        ray.traverse(&visitor)
        depth.traverse(&visitor)
        radiance.traverse(&visitor)
        throughput.traverse(&visitor)
        eta.traverse(&visitor)
        previousPDF.traverse(&visitor)
        previousWasDelta.traverse(&visitor)
        active.traverse(&visitor)
    }
}

/// What one bounce computed, for the lanes that were active.
struct PathVertex {
    var interaction: SurfaceInteraction
    /// Radiance of the environment reached by this ray (with its MIS weight and throughput), Le.
    var emitted: Vector3Array
    /// Next event estimation: active lanes, the light direction in the shading frame, its MIS weight w_em and the
    /// emitter weight times visibility (4π L_e V).
    var neeActive: BoolArray
    var neeDirection: Vector3Array
    var neeWeight: FloatArray
    var neeLight: Vector3Array
    /// The direct light collected at this vertex, Lr_dir = β w_em f (4π L_e V).
    var direct: Vector3Array
    /// The sampled continuation.
    var sample: BSDFSample
    /// Lanes that continue after sampling (before Russian roulette).
    var continuing: BoolArray
    /// The throughput before this vertex, β.
    var throughput: Vector3Array

    static let inverseFourPi: Float = 1 / (4 * Float.pi)

    /// Traces one bounce for every lane and returns the vertex and the state after it.
    static func trace(_ state: PathState, scene: Scene, sampler: inout IndependentSampler) -> (PathVertex, PathState) {
        let context = state.eta.context
        let zero = FloatArray(repeating: 0, context: context)
        let settings = scene.integrator
        let active = state.active
        let beta = state.throughput

        // Intersection.
        let si = scene.intersect(state.ray, active: active)

        // Emission from the environment where the ray escaped.
        var emitted = Vector3Array(repeating: Vector3f(0, 0, 0), count: 1)
        if let emitter = scene.emitter {
            let escaped = active & !si.isValid
            let p2 = state.previousPDF * state.previousPDF
            let misRaw = p2 / (p2 + inverseFourPi * inverseFourPi)
            let misFinite = select(misRaw .== misRaw, misRaw, zero)
            var weight = select(state.previousWasDelta, FloatArray(repeating: 1, context: context), misFinite)
            if settings.hideEmitters {
                weight = select(state.depth .== 0, zero, weight)
            }
            let radiance = emitter.eval(direction: state.ray.direction)
            emitted = select(escaped, beta * radiance * weight, Vector3Array(repeating: Vector3f(0, 0, 0), count: 1))
        }

        // Continue only below the depth limit and on a surface.
        var continuing = active & si.isValid
        if settings.maxDepth >= 0 {
            continuing = continuing & ((state.depth + 1) .< UInt32(settings.maxDepth))
        }

        // Next event estimation (the 2D sample is drawn whether or not it is used).
        let neeSample = sampler.next2D()
        var neeActive = continuing & scene.hasSmoothBSDF(si, active: continuing)
        var neeDirection = Vector3Array(repeating: Vector3f(0, 0, 1), count: 1)
        var neeWeight = zero
        var neeLight = Vector3Array(repeating: Vector3f(0, 0, 0), count: 1)
        var direct = Vector3Array(repeating: Vector3f(0, 0, 0), count: 1)
        if let emitter = scene.emitter {
            let light = emitter.sampleDirection(from: si.p, sample: neeSample,
                                                sceneCenter: scene.boundingSphere.center,
                                                sceneRadius: scene.boundingSphere.radius)
            let shadowRay = si.spawnRay(to: light.target)
            let visible = scene.isUnoccluded(shadowRay, active: neeActive)
            neeDirection = si.frame.toLocal(light.direction)
            let bsdfValue = scene.evalBSDF(si, wo: neeDirection, active: neeActive)
            let bsdfPDF = scene.pdfBSDF(si, wo: neeDirection, active: neeActive)
            let emitterPDF2 = inverseFourPi * inverseFourPi
            neeWeight = emitterPDF2 / (emitterPDF2 + bsdfPDF * bsdfPDF)
            neeLight = select(visible, light.weight, Vector3Array(repeating: Vector3f(0, 0, 0), count: 1))
            direct = select(neeActive, beta * bsdfValue * (neeLight * neeWeight),
                            Vector3Array(repeating: Vector3f(0, 0, 0), count: 1))
        } else {
            neeActive = neeActive & BoolArray(repeating: false, context: context)
        }

        // BSDF sampling: 1D then 2D.
        let u1 = sampler.next1D()
        let u2 = sampler.next2D()
        let sample = scene.sampleBSDF(si, u1: u1, u2: u2, active: continuing)

        // The next state.
        var next = state
        next.radiance = state.radiance + select(active, emitted + direct, Vector3Array(repeating: Vector3f(0, 0, 0), count: 1))
        let direction = si.frame.toWorld(sample.wo)
        next.ray = si.spawnRay(direction: direction).selecting(continuing, else: state.ray)
        next.eta = select(continuing, state.eta * sample.eta, state.eta)
        next.throughput = select(continuing, beta * sample.weight, beta)
        next.previousPDF = select(continuing, sample.pdf, state.previousPDF)
        next.previousWasDelta = select(continuing, sample.isDelta, state.previousWasDelta)
        var keepGoing = continuing & (next.throughput.maxComponent .!= 0)

        // Russian roulette (the 1D sample is drawn whether or not it is used).
        let rouletteSample = sampler.next1D()
        let useRoulette = keepGoing & (state.depth .>= UInt32(max(settings.rrDepth, 0)))
        let survival = min(next.throughput.maxComponent * next.eta * next.eta, FloatArray(repeating: 0.95, context: context))
        next.throughput = select(useRoulette, next.throughput / survival, next.throughput)
        keepGoing = keepGoing & (!useRoulette | (rouletteSample .< survival))

        next.depth = select(si.isValid, state.depth + 1, state.depth)
        next.active = keepGoing

        let vertex = PathVertex(interaction: si, emitted: emitted, neeActive: neeActive, neeDirection: neeDirection,
                                neeWeight: neeWeight, neeLight: neeLight, direct: direct, sample: sample,
                                continuing: continuing, throughput: beta)
        return (vertex, next)
    }
}
