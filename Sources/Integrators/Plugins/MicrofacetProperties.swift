// The microfacet properties that roughconductor, roughdielectric and roughplastic read alike, with Mitsuba's rules.

/// `distribution` ("beckmann" or "ggx", default beckmann), `sample_visible` (default true), and which roughness
/// properties a description gives: `alpha` (default 0.1) or both `alpha_u` and `alpha_v`. `roughplastic` reads
/// the roughness as floats ≥ 0 (`floatRoughness`); `roughconductor` and `roughdielectric` as textures
/// (`MicrofacetRoughness`). Mitsuba clamps a negative float roughness to 1e-4 silently; here it is an error naming
/// the property.
struct MicrofacetProperties {
    var distribution: MicrofacetType
    var sampleVisible: Bool
    /// "alpha_u" and "alpha_v" when both are given, else nil ("alpha", or its default).
    var anisotropicNames: (u: String, v: String)?

    /// The property names read here, for `requireKnownProperties`.
    static let names: Set<String> = ["distribution", "alpha", "alpha_u", "alpha_v", "sample_visible"]

    init(_ description: PluginDescription) throws {
        let distributionName = try description.string("distribution", default: "beckmann")
        guard let distribution = MicrofacetType(rawValue: distributionName.lowercased()) else {
            throw description.error("unknown distribution '\(distributionName)' (expected beckmann or ggx)",
                                    property: "distribution")
        }
        self.distribution = distribution
        sampleVisible = try description.boolean("sample_visible", default: true)
        let hasU = Self.gives(description, "alpha_u"), hasV = Self.gives(description, "alpha_v")
        guard hasU || hasV else { return }
        guard hasU && hasV else {
            throw description.error("give both 'alpha_u' and 'alpha_v' (only '\(hasU ? "alpha_u" : "alpha_v")' "
                                    + "is given)", property: hasU ? "alpha_u" : "alpha_v")
        }
        if Self.gives(description, "alpha") {
            throw description.error("give either 'alpha' or 'alpha_u' and 'alpha_v', not both", property: "alpha")
        }
        anisotropicNames = ("alpha_u", "alpha_v")
    }

    /// Whether `name` is given, as a value or as a nested or referenced plugin.
    static func gives(_ description: PluginDescription, _ name: String) -> Bool {
        description.has(name) || description.child(named: name) != nil
    }

    /// The roughness as floats (roughplastic, which Mitsuba reads with `get<float>`): `alpha` (or its default
    /// 0.1), or `alpha_u` and `alpha_v`; each finite and ≥ 0. A texture is an error naming the plugin.
    func floatRoughness(_ description: PluginDescription) throws -> (alphaU: Float, alphaV: Float?) {
        for name in ["alpha", "alpha_u", "alpha_v"] where description.child(named: name) != nil {
            throw description.error("'\(name)' of a \(description.type) is a float (Mitsuba reads no texture there)",
                                    property: name)
        }
        guard let names = anisotropicNames else {
            return (try Self.roughness(description, "alpha", default: 0.1), nil)
        }
        return (try Self.roughness(description, names.u), try Self.roughness(description, names.v))
    }

    /// The float property `name` (or `default`), which must be finite and ≥ 0.
    static func roughness(_ description: PluginDescription, _ name: String,
                          default value: Double? = nil) throws -> Float {
        let alpha = try value.map { try description.float(name, default: $0) } ?? description.float(name)
        guard alpha >= 0, alpha.isFinite else {
            throw description.error("'\(name)' must be a roughness ≥ 0, got \(alpha)", property: name)
        }
        return Float(alpha)
    }
}
