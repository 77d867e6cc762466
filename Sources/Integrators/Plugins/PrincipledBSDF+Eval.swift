// The value of the principled BSDF: main reflection and transmission, clearcoat, diffuse with retro-reflection,
// flattening and sheen, each under the masks Mitsuba evaluates it with.
import Tracer

extension PrincipledBSDF {
    /// The half vector of wi and wo, turned outwards: wi + wo for reflection, wi + η_path wo for refraction (η_path
    /// the index seen from wi's side). It is turned by a select on h.z's sign bit (−0 counting as negative, as
    /// Dr.Jit's `mulsign`) rather than by flipping bits, so that derivatives w.r.t. η pass through it.
    static func halfVector(wi: Vector3Array, wo: Vector3Array, reflects: BoolArray,
                           etaPath: FloatArray) -> Vector3Array {
        let h = (wi + wo * select(reflects, .constant(1), etaPath)).normalized()
        let below = (UInt32Array(bitPattern: h.z) & 0x8000_0000) .!= 0
        return select(below, Vector3Array(x: -h.x, y: -h.y, z: -h.z), h)
    }

    /// f(wi, wo) |cos θo| in radiance mode, the sum of the lobes; 0 at cos θi = 0.
    public func eval(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                     bindings: RenderBindings) -> Vector3Array {
        let wi = si.wi
        let cosThetaI = wi.z, cosThetaO = wo.z
        let valid = active & (cosThetaI .!= 0)
        let inputs = PrincipledInputs(self, si, active: valid, bindings: bindings)
        let hasSheen = Self.isOn(sheen, bindings), hasSheenTint = Self.isOn(sheenTint, bindings)
        let hasSpecTint = Self.isOn(specTint, bindings), hasFlatness = Self.isOn(flatness, bindings)
        let baseColor = baseColor.eval(si, active: valid, bindings: bindings)
        let brdf = inputs.brdf, bsdf = inputs.bsdf, metallic = inputs.metallic

        let reflects = cosThetaI * cosThetaO .> 0
        let refracts = cosThetaI * cosThetaO .< 0
        let frontSide = cosThetaI .> 0
        let eta = inputs.eta, inverseEta = rcp(eta)
        let etaPath = select(frontSide, eta, inverseEta), inverseEtaPath = select(frontSide, inverseEta, eta)
        let h = Self.halfVector(wi: wi, wo: wo, reflects: reflects, etaPath: etaPath)
        let wiDotH = wi.dot(h), woDotH = wo.dot(h)
        let fresnel = PrincipledMath.fresnel(cosThetaI: wiDotH, eta: eta).reflectance
        let reflectionSides = PrincipledMath.compatible(m: h, wi: wi, wo: wo, cosThetaI: cosThetaI, reflection: true)
        let refractionSides = PrincipledMath.compatible(m: h, wi: wi, wo: wo, cosThetaI: cosThetaI, reflection: false)

        let distribution = inputs.distribution
        let density = distribution.eval(h)
        let shadowing = distribution.G(wi: wi, wo: wo, m: h)
        var value = Vector3Array.constant(.zero)

        // The main reflection, with the principled Fresnel mix.
        let specularOn = valid & reflects & reflectionSides & (fresnel .> 0)
        let luminance = hasSpecTint ? PrincipledMath.luminance(baseColor) : .constant(1)
        let tint = hasSpecTint ? specTint.evalScalar(si, active: valid, bindings: bindings) : .constant(0)
        let mixed = principledFresnel(dielectric: fresnel, metallic: metallic, specTint: tint, baseColor: baseColor,
                                      luminance: luminance, cosThetaI: wiDotH, frontSide: frontSide, bsdf: bsdf,
                                      eta: eta, hasMetallic: inputs.hasMetallic, hasSpecTint: hasSpecTint)
        let specular = mixed * (density * shadowing / (4 * abs(cosThetaI)))
        value = value + select(specularOn, specular, .constant(.zero))

        // The main transmission, scaled by 1/η² for radiance (solid-angle compression).
        if inputs.hasSpecTrans {
            let transmissionOn = valid & (bsdf .> 0) & refracts & refractionSides & (fresnel .< 1)
            let scale = square(inverseEtaPath)
            let factor = abs(scale * (1 - fresnel) * density * shadowing * etaPath * etaPath * wiDotH * woDotH
                                 / (cosThetaI * square(wiDotH + etaPath * woDotH)))
            let tinted = Vector3Array(x: sqrt(baseColor.x), y: sqrt(baseColor.y), z: sqrt(baseColor.z))
            value = value + select(transmissionOn, tinted * (bsdf * factor), .constant(.zero))
        }

        // The clearcoat: Schlick with R0 = 0.04, GTR1, and a fixed-roughness (0.25) GGX masking.
        if inputs.hasClearcoat {
            let clearcoatOn = valid & (inputs.clearcoat .> 0) & reflects & reflectionSides & frontSide
            let gloss = clearcoatGloss.evalScalar(si, active: valid, bindings: bindings)
            let fresnelCC = PrincipledMath.schlick(.constant(0.04), cosThetaI: wiDotH, eta: eta)
            let densityCC = GTR1Distribution(alpha: PrincipledMath.lerp(.constant(0.1), .constant(0.001), gloss))
                .eval(h)
            let shadowingCC = PrincipledMath.smithGGX1(wi, h, alpha: 0.25) * PrincipledMath.smithGGX1(wo, h, alpha: 0.25)
            let coat = (inputs.clearcoat * 0.25) * fresnelCC * densityCC * shadowingCC * abs(cosThetaO)
            value = value + select(clearcoatOn, Vector3Array(x: coat, y: coat, z: coat), .constant(.zero))
        }

        // The diffuse base with retro-reflection, optionally flattened towards the fake subsurface term.
        let diffuseOn = valid & (brdf .> 0) & reflects & frontSide
        let fo = PrincipledMath.schlickWeight(abs(cosThetaO)), fi = PrincipledMath.schlickWeight(abs(cosThetaI))
        let diffuse = (1 - 0.5 * fi) * (1 - 0.5 * fo)
        let cosThetaD = h.dot(wo)
        let rr = 2 * inputs.roughness * square(cosThetaD)
        let retro = rr * (fo + fi + fo * fi * (rr - 1))
        var shape = diffuse + retro
        if hasFlatness {
            let fss90 = rr / 2
            let fss = PrincipledMath.lerp(.constant(1), fss90, fo) * PrincipledMath.lerp(.constant(1), fss90, fi)
            let subsurface = 1.25 * (fss * (1 / (abs(cosThetaO) + abs(cosThetaI)) - 0.5) + 0.5)
            shape = PrincipledMath.lerp(shape, subsurface, flatness.evalScalar(si, active: valid, bindings: bindings))
        }
        let base = baseColor * (brdf * abs(cosThetaO)) * (Float(1 / Double.pi) * shape)
        value = value + select(diffuseOn, base, .constant(.zero))

        // The sheen, at grazing half-vector angles, optionally tinted towards the base colour's hue.
        if hasSheen {
            let sheenValue = sheen.evalScalar(si, active: valid, bindings: bindings)
            let sheenOn = valid & (sheenValue .> 0) & reflects & (1 - metallic .> 0) & frontSide
            let fd = PrincipledMath.schlickWeight(abs(cosThetaD))
            let weight = sheenValue * (1 - metallic) * fd * abs(cosThetaO)
            var lobe = Vector3Array(x: weight, y: weight, z: weight)
            if hasSheenTint {
                let luminance = PrincipledMath.luminance(baseColor)
                let hue = PrincipledMath.hue(baseColor, luminance: luminance)
                lobe = lobe * PrincipledMath.lerp(.constant(1), hue, sheenTint.evalScalar(si, active: valid, bindings: bindings))
            }
            value = value + select(sheenOn, lobe, .constant(.zero))
        }
        return select(valid, value, .constant(.zero))
    }

