// One iteration of Mitsuba's `volpath` loop over all lanes: roulette, a free flight in the lane's medium, then a
// medium scattering event or a surface interaction, each with emitter sampling through media.
//
// The phases follow `VolumetricPathIntegrator::sample` in Mitsuba 3.9.1, with the same masked random draws in the
// same order per lane: roulette 1D; in a medium, free flight 1D and the (always failing: homogeneous media have no
// null collisions) null-scatter 1D; at a scattering event or surface, the emitter's 2D and one 1D per medium
// segment of its shadow walk, then the direction's 2D and 1D. A lane is at a medium event or at a surface in one
// iteration, never both, so one emitter-sampling walk and one direction draw serve both kinds of lanes.
import Tracer

/// The state of every lane between iterations of the `volpath` loop.
struct VolumetricPathState: TraversableStruct {
    var active: BoolArray
    var depth: UInt32Array
    var ray: RayArray
    /// Path throughput β and the radiance collected so far, L.
    var throughput: Vector3Array
    var radiance: Vector3Array
    /// Product of the sampled relative indices of refraction, η (for Russian roulette).
    var eta: FloatArray
    /// The medium the ray travels in (`MediumTable.vacuum`: none).
    var medium: UInt32Array
    /// The last real scattering event (not a null surface) and the pdf of the direction sampled there, for MIS on
    /// emitter hits.
    var lastScatterPosition: Vector3Array
    var lastScatterPDF: FloatArray
    /// True while the path since the camera (or since a medium event without emitter sampling) is specular, so
    /// that emitters it reaches count in full.
    var specularChain: BoolArray
    /// Mitsuba's `valid_ray`: true once the path met a medium event or a real surface (or from the start where an
    /// environment is shown); an RGBA film's alpha.
    var valid: BoolArray
    /// The colour channel whose extinction samples free flights, drawn once per path.
    var channel: UInt32Array
    var sampler: Sampler

    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        active.traverse(&visitor)
        depth.traverse(&visitor)
        ray.traverse(&visitor)
        throughput.traverse(&visitor)
        radiance.traverse(&visitor)
        eta.traverse(&visitor)
        medium.traverse(&visitor)
        lastScatterPosition.traverse(&visitor)
        lastScatterPDF.traverse(&visitor)
        specularChain.traverse(&visitor)
        valid.traverse(&visitor)
        channel.traverse(&visitor)
        sampler.traverse(&visitor)
    }
}

