// Mitsuba's smooth `conductor` BSDF: a mirror weighted by the conductor Fresnel reflectance.
import Tracer

/// A perfectly smooth metal: one Dirac lobe in the mirror direction, weighted by the complex-index Fresnel
/// reflectance times `specularReflectance`. One-sided: black seen from the back. `eval` and `pdf` are 0.
public struct ConductorBSDF: DiracBSDF {
    /// The complex index of refraction η + ik.
    public let ior: ConductorIOR
    /// A scale on the reflectance (Mitsuba's `specular_reflectance`, default 1; physically it stays 1).
    public let specularReflectance: any Texture

    /// A conductor of index `ior` (default: Mitsuba's "none", a perfect mirror).
    public init(ior: ConductorIOR = ConductorIOR(), specularReflectance: any Texture = UniformTexture(1)) {
        self.ior = ior
        self.specularReflectance = specularReflectance
    }

    /// Delta reflection on the front side.
    public var flags: BSDFFlags { [.deltaReflection, .frontSide] }

    /// Whether any of its textures reads uv.
    public var readsSurfaceCoordinates: Bool {
        ior.readsSurfaceCoordinates || specularReflectance.readsSurfaceCoordinates
    }

    /// wo = (−wi.x, −wi.y, wi.z), pdf 1, eta 1, delta, weight F(cos θi)·specular_reflectance where cos θi > 0
    /// (0 elsewhere). Both samples are ignored.
    public func sample(_ si: SurfaceInteraction, u1: FloatArray, u2: Point2Array, active: BoolArray,
                       bindings: RenderBindings) -> BSDFSample {
        let wi = si.wi
        let lanes = Swift.max(wi.count, active.count)
        let valid = active & (wi.z .> 0)
        let fresnel = ior.reflectance(si, cosThetaI: wi.z, bindings: bindings)
        let scale = specularReflectance.eval(si, active: si.isValid, bindings: bindings)
        let weight = select(valid, fresnel * scale, .constant(.zero))
        return BSDFSample(wo: Vector3Array(x: -wi.x, y: -wi.y, z: wi.z),
                          pdf: FloatArray(repeating: 1, count: lanes), eta: FloatArray(repeating: 1, count: lanes),
                          weight: weight, isDelta: BoolArray(repeating: true, count: lanes))
    }

    /// Mitsuba's keys, in its order: "eta.value", "k.value", "specular_reflectance.value" (for constant values).
    public var parameters: [(key: String, slot: ParameterSlot)] {
        ior.parameters + specularReflectance.parameters.map { ("specular_reflectance." + $0.key, $0.slot) }
    }
}

extension ConductorBSDF {
    /// From `<bsdf type="conductor">`: `eta`/`k` or `material` (default "none"), and `specular_reflectance`
    /// (default 1), each value an rgb or float property or a nested texture.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.bsdf, type: "conductor", description)
        try description.requireKnownProperties(["eta", "k", "material", "specular_reflectance"])
        try PluginFactory.rejectUnnamedChildren(description, expected: "textures named eta, k or specular_reflectance")
        self.init(ior: try ConductorIOR(description, document: document),
                  specularReflectance: try PluginFactory.colorTexture(description, "specular_reflectance", default: 1,
                                                                      document: document))
    }
}
