// What `bumpmap` and `normalmap` share: a nested BSDF evaluated in a perturbed shading frame.
import Tracer

/// A shading frame perturbed from the hit's: `local` is expressed in the hit's shading frame (where wi and wo
/// live), `nestedFrame` is what the nested BSDF's interaction carries as its frame. Evaluation follows Mitsuba
/// 3.9.1's bumpmap.cpp and normalmap.cpp: wi and wo go into `local`, a direction counts only where its cosines in
/// both frames have the same sign, and the value is weighed by the shadowing term of Estevez et al. (Ray Tracing
/// Gems 2019) unless `shadowing` is off.
struct PerturbedShading {
    /// The perturbed frame, in the hit's shading coordinates.
    var local: Frame
    /// The frame the nested BSDF's interaction carries.
    var nestedFrame: Frame
    /// Mitsuba's `use_shadowing_function`.
    var shadowing: Bool

    /// `si` as the nested BSDF sees it: wi in the perturbed frame.
    func nestedInteraction(_ si: SurfaceInteraction) -> SurfaceInteraction {
        var perturbed = si
        perturbed.frame = nestedFrame
        perturbed.wi = local.toLocal(si.wi)
        return perturbed
    }

    /// f·|cos θo| of `nested` in the perturbed frame, for wo in the hit's shading frame.
    func eval(_ nested: any BSDF, _ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
              bindings: RenderBindings) -> Vector3Array {
        let perturbedWo = local.toLocal(wo)
        let valid = active & (wo.z * perturbedWo.z .> 0)
        var value = nested.eval(nestedInteraction(si), wo: perturbedWo, active: valid, bindings: bindings)
        if shadowing { value = value * Self.shadowTerminator(local.n, wo) }
        return select(valid, value, .constant(.zero))
    }

    /// The nested pdf in the perturbed frame, 0 where the two frames disagree about wo's side.
    func pdf(_ nested: any BSDF, _ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
             bindings: RenderBindings) -> FloatArray {
        let perturbedWo = local.toLocal(wo)
        let valid = active & (wo.z * perturbedWo.z .> 0)
        return select(valid, nested.pdf(nestedInteraction(si), wo: perturbedWo, active: valid,
                                        bindings: bindings), .constant(0))
    }

    /// The nested sample, its wo brought back to the hit's shading frame; weight 0 where it is invalid or the two
    /// frames disagree about wo's side (and pdf 0 there too when `zeroInvalidPDF`, as normalmap does).
    func sample(_ nested: any BSDF, _ si: SurfaceInteraction, u1: FloatArray, u2: Point2Array, active: BoolArray,
                zeroInvalidPDF: Bool, bindings: RenderBindings) -> BSDFSample {
        var sample = nested.sample(nestedInteraction(si), u1: u1, u2: u2, active: active, bindings: bindings)
        let zero = FloatArray.constant(0)
        let nonzero = (sample.weight.x .!= zero) | (sample.weight.y .!= zero) | (sample.weight.z .!= zero)
        let wo = local.toWorld(sample.wo)
        let valid = active & nonzero & (sample.wo.z * wo.z .> 0)
        if zeroInvalidPDF { sample.pdf = select(valid, sample.pdf, zero) }
        sample.wo = wo
        if shadowing { sample.weight = sample.weight * Self.shadowTerminator(local.n, wo) }
        sample.weight = select(valid, sample.weight, .constant(.zero))
        return sample
    }

    /// Mitsuba's `eval_shadow_terminator`: 2 / (1 + √(1 + α² tan²θo)) with α² = min(tan²θn / 8, 1), n the perturbed
    /// normal and wo in the hit's shading frame.
    static func shadowTerminator(_ n: Vector3Array, _ wo: Vector3Array) -> FloatArray {
        let alpha2 = Tracer.min(0.125 * tanTheta2(n), .constant(1))
        return 2 / (1 + sqrt(1 + alpha2 * tanTheta2(wo)))
    }

    /// tan²θ = max(1 − cos²θ, 0) / cos²θ (Mitsuba's `Frame::tan_theta_2`).
    static func tanTheta2(_ v: Vector3Array) -> FloatArray {
        let cos2 = v.z * v.z
        return Tracer.max(1 - cos2, .constant(0)) / cos2
    }

    /// n with its tangential part negated where wi and n lie on different sides of the surface
    /// (cos θi · (wi · n) ≤ 0): Mitsuba's `flip_invalid_normals`.
    static func flippingInvalid(_ n: Vector3Array, wi: Vector3Array) -> Vector3Array {
        let flip = wi.z * wi.dot(n) .<= 0
        return Vector3Array(x: select(flip, -n.x, n.x), y: select(flip, -n.y, n.y), z: n.z)
    }
}

/// A BSDF that evaluates a nested BSDF in a perturbed shading frame (`bumpmap`, `normalmap`): its samples, value,
/// pdf, flags and diffuse reflectance are the nested BSDF's in `shading(_:active:)`.
protocol PerturbedShadingBSDF: BSDF {
    /// The BSDF shaded with the perturbed frame (Mitsuba's `nested_bsdf`).
    var nested: any BSDF { get }
    /// The perturbed frame at each hit.
    func shading(_ si: SurfaceInteraction, active: BoolArray, bindings: RenderBindings) -> PerturbedShading
    /// Whether a sample that is invalid in the shading frame gets pdf 0 (the two plugins differ).
    var zeroesInvalidPDF: Bool { get }
}

extension PerturbedShadingBSDF {
    /// The nested sample in the perturbed frame, wo brought back to the shading frame.
    public func sample(_ si: SurfaceInteraction, u1: FloatArray, u2: Point2Array, active: BoolArray,
                       bindings: RenderBindings) -> BSDFSample {
        shading(si, active: active, bindings: bindings).sample(nested, si, u1: u1, u2: u2, active: active,
                                           zeroInvalidPDF: zeroesInvalidPDF, bindings: bindings)
    }

    /// The nested BSDF's flags.
    public var flags: BSDFFlags { nested.flags }

    /// The nested value in the perturbed frame.
    public func eval(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                     bindings: RenderBindings) -> Vector3Array {
        shading(si, active: active, bindings: bindings).eval(nested, si, wo: wo, active: active, bindings: bindings)
    }

    /// The nested pdf in the perturbed frame.
    public func pdf(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                    bindings: RenderBindings) -> FloatArray {
        shading(si, active: active, bindings: bindings).pdf(nested, si, wo: wo, active: active, bindings: bindings)
    }

    /// The nested BSDF's, at the unperturbed hit.
    public func diffuseReflectance(_ si: SurfaceInteraction, active: BoolArray,
                                   bindings: RenderBindings) -> Vector3Array {
        nested.diffuseReflectance(si, active: active, bindings: bindings)
    }
}
