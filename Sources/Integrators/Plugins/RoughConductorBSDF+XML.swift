// Building a `roughconductor` from its Mitsuba XML description, with Mitsuba's defaults and rules.
import Tracer

extension RoughConductorBSDF {
    /// From `<bsdf type="roughconductor">`: `distribution` ("beckmann" or "ggx", default beckmann), `alpha`
    /// (default 0.1) or both `alpha_u` and `alpha_v` (floats ≥ 0), `sample_visible` (default true), `eta`/`k` or
    /// `material` (default "none"), and an optional `specular_reflectance` (rgb, float or nested texture).
    /// Mitsuba clamps a negative roughness to 1e-4 silently; here it is an error naming the property.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.bsdf, type: "roughconductor", description)
        try description.requireKnownProperties(["distribution", "alpha", "alpha_u", "alpha_v", "sample_visible",
                                                "eta", "k", "material", "specular_reflectance"])
        try PluginFactory.rejectUnnamedChildren(description,
                                                expected: "textures named eta, k or specular_reflectance")
        for name in ["alpha", "alpha_u", "alpha_v"] where description.child(named: name) != nil {
            throw description.error("a textured '\(name)' is not supported (give a float)", property: name)
        }

        let distributionName = try description.string("distribution", default: "beckmann")
        guard let distribution = MicrofacetType(rawValue: distributionName.lowercased()) else {
            throw description.error("unknown distribution '\(distributionName)' (expected beckmann or ggx)",
                                    property: "distribution")
        }
        let sampleVisible = try description.boolean("sample_visible", default: true)
        let ior = try ConductorIOR(description, document: document)
        let specular = try PluginFactory.optionalColorTexture(description, "specular_reflectance", document: document)

        let hasU = description.has("alpha_u"), hasV = description.has("alpha_v")
        if hasU || hasV {
            guard hasU && hasV else {
                throw description.error("give both 'alpha_u' and 'alpha_v' (only '\(hasU ? "alpha_u" : "alpha_v")' "
                                        + "is given)", property: hasU ? "alpha_u" : "alpha_v")
            }
            if description.has("alpha") {
                throw description.error("give either 'alpha' or 'alpha_u' and 'alpha_v', not both",
                                        property: "alpha")
            }
            self.init(distribution: distribution, alphaU: try Self.roughness(description, "alpha_u"),
                      alphaV: try Self.roughness(description, "alpha_v"), sampleVisible: sampleVisible, ior: ior,
                      specularReflectance: specular)
        } else {
            self.init(distribution: distribution, alpha: try Self.roughness(description, "alpha", default: 0.1),
                      sampleVisible: sampleVisible, ior: ior, specularReflectance: specular)
        }
    }

    /// The float property `name` (or `default`), which must be finite and ≥ 0.
    private static func roughness(_ description: PluginDescription, _ name: String,
                                  default value: Double? = nil) throws -> Float {
        let alpha = try value.map { try description.float(name, default: $0) } ?? description.float(name)
        guard alpha >= 0, alpha.isFinite else {
            throw description.error("'\(name)' must be a roughness ≥ 0, got \(alpha)", property: name)
        }
        return Float(alpha)
    }
}
