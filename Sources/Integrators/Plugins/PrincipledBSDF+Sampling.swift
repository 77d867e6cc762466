// Sampling the principled BSDF: the lobe probabilities, each lobe's direction, and the mixture's pdf.
import Tracer

/// The normalised probabilities of choosing each lobe, shared by `sample` and `pdf`. On the front side the main
/// reflection gets rate·(1 − bsdf(1 − F)), transmission rate·bsdf(1 − F), the clearcoat a quarter of its weight
/// times its rate, the diffuse lobe brdf times its rate; from the back only reflection (F) and transmission (1 − F).
struct PrincipledLobeProbabilities {
    var reflection: FloatArray
    var transmission: FloatArray
    var clearcoat: FloatArray
    var diffuse: FloatArray

    init(_ bsdf: PrincipledBSDF, _ inputs: PrincipledInputs, fresnel: FloatArray, frontSide: BoolArray) {
        let weight = inputs.bsdf
        let rate = bsdf.mainSpecularSamplingRate
        let zero = FloatArray.constant(0)
        reflection = select(frontSide, rate * (1 - weight * (1 - fresnel)), fresnel)
        transmission = inputs.hasSpecTrans ? select(frontSide, rate * weight * (1 - fresnel), 1 - fresnel) : zero
        clearcoat = inputs.hasClearcoat
            ? select(frontSide, 0.25 * inputs.clearcoat * bsdf.clearcoatSamplingRate, zero) : zero
        diffuse = select(frontSide, inputs.brdf * bsdf.diffuseReflectanceSamplingRate, zero)
        let normalization = rcp(reflection + transmission + clearcoat + diffuse)
        reflection = reflection * normalization
        transmission = transmission * normalization
        clearcoat = clearcoat * normalization
        diffuse = diffuse * normalization
    }
}

extension PrincipledBSDF {
    /// The density of `sample`'s directions: each lobe's probability times its density (visible GGX normals or GTR1
    /// normals, through the half vector's Jacobian; cos θo / π for the diffuse lobe), where wi and wo lie on the
    /// sides that lobe needs. 0 at cos θi = 0.
    public func pdf(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                    bindings: RenderBindings) -> FloatArray {
        let wi = si.wi
        let cosThetaI = wi.z, cosThetaO = wo.z
        let valid = active & (cosThetaI .!= 0)
        let inputs = PrincipledInputs(self, si, active: valid, bindings: bindings)
        let frontSide = cosThetaI .> 0
        let eta = inputs.eta
        let etaPath = select(frontSide, eta, rcp(eta))
        let reflects = cosThetaI * cosThetaO .> 0
        let refracts = cosThetaI * cosThetaO .< 0
        let h = Self.halfVector(wi: wi, wo: wo, reflects: reflects, etaPath: etaPath)
        let fresnel = PrincipledMath.fresnel(cosThetaI: wi.dot(h), eta: eta).reflectance
        let probability = PrincipledLobeProbabilities(self, inputs, fresnel: fresnel, frontSide: frontSide)

        let wiDotH = wi.dot(h), woDotH = wo.dot(h)
        let jacobian: FloatArray
        if inputs.hasSpecTrans {
            let transmitted = square(etaPath) * woDotH / square(wiDotH + etaPath * woDotH)
            jacobian = abs(select(reflects, rcp(4 * woDotH), transmitted))
        } else {
            jacobian = abs(rcp(4 * woDotH))
        }
        let normalDensity = inputs.distribution.pdf(wi: mulsign(wi, cosThetaI), m: h)
        let reflectionSides = PrincipledMath.compatible(m: h, wi: wi, wo: wo, cosThetaI: cosThetaI, reflection: true)
            & reflects
        var result = select(reflectionSides, probability.reflection * normalDensity * jacobian, .constant(0))
        result = result + select(reflects, probability.diffuse * cosineHemispherePdf(wo), .constant(0))
        if inputs.hasSpecTrans {
            let refractionSides = PrincipledMath.compatible(m: h, wi: wi, wo: wo, cosThetaI: cosThetaI,
                                                            reflection: false) & refracts
            result = result + select(refractionSides, probability.transmission * normalDensity * jacobian,
                                     .constant(0))
        }
        if inputs.hasClearcoat {
            let gloss = clearcoatGloss.evalScalar(si, active: valid, bindings: bindings)
            let coat = GTR1Distribution(alpha: PrincipledMath.lerp(.constant(0.1), .constant(0.001), gloss))
            result = result + select(reflectionSides, probability.clearcoat * coat.pdf(h) * jacobian, .constant(0))
        }
        return select(valid, result, .constant(0))
    }

