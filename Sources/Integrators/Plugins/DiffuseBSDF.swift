// Mitsuba's `diffuse` BSDF: Lambertian reflection of a texture, sampled with the cosine-weighted hemisphere.
import Tracer

/// A Lambertian reflector with albedo ρ = `reflectance(uv)` on the side the shading normal points to
/// (SCENE-SPEC §5).
public struct DiffuseBSDF: BSDF {
    /// The albedo ρ.
    public let reflectance: any Texture

    /// A diffuse BSDF with the given albedo texture.
    public init(reflectance: any Texture) {
        self.reflectance = reflectance
    }

    /// A diffuse BSDF with a constant RGB albedo (Mitsuba's default is 0.5).
    public init(reflectance: Vector3f = Vector3f(repeating: 0.5)) {
        self.init(reflectance: ConstantTexture(reflectance))
    }

    /// Diffuse reflection on the front side.
    public var flags: BSDFFlags { [.diffuseReflection, .frontSide] }

    /// Whether the reflectance texture reads uv.
    public var readsSurfaceCoordinates: Bool { reflectance.readsSurfaceCoordinates }
    /// The weight is ρ and the pdf cos θo / π.
    public var sampleWeightIsValueOverPDF: Bool { true }

    /// wo from the cosine-weighted hemisphere, pdf = cos θo/π, weight = ρ where cos θi > 0 and the pdf is positive
    /// (0 elsewhere), eta = 1, not delta. The 1D sample is ignored.
    public func sample(_ si: SurfaceInteraction, u1: FloatArray, u2: Point2Array, active: BoolArray,
                       bindings: RenderBindings) -> BSDFSample {
        let lanes = Swift.max(si.wi.count, u2.count, active.count)
        let wo = squareToCosineHemisphere(u2)
        let pdf = cosineHemispherePdf(wo)
        let valid = active & (si.wi.z .> 0) & (pdf .> 0)
        let albedo = reflectance.eval(si, active: si.isValid, bindings: bindings)
        let weight = select(valid, albedo, .constant(.zero))
        return BSDFSample(wo: wo, pdf: pdf, eta: FloatArray(repeating: 1, count: lanes), weight: weight,
                          isDelta: BoolArray(repeating: false, count: lanes))
    }

    /// ρ/π cos θo where cos θi > 0 and cos θo > 0, else 0. The texture is looked up on every valid surface lane
    /// (the same lookup for every direction at a vertex), so its derivative is one set of scatter-adds per vertex.
    public func eval(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                     bindings: RenderBindings) -> Vector3Array {
        let valid = active & (si.wi.z .> 0) & (wo.z .> 0)
        let albedo = reflectance.eval(si, active: si.isValid, bindings: bindings)
        let value = (albedo * Float(1 / Double.pi)) * wo.z
        return select(valid, value, .constant(.zero))
    }

    /// cos θo/π where cos θi > 0 and cos θo > 0, else 0.
    public func pdf(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                    bindings: RenderBindings) -> FloatArray {
        let valid = active & (si.wi.z .> 0) & (wo.z .> 0)
        return select(valid, cosineHemispherePdf(wo), .constant(0))
    }

    /// The albedo texture's values under "reflectance." (e.g. "reflectance.data").
    public var parameters: [(key: String, slot: ParameterSlot)] {
        reflectance.parameters.map { ("reflectance." + $0.key, $0.slot) }
    }

    /// The reflectance at the hit's uv.
    public func diffuseReflectance(_ si: SurfaceInteraction, active: BoolArray,
                                   bindings: RenderBindings) -> Vector3Array {
        reflectance.eval(si, active: active, bindings: bindings)
    }
}

extension DiffuseBSDF {
    /// From `<bsdf type="diffuse">`: `reflectance` as an rgb or float property (default 0.5; a float is one value,
    /// as Mitsuba's uniform spectrum) or a nested texture named "reflectance".
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.bsdf, type: "diffuse", description)
        try description.requireKnownProperties(["reflectance"])
        try PluginFactory.rejectUnnamedChildren(description, expected: "a <texture name=\"reflectance\">")
        self.init(reflectance: try PluginFactory.colorTexture(description, "reflectance", default: 0.5,
                                                              document: document))
    }
}
