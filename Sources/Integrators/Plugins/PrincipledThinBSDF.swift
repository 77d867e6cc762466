// Mitsuba's `principledthin` BSDF: the principled BSDF for thin sheets (leaves, paper), its inputs, keys and XML.
import Tracer

/// Mitsuba 3.9.1's `principledthin`: a thin sheet with a diffuse lobe (retro-reflection, flattening, sheen),
/// diffuse transmission (`diff_trans`, 0–2), and with `spec_trans` a GGX reflection with a thin-sheet Fresnel
/// (optionally tinted) and a GGX transmission straight through the sheet, its roughness scaled by (0.65 η − 0.35).
/// Both sides behave alike (directions are mirrored to the upper side). Every input is a texture read per hit and a
/// differentiable parameter under Mitsuba's key; lobes whose input is a uniform, untracked 0 are off, as Mitsuba's
/// `get_flag` leaves them (`PrincipledBSDF.isOn`). The lobes are in `PrincipledThinBSDF+Lobes.swift`.
public struct PrincipledThinBSDF: BSDF {
    public let baseColor: any Texture
    public let roughness: any Texture
    public let anisotropic: any Texture
    public let specTrans: any Texture
    /// Diffuse transmission, 0 (none) to 2 (all the diffuse part transmitted); halved where it is used.
    public let diffTrans: any Texture
    public let sheen: any Texture
    public let sheenTint: any Texture
    public let flatness: any Texture
    public let specTint: any Texture
    /// The sheet's relative index of refraction (default 1.5), a texture.
    public let eta: any Texture
    /// Sampling weights of the lobes (Mitsuba's `*_sampling_rate`, default 1).
    public let specularReflectanceRate: Float, specularTransmittanceRate: Float
    public let diffuseReflectanceRate: Float, diffuseTransmittanceRate: Float
    private let rateListings: [(key: String, slot: ParameterSlot)]

    /// A thin principled sheet with Mitsuba's defaults for what is not given.
    public init(baseColor: any Texture = UniformTexture(0.5), roughness: any Texture = UniformTexture(0.5),
                anisotropic: any Texture = UniformTexture(0), specTrans: any Texture = UniformTexture(0),
                diffTrans: any Texture = UniformTexture(0), sheen: any Texture = UniformTexture(0),
                sheenTint: any Texture = UniformTexture(0), flatness: any Texture = UniformTexture(0),
                specTint: any Texture = UniformTexture(0), eta: any Texture = UniformTexture(1.5),
                specularReflectanceRate: Float = 1, specularTransmittanceRate: Float = 1,
                diffuseReflectanceRate: Float = 1, diffuseTransmittanceRate: Float = 1) {
        self.baseColor = baseColor
        self.roughness = roughness
        self.anisotropic = anisotropic
        self.specTrans = specTrans
        self.diffTrans = diffTrans
        self.sheen = sheen
        self.sheenTint = sheenTint
        self.flatness = flatness
        self.specTint = specTint
        self.eta = eta
        self.specularReflectanceRate = specularReflectanceRate
        self.specularTransmittanceRate = specularTransmittanceRate
        self.diffuseReflectanceRate = diffuseReflectanceRate
        self.diffuseTransmittanceRate = diffuseTransmittanceRate
        rateListings = [("specular_reflectance_sampling_rate", .listing(specularReflectanceRate)),
                        ("diffuse_reflectance_sampling_rate", .listing(diffuseReflectanceRate)),
                        ("diffuse_transmittance_sampling_rate", .listing(diffuseTransmittanceRate)),
                        ("specular_transmittance_sampling_rate", .listing(specularTransmittanceRate))]
    }

    /// Diffuse reflection and transmission on both sides, glossy reflection, and glossy transmission when on.
    public var flags: BSDFFlags {
        var result: BSDFFlags = [.diffuseReflection, .diffuseTransmission, .glossyReflection, .frontSide, .backSide]
        if PrincipledBSDF.isOn(specTrans) { result.formUnion(.glossyTransmission) }
        return result
    }

