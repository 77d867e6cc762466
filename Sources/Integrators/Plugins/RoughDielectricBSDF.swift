// Mitsuba's `roughdielectric` BSDF: Walter et al.'s microfacet model of a rough interface between two dielectrics.
import Tracer

/// A rough glass surface: microfacets (Beckmann or GGX) that each reflect or refract like a smooth dielectric.
/// Reflection is F D G / (4 |cos θi|) about the half vector h = wi + wo; transmission is
/// (1 − F) D G η² |wi·h| |wo·h| / (|cos θi| (wi·h + η wo·h)²) / η² (radiance is compressed when it enters the
/// denser side) about the generalised half vector h ∝ wi + η wo. Both sides of the surface are active: from below,
/// the relative index is inverted. Sampling draws a microfacet normal (visible ones by default), then reflection
/// with probability F and refraction otherwise.
public struct RoughDielectricBSDF: BSDF {
    /// Beckmann or GGX.
    public let distribution: MicrofacetType
    /// The roughness αu, αv: textures read at each hit (a constant is a `UniformTexture` of shape [1]).
    public let roughness: MicrofacetRoughness
    /// Whether sampling draws visible normals (Mitsuba's `sample_visible`, default true).
    public let sampleVisible: Bool
    /// The interior index of refraction (Mitsuba's `int_ior`).
    public let interiorIOR: Float
    /// The exterior index of refraction (Mitsuba's `ext_ior`).
    public let exteriorIOR: Float
    /// The relative index η = int_ior / ext_ior, shape [1]: a parameter ("eta") that may be set or differentiated.
    public let eta: ParameterSlot
    /// An optional factor on the reflected part (Mitsuba's `specular_reflectance`: absent unless given).
    public let specularReflectance: (any Texture)?
    /// An optional factor on the transmitted part (Mitsuba's `specular_transmittance`: absent unless given).
    public let specularTransmittance: (any Texture)?

    /// An isotropic rough interface of roughness α ≥ 0 (Mitsuba's defaults: Beckmann, α = 0.1, bk7 inside air).
    public init(distribution: MicrofacetType = .beckmann, alpha: Float = 0.1, sampleVisible: Bool = true,
                interiorIOR: Float = 1.5046, exteriorIOR: Float = 1.000277,
                specularReflectance: (any Texture)? = nil, specularTransmittance: (any Texture)? = nil) {
        precondition(alpha >= 0 && alpha.isFinite, "RoughDielectricBSDF: alpha must be finite and ≥ 0, got \(alpha)")
        self.init(distribution: distribution, roughness: MicrofacetRoughness(constant: alpha, nil),
                  sampleVisible: sampleVisible, interiorIOR: interiorIOR, exteriorIOR: exteriorIOR,
                  specularReflectance: specularReflectance, specularTransmittance: specularTransmittance)
    }

    /// An anisotropic rough interface of roughnesses αu, αv ≥ 0.
    public init(distribution: MicrofacetType = .beckmann, alphaU: Float, alphaV: Float, sampleVisible: Bool = true,
                interiorIOR: Float = 1.5046, exteriorIOR: Float = 1.000277,
                specularReflectance: (any Texture)? = nil, specularTransmittance: (any Texture)? = nil) {
        precondition(alphaU >= 0 && alphaU.isFinite && alphaV >= 0 && alphaV.isFinite,
                     "RoughDielectricBSDF: alpha_u and alpha_v must be finite and ≥ 0, got \(alphaU), \(alphaV)")
        self.init(distribution: distribution, roughness: MicrofacetRoughness(constant: alphaU, alphaV),
                  sampleVisible: sampleVisible, interiorIOR: interiorIOR, exteriorIOR: exteriorIOR,
                  specularReflectance: specularReflectance, specularTransmittance: specularTransmittance)
    }

