// Mitsuba's smooth `plastic` BSDF: a diffuse base under a smooth dielectric coating, with internal scattering.
import Tracer

/// A diffuse base layer under a smooth dielectric interface (Mitsuba's `plastic`): a Dirac specular reflection
/// of Fresnel weight F(θi), and the base's light that entered and left through the interface,
/// ρ / (1 − F_dr,int ρ′) · (1 − F(θi)) (1 − F(θo)) / η² · cos θo / π, where ρ′ is ρ (`nonlinear`) or 1, F_dr,int the
/// interface's diffuse Fresnel reflectance from inside. Front side only.
public struct PlasticBSDF: BSDF {
    /// The base's albedo ρ (Mitsuba's `diffuse_reflectance`, default 0.5).
    public let diffuseReflectance: any Texture
    /// A factor on the specular reflection (Mitsuba's `specular_reflectance`; nil: 1, and no parameter).
    public let specularReflectance: (any Texture)?
    /// The relative index η = int_ior / ext_ior.
    public let eta: Float
    /// `eta` as `mi.traverse` lists it (not differentiable, as in Mitsuba).
    private let etaListing: ParameterSlot
    /// Whether internal scattering darkens and saturates the base's colour (Mitsuba's `nonlinear`).
    public let nonlinear: Bool
    /// The probability weight of the specular lobe, s̄ / (ρ̄ + s̄) from the textures' means when the BSDF is made.
    /// Mitsuba recomputes it when parameters change; any weight in (0, 1) gives the same expectation.
    public let specularSamplingWeight: Float
    /// The diffuse Fresnel reflectance of the interface seen from inside, F_dr(1/η) (Mitsuba's fit).
    let internalDiffuseFresnel: Float

    /// A plastic with the given base albedo, specular factor and indices (Mitsuba's defaults: "polypropylene"
    /// 1.49 inside, "air" 1.000277 outside).
    public init(diffuseReflectance: any Texture = UniformTexture(0.5), specularReflectance: (any Texture)? = nil,
                interiorIOR: Float = 1.49, exteriorIOR: Float = 1.000277, nonlinear: Bool = false) {
        precondition(interiorIOR > 0 && exteriorIOR > 0,
                     "PlasticBSDF: indices of refraction must be positive, got \(interiorIOR), \(exteriorIOR)")
        self.diffuseReflectance = diffuseReflectance
        self.specularReflectance = specularReflectance
        eta = interiorIOR / exteriorIOR
        etaListing = .listing(eta)
        self.nonlinear = nonlinear
        let specularMean = specularReflectance?.mean ?? 1
        specularSamplingWeight = specularMean / (diffuseReflectance.mean + specularMean)
        internalDiffuseFresnel = Self.diffuseFresnelReflectance(eta: 1 / eta)
    }

    /// Delta and diffuse reflection on the front side.
    public var flags: BSDFFlags { [.deltaReflection, .diffuseReflection, .frontSide] }

    /// Whether either texture reads uv.
    public var readsSurfaceCoordinates: Bool {
        diffuseReflectance.readsSurfaceCoordinates || (specularReflectance?.readsSurfaceCoordinates ?? false)
    }

    /// The probability of choosing the specular lobe at incidence cos θi with Fresnel reflectance `fresnelI`.
    private func specularProbability(fresnelI: FloatArray) -> FloatArray {
        let specular = fresnelI * specularSamplingWeight
        let diffuse = (1 - fresnelI) * (1 - specularSamplingWeight)
        return specular / (specular + diffuse)
    }

    /// The base's albedo after internal scattering, ρ / (1 − F_dr,int ρ′), times (1 − Fi)(1 − Fo)/η².
    private func transmittedAlbedo(_ si: SurfaceInteraction, fresnelI: FloatArray, fresnelO: FloatArray,
                                   active: BoolArray, bindings: RenderBindings) -> Vector3Array {
        let albedo = diffuseReflectance.eval(si, active: active, bindings: bindings)
        let factor = (1 - fresnelI) * (1 - fresnelO) * (1 / (eta * eta))
        guard nonlinear else { return albedo * (factor / (1 - internalDiffuseFresnel)) }
        let one = Vector3Array(repeating: Vector3f(repeating: 1), count: 1)
        return (albedo / (one - albedo * internalDiffuseFresnel)) * factor
    }

