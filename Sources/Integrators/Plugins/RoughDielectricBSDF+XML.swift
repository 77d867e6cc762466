// Building a `roughdielectric` from its Mitsuba XML description, with Mitsuba's defaults and rules.
import Tracer

extension RoughDielectricBSDF {
    /// From `<bsdf type="roughdielectric">`: `distribution` ("beckmann" or "ggx", default beckmann), `alpha`
    /// (default 0.1) or both `alpha_u` and `alpha_v` (floats ≥ 0), `sample_visible` (default true), `int_ior`
    /// (default "bk7") and `ext_ior` (default "air"), positive and different, each a number or a named index, and
    /// optional `specular_reflectance` and `specular_transmittance` (rgb, float or nested texture).
    /// Mitsuba clamps a negative roughness to 1e-4 silently; here it is an error naming the property.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.bsdf, type: "roughdielectric", description)
        try description.requireKnownProperties(["distribution", "alpha", "alpha_u", "alpha_v", "sample_visible",
                                                "int_ior", "ext_ior", "specular_reflectance",
                                                "specular_transmittance"])
        try PluginFactory.rejectUnnamedChildren(
            description, expected: "textures named specular_reflectance or specular_transmittance")
        for name in ["alpha", "alpha_u", "alpha_v"] where description.child(named: name) != nil {
            throw description.error("a textured '\(name)' is not supported (give a float)", property: name)
        }

        let distributionName = try description.string("distribution", default: "beckmann")
        guard let distribution = MicrofacetType(rawValue: distributionName.lowercased()) else {
            throw description.error("unknown distribution '\(distributionName)' (expected beckmann or ggx)",
                                    property: "distribution")
        }
        let sampleVisible = try description.boolean("sample_visible", default: true)
        let interior = try description.ior("int_ior", default: "bk7")
        let exterior = try description.ior("ext_ior", default: "air")
        for (name, value) in [("int_ior", interior), ("ext_ior", exterior)] where !(value > 0 && value.isFinite) {
            throw description.error("'\(name)' must be a positive index of refraction, got \(value)", property: name)
        }
        guard Float(interior) != Float(exterior) else {
            throw description.error("'int_ior' and 'ext_ior' must differ (both are \(interior))", property: "int_ior")
        }
        let reflectance = try PluginFactory.optionalColorTexture(description, "specular_reflectance",
                                                                 document: document)
        let transmittance = try PluginFactory.optionalColorTexture(description, "specular_transmittance",
                                                                   document: document)

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
                      alphaV: try Self.roughness(description, "alpha_v"), sampleVisible: sampleVisible,
                      interiorIOR: Float(interior), exteriorIOR: Float(exterior),
                      specularReflectance: reflectance, specularTransmittance: transmittance)
        } else {
            self.init(distribution: distribution, alpha: try Self.roughness(description, "alpha", default: 0.1),
                      sampleVisible: sampleVisible, interiorIOR: Float(interior), exteriorIOR: Float(exterior),
                      specularReflectance: reflectance, specularTransmittance: transmittance)
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