    /// A rough interface whose roughness is given by textures (Mitsuba's textured `alpha`, `alpha_u`, `alpha_v`).
    public init(distribution: MicrofacetType = .beckmann, roughness: MicrofacetRoughness, sampleVisible: Bool = true,
                interiorIOR: Float = 1.5046, exteriorIOR: Float = 1.000277,
                specularReflectance: (any Texture)? = nil, specularTransmittance: (any Texture)? = nil) {
        precondition(interiorIOR > 0 && exteriorIOR > 0 && interiorIOR != exteriorIOR,
                     "RoughDielectricBSDF: the indices must be positive and differ, got \(interiorIOR), \(exteriorIOR)")
        self.distribution = distribution
        self.roughness = roughness
        self.sampleVisible = sampleVisible
        self.interiorIOR = interiorIOR
        self.exteriorIOR = exteriorIOR
        eta = ParameterSlot(value: FloatArray([interiorIOR / exteriorIOR]), shape: [1])
        self.specularReflectance = specularReflectance
        self.specularTransmittance = specularTransmittance
    }

    /// The texture of αu (of α when isotropic).
    public var alphaU: any Texture { roughness.alphaU }
    /// The texture of αv (the same as `alphaU` when isotropic).
    public var alphaV: any Texture { roughness.alphaV }

    /// True when one roughness serves both axes (Mitsuba's `alpha`).
    public var isIsotropic: Bool { roughness.isIsotropic }

    /// Glossy reflection and glossy transmission, on both sides.
    public var flags: BSDFFlags { [.glossyReflection, .glossyTransmission, .frontSide, .backSide] }

    /// Whether any of its textures reads uv.
    public var readsSurfaceCoordinates: Bool {
        roughness.readsSurfaceCoordinates || (specularReflectance?.readsSurfaceCoordinates ?? false)
            || (specularTransmittance?.readsSurfaceCoordinates ?? false)
    }

    /// The microfacet distribution with the roughness at each valid hit (see `MicrofacetRoughness.distribution`).
    /// The roughness carries derivatives only on the lanes of `tracked`: elsewhere (inactive lanes, whose
    /// directions may be degenerate) intermediate values can be infinite or NaN.
    func microfacets(_ si: SurfaceInteraction, tracked: BoolArray, bindings: RenderBindings) -> MicrofacetDistribution {
        roughness.distribution(distribution, sampleVisible: sampleVisible, at: si, tracked: tracked, bindings: bindings)
    }

    /// The single value of `slot` on every valid surface lane, carrying derivatives only on `tracked` lanes (see
    /// `microfacets`).
    private func read(_ slot: ParameterSlot, _ si: SurfaceInteraction, tracked: BoolArray,
                      _ bindings: RenderBindings) -> FloatArray {
        let value = bindings.value(of: slot).gather(UInt32Array(repeating: 0), mask: si.isValid)
        return value.requiresGradient ? select(tracked, value, value.detached()) : value
    }

    /// The distribution normals are drawn from. Without visible-normal sampling the roughness is widened by
    /// 1.2 − 0.2 √|cos θi| (Walter et al.'s remedy for large sample weights at grazing incidence), as Mitsuba does.
    private func samplingMicrofacets(_ distribution: MicrofacetDistribution, cosThetaI: FloatArray)
        -> MicrofacetDistribution {
        guard !sampleVisible else { return distribution }
        var widened = distribution
        let factor = 1.2 - 0.2 * sqrt(abs(cosThetaI))
        widened.alphaU = widened.alphaU * factor
        widened.alphaV = widened.alphaV * factor
        return widened
    }

    /// The half vector of wi and wo, turned into the upper hemisphere: wi + wo for reflection, wi + η wo for
    /// transmission (η the relative index seen from wi's side).
    private func halfVector(wi: Vector3Array, wo: Vector3Array, reflects: BoolArray, eta: FloatArray) -> Vector3Array {
        let scale = select(reflects, .constant(1), eta)
        let m = (wi + wo * scale).normalized()
        return mulsign(m, m.z)
    }

    /// The relative index seen from wi's side: η above the surface, 1/η below.
    private func relativeIndex(_ eta: FloatArray, cosThetaI: FloatArray) -> (eta: FloatArray, inverse: FloatArray) {
        let above = cosThetaI .> 0
        let inverse = 1 / eta
        return (select(above, eta, inverse), select(above, inverse, eta))
    }

