// Building a `principled` from its Mitsuba XML description, with Mitsuba's defaults and rules.
import Tracer

extension PrincipledBSDF {
    /// The scalar inputs (float in [0, 1], rgb, or nested texture) and their defaults.
    static let scalarInputs: [(name: String, default: Float)] = [
        ("roughness", 0.5), ("anisotropic", 0), ("metallic", 0), ("spec_tint", 0), ("sheen", 0), ("sheen_tint", 0),
        ("spec_trans", 0), ("flatness", 0), ("clearcoat", 0), ("clearcoat_gloss", 0)]
    /// The sampling rates (plain floats ≥ 0, default 1).
    static let samplingRates = ["main_specular_sampling_rate", "clearcoat_sampling_rate",
                                "diffuse_reflectance_sampling_rate"]

    /// From `<bsdf type="principled">`: `base_color` (default 0.5; rgb, float or nested texture), the scalar
    /// inputs of `scalarInputs` (each a float in [0, 1], an rgb or a nested texture), either `eta` (a float > 0) or
    /// `specular` (a float in [0, 1], default 0.5) but not both, and the three sampling rates. Mitsuba accepts
    /// values outside [0, 1] silently; here they are errors naming the input.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.bsdf, type: "principled", description)
        let names = Set(["base_color", "eta", "specular"] + Self.scalarInputs.map(\.name) + Self.samplingRates)
        try description.requireKnownProperties(names)
        try PluginFactory.rejectUnnamedChildren(description, expected: "textures named after the inputs")
        for name in ["eta", "specular"] where description.child(named: name) != nil {
            throw description.error("a textured '\(name)' is not supported (give a float, as Mitsuba requires)",
                                    property: name)
        }
        if description.has("eta") && description.has("specular") {
            throw description.error("give either 'eta' or 'specular', not both (each sets the index of refraction)",
                                    property: "specular")
        }
        var eta: Float?, specular: Float?
        if description.has("eta") {
            let value = try description.float("eta")
            guard value > 0, value.isFinite else {
                throw description.error("'eta' must be a positive relative index of refraction, got \(value)",
                                        property: "eta")
            }
            eta = Float(value)
        } else {
            let value = try description.float("specular", default: 0.5)
            guard value >= 0, value <= 1 else {
                throw description.error("'specular' must lie in [0, 1], got \(value)", property: "specular")
            }
            specular = Float(value)
        }
        let rates = try Self.samplingRates.map { try PluginFactory.lobeSamplingRate(description, $0) }
        var scalars: [String: any Texture] = [:]
        for input in Self.scalarInputs {
            scalars[input.name] = try PluginFactory.scalarTexture(description, input.name, default: input.default,
                                                                  range: 0...1, document: document)
        }
        func scalar(_ name: String) -> any Texture { scalars[name]! }
        self.init(baseColor: try PluginFactory.colorTexture(description, "base_color", default: 0.5, document: document),
                  roughness: scalar("roughness"), anisotropic: scalar("anisotropic"), metallic: scalar("metallic"),
                  specTint: scalar("spec_tint"), sheen: scalar("sheen"), sheenTint: scalar("sheen_tint"),
                  specTrans: scalar("spec_trans"), flatness: scalar("flatness"), clearcoat: scalar("clearcoat"),
                  clearcoatGloss: scalar("clearcoat_gloss"), eta: eta, specular: specular,
                  mainSpecularSamplingRate: rates[0], clearcoatSamplingRate: rates[1],
                  diffuseReflectanceSamplingRate: rates[2])
    }
}
