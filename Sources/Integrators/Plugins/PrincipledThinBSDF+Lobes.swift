// The thin principled BSDF's lobes: value, pdf and sampling, with directions mirrored to the sheet's upper side.
import Tracer

/// One evaluation's inputs, read at the hits of `active`, and which optional lobes are on.
struct PrincipledThinInputs {
    var roughness: FloatArray
    /// nil when anisotropy is off.
    var anisotropic: FloatArray?
    var specTrans: FloatArray
    /// `diff_trans` halved (0–1).
    var diffTrans: FloatArray
    var eta: FloatArray
    var hasSpecTrans: Bool
    var hasDiffTrans: Bool

    init(_ bsdf: PrincipledThinBSDF, _ si: SurfaceInteraction, active: BoolArray, bindings: RenderBindings) {
        roughness = bsdf.roughness.evalScalar(si, active: active, bindings: bindings)
        anisotropic = PrincipledBSDF.isOn(bsdf.anisotropic, bindings)
            ? bsdf.anisotropic.evalScalar(si, active: active, bindings: bindings) : nil
        hasSpecTrans = PrincipledBSDF.isOn(bsdf.specTrans, bindings)
        hasDiffTrans = PrincipledBSDF.isOn(bsdf.diffTrans, bindings)
        specTrans = hasSpecTrans ? bsdf.specTrans.evalScalar(si, active: active, bindings: bindings) : .constant(0)
        diffTrans = hasDiffTrans ? bsdf.diffTrans.evalScalar(si, active: active, bindings: bindings) / 2 : .constant(0)
        eta = bsdf.eta.evalScalar(si, active: active, bindings: bindings)
    }

    /// The GGX reflection lobe.
    var reflection: MicrofacetDistribution {
        let (ax, ay) = PrincipledMath.roughnesses(roughness: roughness, anisotropic: anisotropic)
        return MicrofacetDistribution(type: .ggx, alphaU: ax, alphaV: ay)
    }

    /// The GGX transmission lobe, its roughness scaled by (0.65 η − 0.35).
    var transmission: MicrofacetDistribution {
        let (ax, ay) = PrincipledMath.roughnesses(roughness: (0.65 * eta - 0.35) * roughness, anisotropic: anisotropic)
        return MicrofacetDistribution(type: .ggx, alphaU: ax, alphaV: ay)
    }

    /// The normalised probabilities of the lobes: specular reflection and transmission spec_trans·rate / 2 each,
    /// diffuse reflection rate·(1 − spec_trans)(1 − diff_trans), diffuse transmission rate·(1 − spec_trans)·diff_trans.
    func probabilities(_ bsdf: PrincipledThinBSDF) -> (specReflect: FloatArray, specTrans: FloatArray,
                                                       diffuseReflect: FloatArray, diffuseTrans: FloatArray) {
        let zero = FloatArray.constant(0)
        let specReflect = hasSpecTrans ? specTrans * bsdf.specularReflectanceRate / 2 : zero
        let specTransmit = hasSpecTrans ? specTrans * bsdf.specularTransmittanceRate / 2 : zero
        let diffuseReflect = bsdf.diffuseReflectanceRate * (1 - specTrans) * (1 - diffTrans)
        let diffuseTrans = hasDiffTrans ? bsdf.diffuseTransmittanceRate * (1 - specTrans) * diffTrans : zero
        let normalization = rcp(specReflect + specTransmit + diffuseReflect + diffuseTrans)
        return (specReflect * normalization, specTransmit * normalization, diffuseReflect * normalization,
                diffuseTrans * normalization)
    }
}

extension PrincipledThinBSDF {
    /// Mitsuba's `thin_fresnel`: the dielectric reflectance, blended by `spec_tint` towards a Schlick term whose R0
    /// is the base colour's hue times the dielectric R0.
    static func thinFresnel(dielectric: FloatArray, specTint: FloatArray, baseColor: Vector3Array,
                            luminance: FloatArray, cosThetaI: FloatArray, eta: FloatArray,
                            hasSpecTint: Bool) -> Vector3Array {
        var schlick = Vector3Array.constant(.zero)
        if hasSpecTint {
            let hue = PrincipledMath.hue(baseColor, luminance: luminance)
            schlick = PrincipledMath.schlick(hue * PrincipledMath.schlickR0(eta: eta), cosThetaI: cosThetaI, eta: eta)
        }
        return PrincipledMath.lerp(dielectric, schlick, specTint)
    }

    /// The half vector of wi (upper side) and wo mirrored to the upper side.
    private static func halfVector(wi: Vector3Array, wo: Vector3Array) -> Vector3Array {
        (wi + Vector3Array(x: wo.x, y: wo.y, z: abs(wo.z))).normalized()
    }