enum VolumetricPathVertex {
    /// The state after one iteration of every active lane (lanes that are not active keep what they have).
    static func trace(_ state: VolumetricPathState, scene: Scene, media: MediumTable,
                      bindings: RenderBindings) -> VolumetricPathState {
        let settings = scene.integrator
        let maxDepth = settings.maxDepth < 0 ? UInt32.max : UInt32(settings.maxDepth)
        let zero3 = Vector3Array.constant(.zero)
        let infinity = FloatArray(repeating: .infinity)
        var next = state
        var sampler = state.sampler
        var throughput = state.throughput
        var depth = state.depth

        // Phase 1: Russian roulette on η²-weighted throughput, past rr_depth (strictly), and the depth limit.
        var active = state.active & (throughput.maxComponent .> 0)
        let survival = min(throughput.maxComponent * state.eta * state.eta, FloatArray(repeating: 0.95))
        let roulette = depth .> UInt32(max(settings.rrDepth, 0))
        let uRoulette = sampler.next1D(masked: active)
        active = active & ((uRoulette .< survival) | !roulette)
        throughput = select(roulette, throughput / survival, throughput)
        active = active & (depth .< maxDepth)

        // Phase 2: a free flight in the lane's medium, and the nearest surface (before the collision) for all.
        let startsInMedium = active & (state.medium .!= MediumTable.vacuum)
        var activeSurface = active & !startsInMedium
        let coefficients = media.coefficients(state.medium, active: startsInMedium)
        let uFlight = sampler.next1D(masked: startsInMedium)
        let flight = FreeFlight.sample(state.ray, u: uFlight, channel: state.channel, sigmaT: coefficients.sigmaT,
                                       active: startsInMedium)
        var query = state.ray
        query.maxT = select(flight.isValid, flight.t, query.maxT)
        var si = scene.intersect(query, active: active)
        if settings.hideEmitters && scene.hasSurfaceEmitters {
            // Camera rays pass through area lights (only lanes that looked for a surface, as Mitsuba).
            si = scene.skippingAreaEmitters(si, ray: query, active: activeSurface & (depth .== 0))
        }
        let surfaceT = select(si.isValid, si.t, infinity)
        let collisionT = select(startsInMedium & (surfaceT .< flight.t), infinity, flight.t)
        let spectral = startsInMedium & coefficients.hasSpectralExtinction
        throughput = select(spectral, throughput * FreeFlight.spectralWeight(
            collisionT: collisionT, surfaceT: surfaceT, channel: state.channel, sigmaT: coefficients.sigmaT),
            throughput)
        let escaped = startsInMedium & (collisionT .== infinity)
        let inMedium = startsInMedium & (collisionT .< infinity)
        // Null collisions have probability mean(σn / σt) = 0 in a homogeneous medium; the number is drawn anyway.
        _ = sampler.next1D(masked: inMedium)

        // Phase 3: a real scattering event in the medium. σt equals the majorant here, so the spectral weight is
        // σs / mean(σt / σt) = σs, and a grey one σs / σt = α.
        depth = select(inMedium, depth + 1, depth)
        var lastPosition = select(inMedium, flight.p, state.lastScatterPosition)
        active = active & (depth .< maxDepth)
        let scatters = inMedium & active
        let sigmaS = coefficients.sigmaT * coefficients.albedo
        throughput = select(scatters, throughput * select(spectral, sigmaS, coefficients.albedo), throughput)
        var specularChain = (state.specularChain & !scatters) | (scatters & !coefficients.sampleEmitters)

        // Phase 4: what the ray met on a surface (or the environment): emission, weighed against emitter sampling
        // at the last scattering event unless the path is specular so far.
        activeSurface = activeSurface | escaped
        var radiance = state.radiance
        if scene.environmentIndex != nil || scene.hasSurfaceEmitters {
            let countDirect = (activeSurface & (depth .== 0)) | specularChain
            let emitter = scene.arrivalEmitter(si, active: activeSurface)
            var reaches = activeSurface & (emitter .!= UInt32.max)
            if settings.hideEmitters { reaches = reaches & (depth .!= 0) }
            let arrival = scene.arrivalRadianceAndPDF(si, emitter: emitter, from: state.lastScatterPosition,
                                                      direction: state.ray.direction, radianceActive: reaches,
                                                      pdfActive: reaches & !countDirect, bindings: bindings)
            let weight = select(countDirect, FloatArray(repeating: 1),
                                PathVertex.misWeight(state.lastScatterPDF, arrival.pdf))
            radiance = radiance + select(reaches, throughput * weight * arrival.value, zero3)
        }
        activeSurface = activeSurface & si.isValid

        // Phase 5: emitter sampling, from the medium event (if its medium samples emitters) or from a surface
        // with a smooth lobe below the depth limit, with the transmittance toward the emitter.
        let fromMedium = scatters & coefficients.sampleEmitters
        let fromSurface = activeSurface & scene.hasSmoothBSDF(si, active: activeSurface)
            & ((depth + 1) .< maxDepth)
        // What the emitter sample needs from the BSDF is evaluated with the BSDF's sampling, after the draws below.
        var emitterQuery: (emitted: Vector3Array, sample: EmitterSample, wo: Vector3Array,
                           phaseValue: FloatArray)? = nil
        if !scene.emitters.isEmpty {
            let point = ScatteringPoint(si: si, onSurface: fromSurface, mediumPoint: flight.p, medium: state.medium)
            let (emitted, emitterSample) = VolumetricEmitterSampling.sample(
                scene: scene, media: media, from: point, channel: state.channel, active: fromMedium | fromSurface,
                sampler: &sampler, bindings: bindings)
            let wi = -state.ray.direction
            emitterQuery = (emitted, emitterSample, si.frame.toLocal(emitterSample.d),
                            PhaseFunction.density(g: coefficients.g, cosTheta: emitterSample.d.dot(wi)))
        }

        // Phase 6: the next direction, by the phase function or the BSDF.
        // Mitsuba passes both draws as arguments of one call (`phase->sample`, `bsdf->sample`), and its Linux build
        // evaluates arguments right to left: the 2D number is drawn before the 1D one.
        let uDirection = sampler.next2D(masked: scatters | activeSurface)
        let uLobe = sampler.next1D(masked: scatters | activeSurface)
        let phase = PhaseFunction.sample(g: coefficients.g, isotropic: coefficients.isotropic,
                                         wi: -state.ray.direction, u: uDirection)
        let scattered = scatters & (phase.pdf .> 0)
        let bs: BSDFSample
        if let query = emitterQuery {
            // The surface's BSDF toward the emitter (phase 5) and its sampling in one material dispatch.
            let bsdf = scene.evalPDFSampleBSDF(si, wo: query.wo, evalActive: fromSurface, u1: uLobe, u2: uDirection,
                                               active: activeSurface, bindings: bindings)
            bs = bsdf.sample
            let phaseValue = query.phaseValue
            let value = select(fromMedium, Vector3Array(x: phaseValue, y: phaseValue, z: phaseValue),
                               bsdf.evaluated.value)
            let pdf = select(fromMedium, phaseValue, bsdf.evaluated.pdf)
            let weight = PathVertex.misWeight(query.sample.pdf,
                                              select(query.sample.isDelta, FloatArray(repeating: 0), pdf))
            radiance = radiance + select(fromMedium | fromSurface, throughput * value * query.emitted * weight, zero3)
        } else {
            bs = scene.sampleBSDF(si, u1: uLobe, u2: uDirection, active: activeSurface, bindings: bindings)
        }
        let isNull = media.sampledNull(si, bs, active: activeSurface)
        let realSurface = activeSurface & !isNull
        let surfaceRay = si.spawnRay(direction: si.frame.toWorld(bs.wo))
        let phaseRay = RayArray(origin: flight.p, direction: phase.wo,
                                maxT: FloatArray(repeating: .greatestFiniteMagnitude))
        next.ray = phaseRay.selecting(scattered, else: surfaceRay.selecting(activeSurface, else: query))
        throughput = select(activeSurface, throughput * bs.weight, throughput)
        next.eta = select(activeSurface, state.eta * bs.eta, state.eta)
        depth = select(realSurface, depth + 1, depth)
        lastPosition = select(realSurface, si.p, lastPosition)
        next.lastScatterPDF = select(scattered, phase.pdf, select(realSurface, bs.pdf, state.lastScatterPDF))
        specularChain = specularChain | (realSurface & bs.isDelta)
        specularChain = specularChain & !(realSurface & !bs.isDelta)
        // Crossing a medium boundary: the new ray travels in the medium on its side.
        let crossing = media.isTransition(si, active: activeSurface)
        next.medium = select(crossing, media.targetMedium(si, direction: next.ray.direction, active: crossing),
                             state.medium)

        next.valid = state.valid | scatters | realSurface
        next.active = active & (activeSurface | inMedium)
        next.depth = depth
        next.throughput = throughput
        next.radiance = radiance
        next.lastScatterPosition = lastPosition
        next.specularChain = specularChain
        next.sampler = sampler
        return next
    }
}
