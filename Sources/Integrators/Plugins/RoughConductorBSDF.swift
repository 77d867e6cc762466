// Mitsuba's `roughconductor` BSDF: a Torrance–Sparrow microfacet metal (Beckmann or GGX) with conductor Fresnel.
import Tracer

/// A rough metal: f(wi, wo) = F(wi·h) D(h) G(wi, wo, h) / (4 cos θi cos θo) with h the half vector, sampled by
/// microfacet normals (visible ones by default) reflected about. One-sided: black seen from the back.
public struct RoughConductorBSDF: BSDF {
    /// Beckmann or GGX.
    public let distribution: MicrofacetType
    /// The roughness αu, αv: textures read at each hit (a constant is a `UniformTexture` of shape [1]).
    public let roughness: MicrofacetRoughness
    /// Whether sampling draws visible normals (Mitsuba's `sample_visible`, default true).
    public let sampleVisible: Bool
    /// The complex index of refraction η + ik.
    public let ior: ConductorIOR
    /// An optional scale on the reflectance (Mitsuba's `specular_reflectance`: absent unless given).
    public let specularReflectance: (any Texture)?

    /// An isotropic rough conductor of roughness α ≥ 0 (Mitsuba's defaults: Beckmann, α = 0.1, material "none").
    public init(distribution: MicrofacetType = .beckmann, alpha: Float = 0.1, sampleVisible: Bool = true,
                ior: ConductorIOR = ConductorIOR(), specularReflectance: (any Texture)? = nil) {
        precondition(alpha >= 0 && alpha.isFinite, "RoughConductorBSDF: alpha must be finite and ≥ 0, got \(alpha)")
        self.init(distribution: distribution, roughness: MicrofacetRoughness(constant: alpha, nil),
                  sampleVisible: sampleVisible, ior: ior, specularReflectance: specularReflectance)
    }

    /// An anisotropic rough conductor of roughnesses αu, αv ≥ 0.
    public init(distribution: MicrofacetType = .beckmann, alphaU: Float, alphaV: Float, sampleVisible: Bool = true,
                ior: ConductorIOR = ConductorIOR(), specularReflectance: (any Texture)? = nil) {
        precondition(alphaU >= 0 && alphaU.isFinite && alphaV >= 0 && alphaV.isFinite,
                     "RoughConductorBSDF: alpha_u and alpha_v must be finite and ≥ 0, got \(alphaU), \(alphaV)")
        self.init(distribution: distribution, roughness: MicrofacetRoughness(constant: alphaU, alphaV),
                  sampleVisible: sampleVisible, ior: ior, specularReflectance: specularReflectance)
    }

    /// A rough conductor whose roughness is given by textures (Mitsuba's textured `alpha`, `alpha_u`, `alpha_v`).
    public init(distribution: MicrofacetType = .beckmann, roughness: MicrofacetRoughness, sampleVisible: Bool = true,
                ior: ConductorIOR = ConductorIOR(), specularReflectance: (any Texture)? = nil) {
        self.distribution = distribution
        self.roughness = roughness
        self.sampleVisible = sampleVisible
        self.ior = ior
        self.specularReflectance = specularReflectance
    }

    /// The texture of αu (of α when isotropic).
    public var alphaU: any Texture { roughness.alphaU }
    /// The texture of αv (the same as `alphaU` when isotropic).
    public var alphaV: any Texture { roughness.alphaV }

    /// True when one roughness serves both axes (Mitsuba's `alpha`).
    public var isIsotropic: Bool { roughness.isIsotropic }

    /// Glossy reflection on the front side.
    public var flags: BSDFFlags { [.glossyReflection, .frontSide] }

    /// One microfacet lobe: the weight F G / G1 (or F G wi·m / (wi·n m·n) without visible normals) is its value over
    /// its pdf.
    public var sampleWeightIsValueOverPDF: Bool { true }
    /// Whether any of its textures reads uv.
    public var readsSurfaceCoordinates: Bool {
        roughness.readsSurfaceCoordinates || ior.readsSurfaceCoordinates
            || (specularReflectance?.readsSurfaceCoordinates ?? false)
    }

    /// The microfacet distribution with the roughness at each valid hit (see `MicrofacetRoughness.distribution`);
    /// derivatives only on the lanes of `tracked` (by default all).
    func microfacets(_ si: SurfaceInteraction, tracked: BoolArray? = nil, bindings: RenderBindings)
        -> MicrofacetDistribution {
        roughness.distribution(distribution, sampleVisible: sampleVisible, at: si, tracked: tracked,
                               bindings: bindings)
    }