    /// The main lobe's Fresnel: on the front side the dielectric term weighted by (1 − metallic)(1 − spec_tint),
    /// plus metallic times Schlick with R0 = base colour, plus (1 − metallic) spec_tint times Schlick with R0 = the
    /// base colour's hue times the dielectric R0; from the back, the dielectric term times the transmissive weight.
    func principledFresnel(dielectric: FloatArray, metallic: FloatArray, specTint: FloatArray, baseColor: Vector3Array,
                           luminance: FloatArray, cosThetaI: FloatArray, frontSide: BoolArray, bsdf: FloatArray,
                           eta: FloatArray, hasMetallic: Bool, hasSpecTint: Bool) -> Vector3Array {
        let outside = cosThetaI .>= 0
        let etaIT = select(outside, eta, rcp(eta))
        var schlick = Vector3Array.constant(.zero)
        if hasMetallic {
            schlick = schlick + PrincipledMath.schlick(baseColor, cosThetaI: cosThetaI, eta: eta) * metallic
        }
        if hasSpecTint {
            let hue = PrincipledMath.hue(baseColor, luminance: luminance)
            let r0 = hue * PrincipledMath.schlickR0(eta: etaIT)
            schlick = schlick + PrincipledMath.schlick(r0, cosThetaI: cosThetaI, eta: eta) * ((1 - metallic) * specTint)
        }
        let front = schlick + (1 - metallic) * (1 - specTint) * dielectric
        let back = bsdf * dielectric
        return select(frontSide, front, Vector3Array(x: back, y: back, z: back))
    }
}
