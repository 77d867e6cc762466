// The microfacet properties that roughconductor and roughdielectric read alike, with Mitsuba's defaults and rules.

/// `distribution` ("beckmann" or "ggx", default beckmann), `alpha` (default 0.1) or both `alpha_u` and `alpha_v`
/// (floats ≥ 0, not textures), and `sample_visible` (default true). Mitsuba clamps a negative roughness to 1e-4
/// silently; here it is an error naming the property.
struct MicrofacetProperties {
    var distribution: MicrofacetType
    /// `alpha`, or `alpha_u` when anisotropic.
    var alphaU: Float
    /// `alpha_v`; nil for an isotropic surface.
    var alphaV: Float?
    var sampleVisible: Bool

    /// The property names read here, for `requireKnownProperties`.
    static let names: Set<String> = ["distribution", "alpha", "alpha_u", "alpha_v", "sample_visible"]

    init(_ description: PluginDescription) throws {
        for name in ["alpha", "alpha_u", "alpha_v"] where description.child(named: name) != nil {
            throw description.error("a textured '\(name)' is not supported (give a float)", property: name)
        }
        let distributionName = try description.string("distribution", default: "beckmann")
        guard let distribution = MicrofacetType(rawValue: distributionName.lowercased()) else {
            throw description.error("unknown distribution '\(distributionName)' (expected beckmann or ggx)",
                                    property: "distribution")
        }
        self.distribution = distribution
        sampleVisible = try description.boolean("sample_visible", default: true)
        let hasU = description.has("alpha_u"), hasV = description.has("alpha_v")
        guard hasU || hasV else {
            alphaU = try Self.roughness(description, "alpha", default: 0.1)
            return
        }
        guard hasU && hasV else {
            throw description.error("give both 'alpha_u' and 'alpha_v' (only '\(hasU ? "alpha_u" : "alpha_v")' "
                                    + "is given)", property: hasU ? "alpha_u" : "alpha_v")
        }
        if description.has("alpha") {
            throw description.error("give either 'alpha' or 'alpha_u' and 'alpha_v', not both", property: "alpha")
        }
        alphaU = try Self.roughness(description, "alpha_u")
        alphaV = try Self.roughness(description, "alpha_v")
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