    /// The Jacobian |∂h/∂wo|: 1/(4 wo·h) for reflection, η² (wo·h) / (wi·h + η wo·h)² for transmission.
    private func halfVectorJacobian(reflects: BoolArray, wiDotM: FloatArray, woDotM: FloatArray,
                                    eta: FloatArray) -> FloatArray {
        let transmitted = eta * eta * woDotM / square(wiDotM + eta * woDotM)
        return select(reflects, rcp(4 * woDotM), transmitted)
    }

    /// A microfacet normal m from u2 (drawn for wi flipped into the upper hemisphere), then reflection about m if
    /// u1 ≤ F(wi·m) and refraction through m otherwise. The pdf includes the lobe probability F or 1 − F; the
    /// weight is the lobe's factor (η_ti² for refraction, times the optional textures) times G1(wo, m) for visible
    /// normals (G(wi, wo, m)(wi·m)/(cos θi cos θm) otherwise). Invalid (weight 0) at cos θi = 0 or where the
    /// normal's pdf is 0.
    public func sample(_ si: SurfaceInteraction, u1: FloatArray, u2: Point2Array, active: BoolArray,
                       bindings: RenderBindings) -> BSDFSample {
        let wi = si.wi
        let cosThetaI = wi.z
        var valid = active & (cosThetaI .!= 0)
        let microfacets = microfacets(si, tracked: valid, bindings: bindings)
        let sampler = samplingMicrofacets(microfacets, cosThetaI: cosThetaI)
        let (m, normalPDF) = sampler.sample(wi: mulsign(wi, cosThetaI), u: u2)
        valid = valid & (normalPDF .!= 0)

        let wiDotM = wi.dot(m)
        let fresnel = DielectricBSDF.fresnel(cosThetaI: wiDotM, eta: read(eta, si, tracked: valid, bindings))
        let reflects = (u1 .<= fresnel.reflectance) & valid
        let lobePDF = select(reflects, fresnel.reflectance, 1 - fresnel.reflectance).detached()
        let sampledEta = select(reflects, .constant(1), fresnel.etaIT)

        let reflected = reflect(wi, about: m)
        // Refraction through m: (wi·m η_ti + cos θt) m − η_ti wi.
        let refracted = fma(m, fma(wiDotM, fresnel.etaTI, fresnel.cosThetaT), -(wi * fresnel.etaTI))
        let wo = select(reflects, reflected, refracted)
        let woDotM = wo.dot(m)
        let jacobian = halfVectorJacobian(reflects: reflects, wiDotM: wiDotM, woDotM: woDotM, eta: sampledEta)

        let ones = Vector3Array.constant(Vector3f(1, 1, 1))
        let reflectionFactor = specularReflectance?.eval(si, active: si.isValid, bindings: bindings) ?? ones
        let compression = fresnel.etaTI * fresnel.etaTI
        let transmissionFactor = (specularTransmittance?.eval(si, active: si.isValid,
                                                              bindings: bindings) ?? ones) * compression
        let lobeWeight = select(reflects, reflectionFactor, transmissionFactor)
        let shadowing = sampleVisible
            ? microfacets.smithG1(wo, m)
            : microfacets.G(wi: wi, wo: wo, m: m) * wiDotM / (cosThetaI * m.z)
        let weight = lobeWeight * shadowing
        let lanes = Swift.max(wi.count, u1.count, u2.count, active.count)
        return BSDFSample(wo: wo, pdf: normalPDF * lobePDF * abs(jacobian), eta: sampledEta,
                          weight: select(valid, weight, .constant(.zero)),
                          isDelta: BoolArray(repeating: false, count: lanes))
    }

