// Mitsuba's smooth `dielectric` BSDF: Fresnel-weighted choice between specular reflection and refraction.
import Tracer

/// A smooth interface between an exterior and an interior medium (SCENE-SPEC §5): two Dirac lobes, chosen with
/// the Fresnel reflectance as probability. `eval` and `pdf` are 0.
public struct DielectricBSDF: DiracBSDF {
    /// The interior index of refraction (Mitsuba's `int_ior`).
    public let interiorIOR: Float
    /// The exterior index of refraction (Mitsuba's `ext_ior`).
    public let exteriorIOR: Float
    /// The relative index η = int_ior / ext_ior.
    public let eta: Float
    /// `eta` as `mi.traverse` lists it (not differentiable, as in Mitsuba).
    private let etaListing: ParameterSlot

    /// An interface with the given indices; Mitsuba's defaults are "bk7" (1.5046) inside and "air" (1.000277)
    /// outside.
    public init(interiorIOR: Float = 1.5046, exteriorIOR: Float = 1.000277) {
        precondition(interiorIOR > 0 && exteriorIOR > 0,
                     "DielectricBSDF: indices of refraction must be positive, got \(interiorIOR), \(exteriorIOR)")
        self.interiorIOR = interiorIOR
        self.exteriorIOR = exteriorIOR
        eta = interiorIOR / exteriorIOR
        etaListing = .listing(eta)
    }

    /// Delta reflection and delta transmission, on both sides (no smooth lobe, so no next event estimation).
    public var flags: BSDFFlags { [.deltaReflection, .deltaTransmission, .frontSide, .backSide] }

    /// False: a smooth dielectric is the same everywhere.
    public var readsSurfaceCoordinates: Bool { false }

    /// Reflects iff u1 ≤ F (pdf F, weight 1, eta 1), else refracts (pdf 1 − F, weight η_ti², eta η_it);
    /// the pdf is the detached lobe probability. Always delta; weight 0 where inactive.
    public func sample(_ si: SurfaceInteraction, u1: FloatArray, u2: Point2Array, active: BoolArray,
                       bindings: RenderBindings) -> BSDFSample {
        let wi = si.wi
        let lanes = Swift.max(wi.count, u1.count, active.count)
        let fresnel = Self.fresnel(cosThetaI: wi.z, eta: eta)
        let reflects = (u1 .<= fresnel.reflectance) & active
        let transmittance = 1 - fresnel.reflectance
        let pdf = select(reflects, fresnel.reflectance, transmittance).detached()

        let scale = -fresnel.etaTI
        let refractedX = scale * wi.x
        let refractedY = scale * wi.y
        let wo = Vector3Array(x: select(reflects, -wi.x, refractedX),
                              y: select(reflects, -wi.y, refractedY),
                              z: select(reflects, wi.z, fresnel.cosThetaT))
        let sampledEta = select(reflects, .constant(1), fresnel.etaIT)

        // Radiance is compressed by the change of solid angle when it crosses the interface.
        let refractionWeight = fresnel.etaTI * fresnel.etaTI
        let lobeWeight = select(reflects, .constant(1), refractionWeight)
        let weight = select(active, lobeWeight, .constant(0))
        return BSDFSample(wo: wo, pdf: pdf, eta: sampledEta, weight: Vector3Array(x: weight, y: weight, z: weight),
                          isDelta: BoolArray(repeating: true, count: lanes))
    }

    /// `eta`, listed (Mitsuba does not differentiate it either).
    public var parameters: [(key: String, slot: ParameterSlot)] { [("eta", etaListing)] }

    /// Mitsuba's `fresnel(cos_theta_i, eta)` for a real η: the unpolarised reflectance F, the signed cosine of the
    /// refracted direction, and the relative indices η_it, η_ti for the side wi is on (ci ≥ 0: outside).
    /// F = 1 at grazing incidence (and under total internal reflection), F = 0 for η = 1.
    public static func fresnel(cosThetaI ci: FloatArray, eta: Float)
        -> (reflectance: FloatArray, cosThetaT: FloatArray, etaIT: FloatArray, etaTI: FloatArray) {
        var result = fresnel(cosThetaI: ci, eta: .constant(eta), inverseEta: .constant(1 / eta))
        if eta == 1 { result.reflectance = FloatArray(repeating: 0, count: ci.count) }
        return result
    }

    /// As `fresnel(cosThetaI:eta:)` for a traced relative index (a parameter that may be set or differentiated);
    /// lanes where η = 1 reflect nothing.
    public static func fresnel(cosThetaI ci: FloatArray, eta: FloatArray)
        -> (reflectance: FloatArray, cosThetaT: FloatArray, etaIT: FloatArray, etaTI: FloatArray) {
        var result = fresnel(cosThetaI: ci, eta: eta, inverseEta: 1 / eta)
        result.reflectance = select(eta .== 1, .constant(0), result.reflectance)
        return result
    }

    /// The Fresnel terms for η and 1/η given, except for the index-matched case.
    private static func fresnel(cosThetaI ci: FloatArray, eta: FloatArray, inverseEta: FloatArray)
        -> (reflectance: FloatArray, cosThetaT: FloatArray, etaIT: FloatArray, etaTI: FloatArray) {
        let outside = ci .>= 0
        let etaIT = select(outside, eta, inverseEta)
        let etaTI = select(outside, inverseEta, eta)

        let one = FloatArray.constant(1)
        let sinThetaISquared = fma(-ci, ci, one)
        let cosThetaTSquared = fma(-sinThetaISquared, etaTI * etaTI, one)
        let cosI = abs(ci)
        let cosT = sqrt(max(cosThetaTSquared, .constant(0)))

        let sNumerator = fma(-etaIT, cosT, cosI)
        let sDenominator = fma(etaIT, cosT, cosI)
        let pNumerator = fma(-etaIT, cosI, cosT)
        let pDenominator = fma(etaIT, cosI, cosT)
        let amplitudeS = sNumerator / sDenominator
        let amplitudeP = pNumerator / pDenominator
        let sum = amplitudeS * amplitudeS + amplitudeP * amplitudeP
        let general = 0.5 * sum
        return (select(cosI .== 0, one, general), mulsignNeg(cosT, ci), etaIT, etaTI)
    }
}

extension DielectricBSDF {
    /// From `<bsdf type="dielectric">`: `int_ior` (default "bk7") and `ext_ior` (default "air"), each a number or a
    /// named index of refraction.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.bsdf, type: "dielectric", description)
        try description.requireKnownProperties(["int_ior", "ext_ior"])
        try PluginFactory.rejectUnnamedChildren(description, expected: "no nested plugins")
        let (interior, exterior) = try description.interfaceIORs(interior: "bk7")
        self.init(interiorIOR: Float(interior), exteriorIOR: Float(exterior))
    }
}
