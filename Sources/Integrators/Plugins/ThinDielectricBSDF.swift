// Mitsuba's `thindielectric` BSDF: a thin glass sheet that reflects or lets light pass straight through.
import Tracer

/// A thin dielectric slab: the Fresnel reflectance R of one interface, summed over the internal reflections,
/// R' = 2R / (1 + R), chooses specular reflection (pdf R') or a null lobe that continues the ray unchanged
/// (wo = −wi, pdf 1 − R'). Both lobes are Dirac: `eval` and `pdf` are 0, and no emitter sampling happens here.
public struct ThinDielectricBSDF: DiracBSDF {
    /// The relative index η = int_ior / ext_ior, shape [1] (Mitsuba's key "eta"; the sampled weights do not
    /// depend on it, only which lobe is drawn).
    public let eta: ParameterSlot
    /// Multiplies the reflected weight (Mitsuba's optional `specular_reflectance`).
    public let specularReflectance: (any Texture)?
    /// Multiplies the transmitted weight (Mitsuba's optional `specular_transmittance`).
    public let specularTransmittance: (any Texture)?

    /// A thin sheet of relative index `eta` (Mitsuba's default: bk7 in air, 1.5046 / 1.000277).
    public init(eta: Float = 1.5046 / 1.000277, specularReflectance: (any Texture)? = nil,
                specularTransmittance: (any Texture)? = nil) {
        precondition(eta > 0, "ThinDielectricBSDF: the relative index of refraction must be positive, got \(eta)")
        self.eta = ParameterSlot(value: FloatArray([eta]), shape: [1])
        self.specularReflectance = specularReflectance
        self.specularTransmittance = specularTransmittance
    }

    /// Delta reflection and the null lobe, on both sides.
    public var flags: BSDFFlags { [.deltaReflection, .null, .frontSide, .backSide] }

    /// Whether a specular texture reads uv.
    public var readsSurfaceCoordinates: Bool {
        (specularReflectance?.readsSurfaceCoordinates ?? false) || (specularTransmittance?.readsSurfaceCoordinates ?? false)
    }

    /// R' = 2R/(1 + R) with R the Fresnel reflectance at |cos θi|.
    func reflectance(_ si: SurfaceInteraction) -> FloatArray {
        let eta = self.eta.value.gather(UInt32Array(repeating: 0), mask: si.isValid)
        let r = DielectricBSDF.fresnel(cosThetaI: abs(si.wi.z), eta: eta).reflectance
        return r * (2 / (1 + r))
    }

    /// Reflects iff u1 ≤ R' (wo mirrored, pdf R'), else passes straight through (wo = −wi, pdf 1 − R'); weight 1
    /// times the specular texture of the chosen lobe, eta 1, always delta. Weight 0 where inactive.
    public func sample(_ si: SurfaceInteraction, u1: FloatArray, u2: Point2Array, active: BoolArray,
                       bindings: RenderBindings) -> BSDFSample {
        let wi = si.wi
        let lanes = Swift.max(wi.count, u1.count, active.count)
        let r = reflectance(si)
        let reflects = (u1 .<= r) & active
        let wo = Vector3Array(x: -wi.x, y: -wi.y, z: select(reflects, wi.z, -wi.z))
        var weight = Vector3Array(repeating: Vector3f(1, 1, 1), count: 1)
        if let specularReflectance {
            weight = select(reflects, specularReflectance.eval(si, active: reflects, bindings: bindings), weight)
        }
        if let specularTransmittance {
            let passes = active & !reflects
            weight = select(passes, specularTransmittance.eval(si, active: passes, bindings: bindings), weight)
        }
        return BSDFSample(wo: wo, pdf: select(reflects, r, 1 - r), eta: FloatArray(repeating: 1, count: lanes),
                          weight: select(active, weight, .constant(.zero)),
                          isDelta: BoolArray(repeating: true, count: lanes))
    }

    /// 1 − R' times the specular transmittance: what passes straight through.
    public func nullTransmission(_ si: SurfaceInteraction, active: BoolArray,
                                 bindings: RenderBindings) -> Vector3Array {
        let passing = 1 - reflectance(si)
        let value = Vector3Array(x: passing, y: passing, z: passing)
        guard let specularTransmittance else { return value }
        return value * specularTransmittance.eval(si, active: active, bindings: bindings)
    }

    /// Mitsuba's keys in its order: "eta", then the specular textures' values under "specular_transmittance." and
    /// "specular_reflectance.".
    public var parameters: [(key: String, slot: ParameterSlot)] {
        [("eta", eta)] + (specularTransmittance?.parameters.map { ("specular_transmittance." + $0.key, $0.slot) } ?? [])
            + (specularReflectance?.parameters.map { ("specular_reflectance." + $0.key, $0.slot) } ?? [])
    }
}

extension ThinDielectricBSDF {
    /// From `<bsdf type="thindielectric">`: `int_ior` (default "bk7") and `ext_ior` (default "air"), each a number
    /// or a named index, and the optional textures `specular_reflectance` and `specular_transmittance`.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.bsdf, type: "thindielectric", description)
        try description.requireKnownProperties(["int_ior", "ext_ior", "specular_reflectance", "specular_transmittance"])
        try PluginFactory.rejectUnnamedChildren(description, expected: "a <texture name=\"specular_...\">")
        let (interior, exterior) = try description.interfaceIORs(interior: "bk7")
        func optional(_ name: String) throws -> (any Texture)? {
            guard description.has(name) || description.child(named: name) != nil else { return nil }
            return try PluginFactory.colorTexture(description, name, default: 1, document: document)
        }
        self.init(eta: Float(interior) / Float(exterior), specularReflectance: try optional("specular_reflectance"),
                  specularTransmittance: try optional("specular_transmittance"))
    }
}
