// The complex index of refraction η + ik of a conductor (eta, k or a named material) and its Fresnel reflectance.
import Tracer

/// The complex index of refraction of a conductor relative to the outside, as RGB textures (Mitsuba's `eta` and
/// `k` of `conductor` and `roughconductor`).
public struct ConductorIOR {
    /// The real part η.
    public let eta: any Texture
    /// The imaginary part k (the extinction coefficient).
    public let k: any Texture

    /// An index of refraction from two textures.
    public init(eta: any Texture, k: any Texture) {
        self.eta = eta
        self.k = k
    }

    /// A constant RGB index of refraction.
    public init(eta: Vector3f, k: Vector3f) {
        self.init(eta: ConstantTexture(eta), k: ConstantTexture(k))
    }

    /// Mitsuba's default (material "none"): η = 0, k = 1 as uniform values, F = 1 at every angle.
    public init() {
        self.init(eta: UniformTexture(0), k: UniformTexture(1))
    }

    /// One of Mitsuba's named materials ("Au", "Cu_palik", ..., or "none"), as Mitsuba's RGB variants convert its
    /// spectra; nil for a name Mitsuba does not know.
    public init?(material: String) {
        if material == ConductorMaterials.none {
            self.init()
            return
        }
        guard let ior = ConductorMaterials.ior(named: material) else { return nil }
        self.init(eta: ior.eta, k: ior.k)
    }

    /// Every name `init(material:)` accepts, "none" first.
    public static var materialNames: [String] { ConductorMaterials.names }

    /// The unpolarised Fresnel reflectance per RGB channel for a microfacet or surface normal at cosine `cosThetaI`
    /// from wi. Both textures are looked up on every valid surface lane (see `DiffuseBSDF.eval`).
    func reflectance(_ si: SurfaceInteraction, cosThetaI: FloatArray, bindings: RenderBindings) -> Vector3Array {
        let etaValue = eta.eval(si, active: si.isValid, bindings: bindings)
        let kValue = k.eval(si, active: si.isValid, bindings: bindings)
        return Vector3Array(x: fresnelConductor(cosThetaI: cosThetaI, eta: etaValue.x, k: kValue.x),
                            y: fresnelConductor(cosThetaI: cosThetaI, eta: etaValue.y, k: kValue.y),
                            z: fresnelConductor(cosThetaI: cosThetaI, eta: etaValue.z, k: kValue.z))
    }

    /// The values of both textures under "eta." and "k." (e.g. "eta.value").
    public var parameters: [(key: String, slot: ParameterSlot)] {
        eta.parameters.map { ("eta." + $0.key, $0.slot) } + k.parameters.map { ("k." + $0.key, $0.slot) }
    }

    /// Whether either texture reads uv.
    public var readsSurfaceCoordinates: Bool { eta.readsSurfaceCoordinates || k.readsSurfaceCoordinates }
}

/// The unpolarised Fresnel reflectance of a conductor of complex index η + ik at incidence cosine cos θi, as
/// Mitsuba's `fresnel_conductor` computes it (after K. D. Möller, "Optics", 1988): F = (Rs + Rp)/2 with
/// a² + b² = √((η² − k² − sin²θ)² + 4η²k²) and a = √((a² + b² + η² − k² − sin²θ)/2).
public func fresnelConductor(cosThetaI: FloatArray, eta: FloatArray, k: FloatArray) -> FloatArray {
    let cos2 = cosThetaI * cosThetaI
    let sin2 = 1 - cos2
    let sin4 = sin2 * sin2

    let temp1 = eta * eta - k * k - sin2
    let a2PlusB2 = safeSqrt(temp1 * temp1 + 4 * k * k * eta * eta)
    let a = safeSqrt(0.5 * (a2PlusB2 + temp1))

    let term1 = a2PlusB2 + cos2
    let term2 = 2 * cosThetaI * a
    let rS = (term1 - term2) / (term1 + term2)

    let term3 = a2PlusB2 * cos2 + sin4
    let term4 = term2 * sin2
    let rP = rS * (term3 - term4) / (term3 + term4)
    return 0.5 * (rS + rP)
}

extension ConductorIOR {
    /// From a `conductor` or `roughconductor` description: `eta` and `k` (rgb or float properties, or nested
    /// textures; defaults 0 and 1), or `material` (default "none"), not both, as Mitsuba requires.
    init(_ description: PluginDescription, document: SceneDocument) throws {
        let material = try description.string("material", default: ConductorMaterials.none)
        let givesIOR = description.has("eta") || description.child(named: "eta") != nil
            || description.has("k") || description.child(named: "k") != nil
        if material == ConductorMaterials.none {
            self.init(eta: try PluginFactory.colorTexture(description, "eta", default: 0, document: document),
                      k: try PluginFactory.colorTexture(description, "k", default: 1, document: document))
            return
        }
        if givesIOR {
            throw description.error("give either 'eta' and 'k' or 'material', not both (material is '\(material)')",
                                    property: "material")
        }
        guard let named = ConductorIOR(material: material) else {
            let valid = ConductorMaterials.names.joined(separator: ", ")
            throw description.error("unknown conductor material '\(material)' (valid: \(valid))", property: "material")
        }
        self = named
    }
}