    /// f(wi, wo) |cos θo|: the specular reflection and transmission (with `spec_trans`), the diffuse lobe with
    /// retro-reflection, flattening and sheen, and the diffuse transmission; 0 at cos θi = 0.
    public func eval(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                     bindings: RenderBindings) -> Vector3Array {
        let cosI = si.wi.z
        let valid = active & (cosI .!= 0)
        let inputs = PrincipledThinInputs(self, si, active: valid, bindings: bindings)
        let baseColor = baseColor.eval(si, active: valid, bindings: bindings)
        let wi = mulsign(si.wi, cosI), woT = mulsign(wo, cosI)
        let cosThetaI = abs(cosI), cosThetaO = woT.z
        let reflects = cosThetaO .> 0, refracts = cosThetaO .< 0
        let wh = Self.halfVector(wi: wi, wo: woT)
        let specTrans = inputs.specTrans, diffTrans = inputs.diffTrans
        var value = Vector3Array.constant(.zero)
        if inputs.hasSpecTrans {
            let fresnel = PrincipledMath.fresnel(cosThetaI: wi.dot(wh), eta: inputs.eta).reflectance
            let reflectOn = valid & (specTrans .> 0) & reflects
                & PrincipledMath.compatible(m: wh, wi: wi, wo: woT, cosThetaI: wi.z, reflection: true)
            let hasSpecTint = PrincipledBSDF.isOn(specTint, bindings)
            let luminance = hasSpecTint ? PrincipledMath.luminance(baseColor) : .constant(1)
            let tint = hasSpecTint ? specTint.evalScalar(si, active: valid, bindings: bindings) : .constant(0)
            let thin = Self.thinFresnel(dielectric: fresnel, specTint: tint, baseColor: baseColor, luminance: luminance,
                                        cosThetaI: wi.dot(wh), eta: inputs.eta, hasSpecTint: hasSpecTint)
            let reflection = inputs.reflection
            let specular = thin * specTrans * reflection.eval(wh) * reflection.G(wi: wi, wo: woT, m: wh)
                / (4 * cosThetaI)
            value = value + select(reflectOn, specular, .constant(.zero))
            let transmitOn = valid & refracts & (specTrans .> 0)
                & PrincipledMath.compatible(m: wh, wi: wi, wo: woT, cosThetaI: wi.z, reflection: false)
            let transmission = inputs.transmission
            let transmitted = baseColor * specTrans * (1 - fresnel) * transmission.eval(wh)
                * transmission.G(wi: wi, wo: woT, m: wh) / (4 * cosThetaI)
            value = value + select(transmitOn, transmitted, .constant(.zero))
        }
        let diffuseOn = valid & reflects & (specTrans .< 1) & (diffTrans .< 1)
        let fo = PrincipledMath.schlickWeight(abs(cosThetaO)), fi = PrincipledMath.schlickWeight(cosThetaI)
        let diffuse = (1 - 0.5 * fi) * (1 - 0.5 * fo)
        let cosThetaD = wh.dot(woT)
        let rr = 2 * inputs.roughness * square(cosThetaD)
        var shape = diffuse + rr * (fo + fi + fo * fi * (rr - 1))
        if PrincipledBSDF.isOn(flatness, bindings) {
            let fss90 = rr / 2
            let fss = PrincipledMath.lerp(.constant(1), fss90, fo) * PrincipledMath.lerp(.constant(1), fss90, fi)
            let subsurface = 1.25 * (fss * (1 / (abs(cosThetaO) + abs(cosThetaI)) - 0.5) + 0.5)
            shape = PrincipledMath.lerp(shape, subsurface, flatness.evalScalar(si, active: valid, bindings: bindings))
        }
        let base = baseColor * ((1 - specTrans) * cosThetaO) * Float(1 / Double.pi) * ((1 - diffTrans) * shape)
        value = value + select(diffuseOn, base, .constant(.zero))
        if PrincipledBSDF.isOn(sheen, bindings) {
            let sheenValue = sheen.evalScalar(si, active: valid, bindings: bindings)
            let fd = PrincipledMath.schlickWeight(abs(cosThetaD))
            let weight = sheenValue * (1 - specTrans) * fd * (1 - diffTrans) * abs(cosThetaO)
            var lobe = Vector3Array(x: weight, y: weight, z: weight)
            if PrincipledBSDF.isOn(sheenTint, bindings) {
                let luminance = PrincipledMath.luminance(baseColor)
                let hue = PrincipledMath.hue(baseColor, luminance: luminance)
                lobe = lobe * PrincipledMath.lerp(.constant(1), hue, sheenTint.evalScalar(si, active: valid, bindings: bindings))
            }
            value = value + select(diffuseOn, lobe, .constant(.zero))
        }
        if inputs.hasDiffTrans {
            let transmitOn = valid & refracts & (specTrans .< 1) & (diffTrans .> 0)
            let transmitted = baseColor * ((1 - specTrans) * diffTrans) * Float(1 / Double.pi) * abs(cosThetaO)
            value = value + select(transmitOn, transmitted, .constant(.zero))
        }
        return select(valid, value, .constant(.zero))
    }