    /// F·specular_reflectance, RGB, for a microfacet at cosine `cosThetaI` from wi.
    private func reflectance(_ si: SurfaceInteraction, cosThetaI: FloatArray,
                             bindings: RenderBindings) -> Vector3Array {
        let fresnel = ior.reflectance(si, cosThetaI: cosThetaI, bindings: bindings)
        guard let specularReflectance else { return fresnel }
        return fresnel * specularReflectance.eval(si, active: si.isValid, bindings: bindings)
    }

    /// A microfacet normal m from u2 (u1 is ignored), wo = wi mirrored about m, pdf = pdf(m)/(4 wo·m), and weight
    /// F(wi·m)·G1(wo, m) for visible normals (F·G(wi, wo, m)(wi·m)/(cos θi cos θm) otherwise). Invalid (weight 0)
    /// where cos θi ≤ 0, the normal's pdf is 0 or wo falls below the surface.
    public func sample(_ si: SurfaceInteraction, u1: FloatArray, u2: Point2Array, active: BoolArray,
                       bindings: RenderBindings) -> BSDFSample {
        let wi = si.wi
        let lanes = Swift.max(wi.count, u2.count, active.count)
        let cosThetaI = wi.z
        let microfacets = microfacets(si, bindings: bindings)
        let (m, normalPDF) = microfacets.sample(wi: wi, u: u2)
        let wo = reflect(wi, about: m)
        let valid = active & (cosThetaI .> 0) & (normalPDF .!= 0) & (wo.z .> 0)

        let shadowing = sampleVisible
            ? microfacets.smithG1(wo, m)
            : microfacets.G(wi: wi, wo: wo, m: m) * wi.dot(m) / (cosThetaI * m.z)
        // The Jacobian of reflecting about m turns the normal's density into wo's.
        let pdf = normalPDF / (4 * wo.dot(m))
        let weight = reflectance(si, cosThetaI: wi.dot(m), bindings: bindings) * shadowing
        return .reflection(wo: wo, pdf: pdf, weight: weight, valid: valid, lanes: lanes)
    }

    /// F(wi·h) D(h) G(wi, wo, h) / (4 cos θi) (the BSDF times cos θo) where both cosines are positive and D(h) > 0,
    /// else 0.
    public func eval(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                     bindings: RenderBindings) -> Vector3Array {
        let wi = si.wi
        let h = (wo + wi).normalized()
        let microfacets = microfacets(si, tracked: active & (wi.z .> 0) & (wo.z .> 0), bindings: bindings)
        let density = microfacets.eval(h)
        let valid = active & (wi.z .> 0) & (wo.z .> 0) & (density .!= 0)
        let shadowing = microfacets.G(wi: wi, wo: wo, m: h)
        let value = density * shadowing / (4 * wi.z)
        let result = reflectance(si, cosThetaI: wi.dot(h), bindings: bindings) * value
        return select(valid, result, .constant(.zero))
    }

    /// D(h) G1(wi, h) / (4 cos θi) for visible normals, D(h) cos θh / (4 wo·h) otherwise; 0 unless both cosines
    /// and both wi·h, wo·h are positive (the sides `smithG1` accepts).
    public func pdf(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                    bindings: RenderBindings) -> FloatArray {
        let wi = si.wi
        let h = (wo + wi).normalized()
        let valid = active & (wi.z .> 0) & (wo.z .> 0) & (wi.dot(h) .> 0) & (wo.dot(h) .> 0)
        let microfacets = microfacets(si, bindings: bindings)
        let result = sampleVisible
            ? microfacets.eval(h) * microfacets.smithG1(wi, h) / (4 * wi.z)
            : microfacets.pdf(wi: wi, m: h) / (4 * wo.dot(h))
        return select(valid, result, .constant(0))
    }

    /// Mitsuba's keys, in its order: "specular_reflectance.value" (only when given), the roughness ("alpha.value",
    /// or "alpha_u.value" and "alpha_v.value"; a texture's keys under them, e.g. "alpha.data"), "eta.value",
    /// "k.value".
    public var parameters: [(key: String, slot: ParameterSlot)] {
        let specular = specularReflectance?.parameters.map { ("specular_reflectance." + $0.key, $0.slot) } ?? []
        return specular + roughness.parameters + ior.parameters
    }
}