    public var readsSurfaceCoordinates: Bool { inputs.contains { $0.texture.readsSurfaceCoordinates } }

    /// The textures under their names, in Mitsuba's traversal order (the sampling rates come after `diff_trans`).
    var inputs: [(name: String, texture: any Texture)] {
        [("eta", eta), ("roughness", roughness), ("diff_trans", diffTrans), ("base_color", baseColor),
         ("anisotropic", anisotropic), ("spec_tint", specTint), ("sheen", sheen), ("sheen_tint", sheenTint),
         ("spec_trans", specTrans), ("flatness", flatness)]
    }

    /// Mitsuba's keys in its order: "eta.…", "roughness.…", "diff_trans.…", the four sampling rates (listed, not
    /// differentiable), then "base_color.…", "anisotropic.…", "spec_tint.…", "sheen.…", "sheen_tint.…",
    /// "spec_trans.…", "flatness.…".
    public var parameters: [(key: String, slot: ParameterSlot)] {
        let prefixed = inputs.map { input in input.texture.parameters.map { (input.name + "." + $0.key, $0.slot) } }
        return prefixed[0] + prefixed[1] + prefixed[2] + rateListings + prefixed[3...].flatMap { $0 }
    }

    /// The base colour (Mitsuba's `eval_diffuse_reflectance`).
    public func diffuseReflectance(_ si: SurfaceInteraction, active: BoolArray,
                                   bindings: RenderBindings) -> Vector3Array {
        baseColor.eval(si, active: active, bindings: bindings)
    }
}

extension PrincipledThinBSDF {
    /// The scalar inputs, their defaults and ranges.
    static let scalarInputs: [(name: String, default: Float, range: ClosedRange<Float>)] = [
        ("roughness", 0.5, 0...1), ("anisotropic", 0, 0...1), ("spec_trans", 0, 0...1), ("diff_trans", 0, 0...2),
        ("sheen", 0, 0...1), ("sheen_tint", 0, 0...1), ("flatness", 0, 0...1), ("spec_tint", 0, 0...1),
        ("eta", 1.5, 1e-3...100)]
    static let samplingRates = ["specular_reflectance_sampling_rate", "specular_transmittance_sampling_rate",
                                "diffuse_reflectance_sampling_rate", "diffuse_transmittance_sampling_rate"]

    /// From `<bsdf type="principledthin">`: `base_color` (default 0.5; rgb, float or nested texture), the scalar
    /// inputs (each a float, an rgb or a nested texture; `diff_trans` in [0, 2], `eta` default 1.5) and the four
    /// sampling rates (floats ≥ 0, default 1).
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.bsdf, type: "principledthin", description)
        try description.requireKnownProperties(Set(["base_color"] + Self.scalarInputs.map(\.name) + Self.samplingRates))
        try PluginFactory.rejectUnnamedChildren(description, expected: "textures named after the inputs")
        let rates = try Self.samplingRates.map { try PluginFactory.lobeSamplingRate(description, $0) }
        var scalars: [String: any Texture] = [:]
        for input in Self.scalarInputs {
            scalars[input.name] = try PluginFactory.scalarTexture(description, input.name, default: input.default,
                                                                  range: input.range, document: document)
        }
        func scalar(_ name: String) -> any Texture { scalars[name]! }
        self.init(baseColor: try PluginFactory.colorTexture(description, "base_color", default: 0.5, document: document),
                  roughness: scalar("roughness"), anisotropic: scalar("anisotropic"), specTrans: scalar("spec_trans"),
                  diffTrans: scalar("diff_trans"), sheen: scalar("sheen"), sheenTint: scalar("sheen_tint"),
                  flatness: scalar("flatness"), specTint: scalar("spec_tint"), eta: scalar("eta"),
                  specularReflectanceRate: rates[0], specularTransmittanceRate: rates[1],
                  diffuseReflectanceRate: rates[2], diffuseTransmittanceRate: rates[3])
    }
}
