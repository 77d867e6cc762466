// Mitsuba's `direct` integrator: direct illumination only, by emitter and BSDF sampling combined with MIS.
import Tracer

enum DirectIntegrator {
    /// The radiance of each camera ray as Mitsuba's `direct` computes it: the emitter seen directly (unless
    /// `hideEmitters`), then at the first hit `emitterSamples` emitter samples and `bsdfSamples` BSDF samples,
    /// weighted by the power heuristic over the sample counts. Random numbers are drawn in Mitsuba's order (a 2D
    /// sample per emitter sample, then a 2D and a 1D sample per BSDF sample). Lookups read the values `bindings` give.
    static func radiance(scene: Scene, rays: RayArray, laneCount: Int, sampler: Sampler,
                         bindings: RenderBindings) -> Vector3Array {
        var sampler = sampler
        let settings = scene.integrator
        let context = rays.maxT.context
        let zero3 = Vector3Array(repeating: Vector3f(0, 0, 0), count: 1)
        let all = BoolArray(repeating: true, count: laneCount, context: context)
        let si = scene.intersect(rays, active: all)
        var result = zero3
        if !settings.hideEmitters && (scene.environmentIndex != nil || scene.hasSurfaceEmitters) {
            let seen = scene.arrivalEmitter(si, active: all)
            result = scene.arrivalRadiance(si, emitter: seen, direction: rays.direction, active: all,
                                           bindings: bindings)
        }
        let active = si.isValid
        let total = Float(settings.emitterSamples + settings.bsdfSamples)
        let emitterFraction = Float(settings.emitterSamples) / total
        let bsdfFraction = Float(settings.bsdfSamples) / total

        if !scene.emitters.isEmpty && settings.emitterSamples > 0 {
            let smooth = active & scene.hasSmoothBSDF(si, active: active)
            let weight = 1 / Float(settings.emitterSamples)
            for _ in 0..<settings.emitterSamples {
                let record = scene.sampleEmitterDirection(si, sample: sampler.next2D(), active: smooth,
                                                          bindings: bindings)
                let lanes = smooth & (record.sample.pdf .!= 0)
                // Failed samples (a reference point inside a sphere light) may carry a NaN direction: replaced, so that
                // no derivative through the BSDF multiplies it.
                let wo = select(lanes, si.frame.toLocal(record.sample.d), .constant(Vector3f(0, 0, 1)))
                let bsdf = scene.evalPDFBSDF(si, wo: wo, active: lanes, bindings: bindings)
                let value = bsdf.value, pdf = bsdf.pdf
                let mis = select(record.sample.isDelta, FloatArray(repeating: 1, context: context),
                                 PathVertex.misWeight(record.sample.pdf * emitterFraction, pdf * bsdfFraction) * weight)
                // Masked before the product, so that no lane's derivative multiplies a non-finite factor.
                result = result + value * select(lanes, record.weight * mis, zero3)
            }
        } else {
            for _ in 0..<settings.emitterSamples { _ = sampler.next2D() }
        }

        let weight = settings.bsdfSamples > 0 ? 1 / Float(settings.bsdfSamples) : 0
        for _ in 0..<settings.bsdfSamples {
            // Mitsuba passes next_1d() and next_2d() as arguments of one call, which its compiler (GCC, right to
            // left) evaluates 2D first.
            let u2 = sampler.next2D()
            let u1 = sampler.next1D()
            let sample = scene.sampleBSDF(si, u1: u1, u2: u2, active: active, bindings: bindings)
            let direction = si.frame.toWorld(sample.wo)
            let carries = active & (sample.weight.maxComponent .!= 0)
            let next = scene.intersect(si.spawnRay(direction: direction), active: carries)
            let reached = scene.arrivalEmitter(next, active: carries)
            let lanes = carries & (reached .!= UInt32.max)
            let emission = scene.arrivalRadianceAndPDF(next, emitter: reached, from: si.p, direction: direction,
                                                       radianceActive: lanes, pdfActive: lanes, bindings: bindings)
            let radiance = emission.value
            let emitterPDF = select(sample.isDelta, FloatArray(repeating: 0, context: context), emission.pdf)
            let mis = PathVertex.misWeight(sample.pdf * bsdfFraction, emitterPDF * emitterFraction) * weight
            result = result + sample.weight * select(lanes, radiance * mis, zero3)
        }
        return result
    }
}
