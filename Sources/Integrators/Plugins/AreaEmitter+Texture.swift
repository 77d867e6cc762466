// Sampling an area light by its spatially varying radiance texture, as Mitsuba 3.9.1's area.cpp does.
import Tracer

extension AreaEmitter {
    /// Mitsuba's `sample_direction` for a spatially varying radiance: a uv from the texture's `samplePosition` (a
    /// bitmap by its texels, other textures uniformly), the shape's point there, and the density converted from
    /// uv area to solid angle: pdf_uv / |dp/du × dp/dv| · dist² / (−d·n). The sample fails (pdf 0, weight 0) where
    /// the texture's density is 0, the point does not exist or the light is seen from behind. Weight radiance(uv)
    /// / pdf. The sample carries its uv.
    func sampleByTexture(from reference: Vector3Array, sample: Point2Array,
                         parameterization: any SurfaceParameterization, active: BoolArray,
                         bindings: RenderBindings) -> (sample: EmitterSample, weight: Vector3Array) {
        let lanes = Swift.max(reference.count, sample.count)
        let (uv, texturePDF) = radiance.samplePosition(sample, active: active, bindings: bindings)
        var valid = active & (texturePDF .!= 0)
        let (surface, exists) = parameterization.surface(at: uv, active: valid)
        valid = valid & exists
        let offset = surface.p - reference
        let distSquared = offset.squaredLength
        let dist = sqrt(distSquared)
        let d = offset / dist
        let cosine = d.dot(surface.n)
        valid = valid & (cosine .< 0)
        let area = surface.dpdu.cross(surface.dpdv).length
        let pdf = select(valid, texturePDF / area * distSquared / -cosine, .constant(0))
        let emitterSample = EmitterSample(p: surface.p, n: surface.n, d: d, dist: dist, pdf: pdf,
                                          isDelta: BoolArray(repeating: false, count: lanes), uv: surface.uv)
        let weight = radiance.eval(surface.uv, active: valid, bindings: bindings) / pdf
        return (emitterSample, select(valid, weight, .constant(.zero)))
    }

    /// Mitsuba's `pdf_direction` for a spatially varying radiance: the texture's `pdfPosition` at the sample's uv
    /// times dist² / (|dp/du × dp/dv| · (−d·n)), with the shape's derivatives at that uv; 0 from behind and where
    /// the point does not exist.
    func pdfByTexture(from reference: Vector3Array, _ sample: EmitterSample,
                      parameterization: any SurfaceParameterization, active: BoolArray,
                      bindings: RenderBindings) -> FloatArray {
        guard let uv = sample.uv else {
            preconditionFailure("AreaEmitter: the density of a textured light needs the sample's uv")
        }
        let cosine = sample.d.dot(sample.n)
        var valid = active & (cosine .< 0)
        let (surface, exists) = parameterization.surface(at: uv, active: valid)
        valid = valid & exists
        let area = surface.dpdu.cross(surface.dpdv).length
        let value = radiance.pdfPosition(uv, active: valid, bindings: bindings) * square(sample.dist)
            / (area * -cosine)
        return select(valid, value, .constant(0))
    }
}