    /// The BSDF times |cos θo|: F D G / (4 |cos θi|) where wi and wo lie on the same side, the transmitted
    /// (1 − F) part otherwise; 0 at cos θi = 0.
    public func eval(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                     bindings: RenderBindings) -> Vector3Array {
        let wi = si.wi
        let cosThetaI = wi.z
        let valid = active & (cosThetaI .!= 0)
        let reflects = cosThetaI * wo.z .> 0
        let interfaceEta = read(self.eta, si, tracked: valid, bindings)
        let (eta, inverseEta) = relativeIndex(interfaceEta, cosThetaI: cosThetaI)
        let m = halfVector(wi: wi, wo: wo, reflects: reflects, eta: eta)
        let microfacets = microfacets(si, tracked: valid, bindings: bindings)
        let density = microfacets.eval(m)
        let wiDotM = wi.dot(m), woDotM = wo.dot(m)
        let fresnel = DielectricBSDF.fresnel(cosThetaI: wiDotM, eta: interfaceEta).reflectance
        let shadowing = microfacets.G(wi: wi, wo: wo, m: m)

        let reflected = fresnel * density * shadowing / (4 * abs(cosThetaI))
        let transmitted = abs(square(inverseEta) * (1 - fresnel) * density * shadowing * eta * eta * wiDotM * woDotM
                                  / (cosThetaI * square(wiDotM + eta * woDotM)))
        var reflection = Vector3Array(x: reflected, y: reflected, z: reflected)
        if let specularReflectance { reflection = reflection * specularReflectance.eval(si, active: si.isValid,
                                                                                        bindings: bindings) }
        var transmission = Vector3Array(x: transmitted, y: transmitted, z: transmitted)
        if let specularTransmittance {
            transmission = transmission * specularTransmittance.eval(si, active: si.isValid, bindings: bindings)
        }
        return select(valid, select(reflects, reflection, transmission), .constant(.zero))
    }

    /// The density of `sample`'s directions: the normal's pdf (for wi flipped up, with the widened roughness when
    /// normals are not visible-sampled) times F or 1 − F times the half-vector Jacobian; 0 where wi or wo sees
    /// the back of the microfacet.
    public func pdf(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                    bindings: RenderBindings) -> FloatArray {
        let wi = si.wi
        let cosThetaI = wi.z, cosThetaO = wo.z
        let reflects = cosThetaI * cosThetaO .> 0
        let interfaceEta = read(self.eta, si, tracked: active & (cosThetaI .!= 0), bindings)
        let (eta, _) = relativeIndex(interfaceEta, cosThetaI: cosThetaI)
        let m = halfVector(wi: wi, wo: wo, reflects: reflects, eta: eta)
        let wiDotM = wi.dot(m), woDotM = wo.dot(m)
        let valid = active & (cosThetaI .!= 0) & (wiDotM * cosThetaI .> 0) & (woDotM * cosThetaO .> 0)
        let jacobian = halfVectorJacobian(reflects: reflects, wiDotM: wiDotM, woDotM: woDotM, eta: eta)

        let sampler = samplingMicrofacets(microfacets(si, tracked: valid, bindings: bindings), cosThetaI: cosThetaI)
        let normalPDF = sampler.pdf(wi: mulsign(wi, cosThetaI), m: m)
        let fresnel = DielectricBSDF.fresnel(cosThetaI: wiDotM, eta: interfaceEta).reflectance
        let result = normalPDF * select(reflects, fresnel, 1 - fresnel) * abs(jacobian)
        return select(valid, result, .constant(0))
    }

    /// Mitsuba's keys, in its order: "eta", the roughness ("alpha.value", or "alpha_u.value" and "alpha_v.value";
    /// a texture's keys under them, e.g. "alpha.data"), then "specular_reflectance.value" and
    /// "specular_transmittance.value" when given.
    public var parameters: [(key: String, slot: ParameterSlot)] {
        var result: [(key: String, slot: ParameterSlot)] = [("eta", eta)]
        result += roughness.parameters
        result += specularReflectance?.parameters.map { ("specular_reflectance." + $0.key, $0.slot) } ?? []
        result += specularTransmittance?.parameters.map { ("specular_transmittance." + $0.key, $0.slot) } ?? []
        return result
    }
}