    /// u1 picks a lobe by the probabilities (in the order diffuse, clearcoat, transmission, main reflection); u2
    /// draws a visible GGX normal (reflected or refracted about), a GTR1 normal, or a cosine-weighted direction. The
    /// pdf is `pdf` of the mixture at that direction and the weight eval / pdf; eta is η_it for a refraction, else 1.
    /// Invalid (weight 0) at cos θi = 0, from the back without transmission, where the direction lands on the wrong
    /// side of the surface or the microfacet, or where the pdf is 0.
    public func sample(_ si: SurfaceInteraction, u1: FloatArray, u2: Point2Array, active: BoolArray,
                       bindings: RenderBindings) -> BSDFSample {
        let wi = si.wi
        let cosThetaI = wi.z
        var valid = active & (cosThetaI .!= 0)
        let inputs = PrincipledInputs(self, si, active: valid, bindings: bindings)
        let frontSide = cosThetaI .> 0
        let m = inputs.distribution.sample(wi: mulsign(wi, cosThetaI), u: u2).m
        let fresnel = PrincipledMath.fresnel(cosThetaI: wi.dot(m), eta: inputs.eta)
        valid = valid & (frontSide | (inputs.bsdf .> 0))
        let probability = PrincipledLobeProbabilities(self, inputs, fresnel: fresnel.reflectance,
                                                      frontSide: frontSide)

        // Lobe choice by cumulative probability: diffuse, clearcoat, transmission, then the main reflection.
        let diffuseEnd = probability.diffuse
        let clearcoatEnd = diffuseEnd + probability.clearcoat
        let transmissionEnd = clearcoatEnd + probability.transmission
        let pickDiffuse = u1 .< diffuseEnd
        let pickClearcoat = inputs.hasClearcoat ? (u1 .>= diffuseEnd) & (u1 .< clearcoatEnd) : false
        let pickTransmission = inputs.hasSpecTrans
            ? (u1 .>= clearcoatEnd) & (u1 .< transmissionEnd) : false
        let pickReflection = u1 .>= transmissionEnd

        let reflected = reflect(wi, about: m)
        var wo = select(pickReflection, reflected, .constant(.zero))
        var sideOK = !pickReflection
            | (PrincipledMath.compatible(m: m, wi: wi, wo: reflected, cosThetaI: cosThetaI, reflection: true)
               & (cosThetaI * reflected.z .> 0))
        var eta = FloatArray.constant(1)
        if inputs.hasSpecTrans {
            // Refraction through m: (wi·m η_ti + cos θt) m − η_ti wi.
            let refracted = fma(m, fma(wi.dot(m), fresnel.etaTI, fresnel.cosThetaT), -(wi * fresnel.etaTI))
            wo = select(pickTransmission, refracted, wo)
            eta = select(pickTransmission, fresnel.etaIT, eta)
            sideOK = sideOK & (!pickTransmission
                | (PrincipledMath.compatible(m: m, wi: wi, wo: refracted, cosThetaI: cosThetaI, reflection: false)
                   & (cosThetaI * refracted.z .< 0)))
        }
        if inputs.hasClearcoat {
            let gloss = clearcoatGloss.evalScalar(si, active: valid, bindings: bindings)
            let coatNormal = GTR1Distribution(alpha: PrincipledMath.lerp(.constant(0.1), .constant(0.001), gloss))
                .sample(u2)
            let coated = reflect(wi, about: coatNormal)
            wo = select(pickClearcoat, coated, wo)
            sideOK = sideOK & (!pickClearcoat
                | (PrincipledMath.compatible(m: coatNormal, wi: wi, wo: coated, cosThetaI: cosThetaI, reflection: true)
                   & (cosThetaI * coated.z .> 0)))
        }
        let cosine = squareToCosineHemisphere(u2)
        wo = select(pickDiffuse, cosine, wo)
        sideOK = sideOK & (!pickDiffuse | (cosThetaI * cosine.z .> 0))
        valid = valid & sideOK

        let pdf = pdf(si, wo: wo, active: valid, bindings: bindings)
        valid = valid & (pdf .> 0)
        let weight = eval(si, wo: wo, active: valid, bindings: bindings) / pdf
        let lanes = Swift.max(wi.count, u1.count, u2.count, active.count)
        return BSDFSample(wo: wo, pdf: pdf, eta: eta + FloatArray(repeating: 0, count: lanes),
                          weight: select(valid, weight, .constant(.zero)),
                          isDelta: BoolArray(repeating: false, count: lanes))
    }
}
