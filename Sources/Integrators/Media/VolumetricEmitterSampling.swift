// Next event estimation through media for `volpath`: an emitter sample and the transmittance toward it, through
// null surfaces and homogeneous media (Mitsuba's `VolumetricPathIntegrator::sample_emitter`).
import Tracer

/// The state of the shadow-ray loop that walks from a scattering point toward the sampled emitter.
private struct ShadowWalk: TraversableStruct {
    var active: BoolArray
    var ray: RayArray
    /// Distance covered so far along the segment.
    var covered: FloatArray
    var medium: UInt32Array
    /// The transmittance estimate so far, per channel.
    var transmittance: Vector3Array
    var sampler: Sampler
    /// The segment's length and the channel the path samples distances with (constant along the walk; carried so
    /// that the loop body reads only its own state).
    var length: FloatArray
    var channel: UInt32Array

    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        length.traverse(&visitor)
        channel.traverse(&visitor)
        active.traverse(&visitor)
        ray.traverse(&visitor)
        covered.traverse(&visitor)
        medium.traverse(&visitor)
        transmittance.traverse(&visitor)
        sampler.traverse(&visitor)
    }
}

/// Where next event estimation starts on each lane: a surface point (`si`, on the lanes of `onSurface`) or a
/// collision in a medium (`mediumPoint`), and the medium the lane is in before it leaves.
struct ScatteringPoint {
    var si: SurfaceInteraction
    var onSurface: BoolArray
    var mediumPoint: Vector3Array
    var medium: UInt32Array
}

enum VolumetricEmitterSampling {
    /// Samples an emitter from each active lane's point and returns the emitter sample with its weight times the
    /// transmittance of the segment toward it (`emitted`: L_e T / pdf, 0 where blocked). The segment is walked in a
    /// loop: in a medium, a free flight is sampled with the path's `channel` (a collision before the segment's end
    /// blocks it, since a homogeneous medium has no null collisions: delta tracking; otherwise the spectral weight
    /// tr / pdf[channel] multiplies the estimate); a surface multiplies it by its null transmission (1 for `null`,
    /// 0 for a surface without a null lobe) and the walk goes on into the medium behind it. Draws one 2D number on the active lanes, then one 1D number
    /// per medium segment, as Mitsuba does.
    static func sample(scene: Scene, media: MediumTable, from point: ScatteringPoint, channel: UInt32Array,
                       active: BoolArray, sampler: inout Sampler, bindings: RenderBindings)
        -> (emitted: Vector3Array, sample: EmitterSample) {
        let u = sampler.next2D(masked: active)
        let reference = select(point.onSurface, point.si.p, point.mediumPoint)
        let (_, emitterSample, weight) = scene.sampleEmitterDirection(from: reference, sample: u, active: active,
                                                                      bindings: bindings)
        let emitterWeight = select(emitterSample.pdf .== 0, .constant(.zero), weight)
        let walking = active & (emitterSample.pdf .!= 0)

        // The segment: from a surface, offset off it; from a medium point, from the point itself (Mitsuba's
        // `spawn_ray_to` of a medium interaction, whose normal is zero).
        let surfaceRay = point.si.spawnRay(to: emitterSample.p)
        let offset = emitterSample.p - point.mediumPoint
        let distance = offset.length
        let mediumRay = RayArray(origin: point.mediumPoint, direction: offset / distance,
                                 maxT: distance * (1 - 10 * SurfaceInteraction.rayEpsilon))
        let ray = surfaceRay.selecting(point.onSurface, else: mediumRay)
        let length = ray.maxT
        // Leaving a medium boundary, the segment starts in the medium on its side.
        let crossing = media.isTransition(point.si, active: walking & point.onSurface)
        let medium = select(crossing, media.targetMedium(point.si, direction: ray.direction, active: crossing),
                            point.medium)

        let start = ShadowWalk(active: walking, ray: ray, covered: FloatArray(repeating: 0), medium: medium,
                               transmittance: Vector3Array(repeating: Vector3f(1, 1, 1), count: 1), sampler: sampler,
                               length: length, channel: channel)
        let end = whileLoop(start, mode: .symbolic) { $0.active } body: { walk in
            step(walk, scene: scene, media: media, bindings: bindings)
        }
        sampler = end.sampler
        return (end.transmittance * emitterWeight, emitterSample)
    }

    /// One segment of the walk: to the next surface or collision.
    private static func step(_ walk: ShadowWalk, scene: Scene, media: MediumTable,
                             bindings: RenderBindings) -> ShadowWalk {
        var next = walk
        let channel = walk.channel
        let remaining = walk.length - walk.covered
        var ray = walk.ray
        ray.maxT = remaining
        let active = walk.active & (remaining .> 0)
        let inMedium = active & (walk.medium .!= MediumTable.vacuum)
        let coefficients = media.coefficients(walk.medium, active: inMedium)
        let u = next.sampler.next1D(masked: inMedium)
        let flight = FreeFlight.sample(ray, u: u, channel: channel, sigmaT: coefficients.sigmaT, active: inMedium)
        var query = ray
        query.maxT = select(flight.isValid, min(flight.t, remaining), remaining)
        let si = scene.intersect(query, active: active)
        let infinity = FloatArray(repeating: .infinity)
        let surfaceT = select(si.isValid, si.t, infinity)
        let collisionT = select(inMedium & (surfaceT .< flight.t), infinity, flight.t)
        var transmittance = walk.transmittance
        let spectral = inMedium & coefficients.hasSpectralExtinction
        transmittance = select(spectral, transmittance * FreeFlight.spectralWeight(
            collisionT: collisionT, surfaceT: surfaceT, limit: remaining, channel: channel,
            sigmaT: coefficients.sigmaT), transmittance)
        // A collision within the segment: the estimate times σn / σt, which is 0 in a homogeneous medium.
        let collided = inMedium & (collisionT .<= remaining)
        transmittance = select(collided, .constant(.zero), transmittance)
        let escaped = inMedium & !collided
        let reachesSurface = (active & !inMedium) | escaped
        let onSurface = reachesSurface & si.isValid
        // A surface lets through what its null lobe passes (Mitsuba's `eval_null_transmission`: 1 for `null`, 0
        // for a BSDF without a null lobe).
        transmittance = select(onSurface, transmittance * scene.nullTransmission(si, active: onSurface,
                                                                                  bindings: bindings), transmittance)
        next.covered = select(reachesSurface, walk.covered + surfaceT, walk.covered)
        next.ray = si.spawnRay(direction: ray.direction).selecting(onSurface, else: ray)
        let crossing = media.isTransition(si, active: onSurface)
        next.medium = select(crossing, media.targetMedium(si, direction: ray.direction, active: crossing), walk.medium)
        next.transmittance = transmittance
        next.active = onSurface & (transmittance.maxComponent .> 0)
        return next
    }
}