    /// The density of `sample`'s directions: each lobe's probability times its density (visible GGX normals through
    /// the reflection Jacobian for both specular lobes, cos θ / π for the diffuse ones).
    public func pdf(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                    bindings: RenderBindings) -> FloatArray {
        let cosI = si.wi.z
        let valid = active & (cosI .!= 0)
        let inputs = PrincipledThinInputs(self, si, active: valid, bindings: bindings)
        let wi = mulsign(si.wi, cosI), woT = mulsign(wo, cosI)
        let reflects = woT.z .> 0, refracts = woT.z .< 0
        let probability = inputs.probabilities(self)
        var result = FloatArray.constant(0)
        if inputs.hasSpecTrans {
            let woR = Vector3Array(x: woT.x, y: woT.y, z: abs(woT.z))
            let wh = (wi + woR).normalized()
            let jacobian = abs(rcp(4 * woR.dot(wh)))
            let reflectSides = PrincipledMath.compatible(m: wh, wi: wi, wo: woT, cosThetaI: wi.z, reflection: true)
                & reflects
            let transmitSides = PrincipledMath.compatible(m: wh, wi: wi, wo: woT, cosThetaI: wi.z, reflection: false)
                & refracts
            result = result + select(reflectSides,
                                     probability.specReflect * inputs.reflection.pdf(wi: wi, m: wh) * jacobian,
                                     .constant(0))
            result = result + select(transmitSides,
                                     probability.specTrans * inputs.transmission.pdf(wi: wi, m: wh) * jacobian,
                                     .constant(0))
        }
        result = result + select(reflects, probability.diffuseReflect * cosineHemispherePdf(woT), .constant(0))
        if inputs.hasDiffTrans {
            result = result + select(refracts, probability.diffuseTrans * cosineHemispherePdf(-woT), .constant(0))
        }
        return select(valid, result, .constant(0))
    }

    /// u1 picks a lobe in the order specular reflection, specular transmission, diffuse reflection, diffuse
    /// transmission; u2 draws a visible GGX normal (reflected about, and for transmission mirrored through the
    /// sheet) or a cosine-weighted direction (mirrored for transmission); all on the upper side, then turned to wi's.
    /// The pdf is `pdf` at the direction and the weight eval / pdf; eta is 1 (the sheet bends no ray).
    public func sample(_ si: SurfaceInteraction, u1: FloatArray, u2: Point2Array, active: BoolArray,
                       bindings: RenderBindings) -> BSDFSample {
        let cosI = si.wi.z
        var valid = active & (cosI .!= 0)
        let inputs = PrincipledThinInputs(self, si, active: valid, bindings: bindings)
        let wi = mulsign(si.wi, cosI)
        let probability = inputs.probabilities(self)
        let specReflectEnd = probability.specReflect
        let specTransEnd = specReflectEnd + probability.specTrans
        let diffuseEnd = specTransEnd + probability.diffuseReflect
        let cosine = squareToCosineHemisphere(u2)
        var wo = cosine
        if inputs.hasDiffTrans {
            wo = select(u1 .>= diffuseEnd, -cosine, wo)
        }
        if inputs.hasSpecTrans {
            let pickReflect = u1 .< specReflectEnd
            let pickTransmit = (u1 .>= specReflectEnd) & (u1 .< specTransEnd)
            let m = inputs.reflection.sample(wi: wi, u: u2).m
            let reflected = reflect(wi, about: m)
            let mt = inputs.transmission.sample(wi: wi, u: u2).m
            let mirrored = reflect(wi, about: mt)
            let transmitted = Vector3Array(x: mirrored.x, y: mirrored.y, z: -mirrored.z)
            wo = select(pickReflect, reflected, select(pickTransmit, transmitted, wo))
            valid = valid & (!pickReflect
                | (PrincipledMath.compatible(m: m, wi: wi, wo: reflected, cosThetaI: wi.z, reflection: true)
                   & (reflected.z .> 0)))
            valid = valid & (!pickTransmit
                | (PrincipledMath.compatible(m: mt, wi: wi, wo: transmitted, cosThetaI: wi.z, reflection: false)
                   & (transmitted.z .< 0)))
        }
        wo = mulsign(wo, cosI)
        let pdf = pdf(si, wo: wo, active: valid, bindings: bindings)
        valid = valid & (pdf .> 0)
        let weight = eval(si, wo: wo, active: valid, bindings: bindings) / pdf
        let lanes = Swift.max(si.wi.count, u1.count, u2.count, active.count)
        return BSDFSample(wo: wo, pdf: pdf, eta: FloatArray(repeating: 1, count: lanes),
                          weight: select(valid, weight, .constant(.zero)),
                          isDelta: BoolArray(repeating: false, count: lanes))
    }
}