    /// u1 < P(specular) picks the mirror direction (pdf P, weight F(θi)·specular / P), else a cosine-weighted
    /// direction from u2 (pdf (1 − P) cos θo/π, weight the diffuse value over it). Invalid where cos θi ≤ 0.
    public func sample(_ si: SurfaceInteraction, u1: FloatArray, u2: Point2Array, active: BoolArray,
                       bindings: RenderBindings) -> BSDFSample {
        let lanes = Swift.max(si.wi.count, u1.count, u2.count, active.count)
        let cosThetaI = si.wi.z
        let valid = active & (cosThetaI .> 0)
        let fresnelI = DielectricBSDF.fresnel(cosThetaI: cosThetaI, eta: eta).reflectance
        let probabilitySpecular = specularProbability(fresnelI: fresnelI)
        let specular = valid & (u1 .< probabilitySpecular)
        let diffuse = valid & !specular

        let diffuseDirection = squareToCosineHemisphere(u2)
        let mirror = Vector3Array(x: -si.wi.x, y: -si.wi.y, z: si.wi.z)
        let wo = select(specular, mirror, diffuseDirection)
        let diffusePdf = (1 - probabilitySpecular) * cosineHemispherePdf(diffuseDirection)
        let pdf = select(specular, probabilitySpecular, select(diffuse, diffusePdf, .constant(0)))

        var specularWeight = Vector3Array(x: fresnelI, y: fresnelI, z: fresnelI) / probabilitySpecular
        if let specularReflectance { specularWeight = specularWeight * specularReflectance.eval(si, active: specular,
                                                                                                bindings: bindings) }
        let fresnelO = DielectricBSDF.fresnel(cosThetaI: diffuseDirection.z, eta: eta).reflectance
        let diffuseWeight = transmittedAlbedo(si, fresnelI: fresnelI, fresnelO: fresnelO, active: diffuse,
                                              bindings: bindings)
            / (1 - probabilitySpecular)
        let weight = select(specular, specularWeight, select(diffuse, diffuseWeight, .constant(.zero)))
        return BSDFSample(wo: wo, pdf: pdf, eta: FloatArray(repeating: 1, count: lanes), weight: weight,
                          isDelta: specular)
    }

    /// The diffuse part's value times cos θo where cos θi > 0 and cos θo > 0 (the specular lobe evaluates to 0).
    public func eval(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                     bindings: RenderBindings) -> Vector3Array {
        let valid = active & (si.wi.z .> 0) & (wo.z .> 0)
        let fresnelI = DielectricBSDF.fresnel(cosThetaI: si.wi.z, eta: eta).reflectance
        let fresnelO = DielectricBSDF.fresnel(cosThetaI: wo.z, eta: eta).reflectance
        let value = transmittedAlbedo(si, fresnelI: fresnelI, fresnelO: fresnelO, active: valid, bindings: bindings)
            * cosineHemispherePdf(wo)
        return select(valid, value, .constant(.zero))
    }

    /// (1 − P(specular)) cos θo/π where cos θi > 0 and cos θo > 0.
    public func pdf(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                    bindings: RenderBindings) -> FloatArray {
        let valid = active & (si.wi.z .> 0) & (wo.z .> 0)
        let fresnelI = DielectricBSDF.fresnel(cosThetaI: si.wi.z, eta: eta).reflectance
        let pdf = (1 - specularProbability(fresnelI: fresnelI)) * cosineHemispherePdf(wo)
        return select(valid, pdf, .constant(0))
    }

    /// `eta` (listed, not differentiable, as in Mitsuba), then the textures' values under "diffuse_reflectance."
    /// and, when given, "specular_reflectance.".
    public var parameters: [(key: String, slot: ParameterSlot)] {
        [("eta", etaListing)] + diffuseReflectance.parameters.map { ("diffuse_reflectance." + $0.key, $0.slot) }
            + (specularReflectance?.parameters.map { ("specular_reflectance." + $0.key, $0.slot) } ?? [])
    }

    /// The base's albedo ρ.
    public func diffuseReflectance(_ si: SurfaceInteraction, active: BoolArray,
                                   bindings: RenderBindings) -> Vector3Array {
        diffuseReflectance.eval(si, active: active, bindings: bindings)
    }

    /// The diffuse Fresnel reflectance F_dr(η) by Mitsuba's fits: Egan and Hilgeman's for η < 1, d'Eon and
    /// Irving's polynomial in 1/η otherwise (in float, as Mitsuba evaluates them).
    static func diffuseFresnelReflectance(eta: Float) -> Float {
        let inverse = 1 / eta
        if eta < 1 {
            let quadratic = (0.6681 as Float).addingProduct(eta, (0.7099 as Float).addingProduct(eta, -1.4399))
            return quadratic.addingProduct(0.0636, inverse)
        }
        var result: Float = -1.36881
        for coefficient: Float in [4.98554, -7.80989, 6.75335, -3.4793, 0.919317] {
            result = coefficient.addingProduct(result, inverse)
        }
        return result
    }
}

extension PlasticBSDF {
    /// From `<bsdf type="plastic">`: `diffuse_reflectance` (default 0.5) and `specular_reflectance` (rgb, float or
    /// nested texture), `int_ior` (default "polypropylene") and `ext_ior` (default "air"), `nonlinear` (false).
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.bsdf, type: "plastic", description)
        try description.requireKnownProperties(["diffuse_reflectance", "specular_reflectance", "int_ior", "ext_ior",
                                                "nonlinear"])
        let (interior, exterior) = try description.interfaceIORs(interior: "polypropylene")
        let diffuse = try PluginFactory.colorTexture(description, "diffuse_reflectance", default: 0.5, document: document)
        let specular = try PluginFactory.optionalColorTexture(description, "specular_reflectance", document: document)
        for child in description.children where !["diffuse_reflectance", "specular_reflectance"].contains(child.name ?? "") {
            throw SceneError("unexpected nested \(child.kind) (a plastic BSDF takes textures named diffuse_reflectance "
                             + "and specular_reflectance)",
                             at: child.referenceLocation ?? child.location, element: description.elementDescription)
        }
        self.init(diffuseReflectance: diffuse, specularReflectance: specular, interiorIOR: Float(interior),
                  exteriorIOR: Float(exterior), nonlinear: try description.boolean("nonlinear", default: false))
    }
}
