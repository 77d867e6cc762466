// Building a `roughconductor` from its Mitsuba XML description, with Mitsuba's defaults and rules.
import Tracer

extension RoughConductorBSDF {
    /// From `<bsdf type="roughconductor">`: `distribution` ("beckmann" or "ggx", default beckmann), `alpha`
    /// (default 0.1) or both `alpha_u` and `alpha_v` (each a float ≥ 0 or a nested or referenced texture, read as
    /// a number at each hit), `sample_visible` (default true), `eta`/`k` or `material` (default "none"), and an
    /// optional `specular_reflectance` (rgb, float or nested texture). Mitsuba clamps a negative float roughness
    /// to 1e-4 silently; here it is an error naming the property.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.bsdf, type: "roughconductor", description)
        try description.requireKnownProperties(MicrofacetProperties.names.union(["eta", "k", "material",
                                                                                  "specular_reflectance"]))
        try PluginFactory.rejectUnnamedChildren(
            description, expected: "textures named alpha, alpha_u, alpha_v, eta, k or specular_reflectance")

        let microfacets = try MicrofacetProperties(description)
        let roughness = try MicrofacetRoughness(description, properties: microfacets, document: document)
        let ior = try ConductorIOR(description, document: document)
        let specular = try PluginFactory.optionalColorTexture(description, "specular_reflectance", document: document)
        self.init(distribution: microfacets.distribution, roughness: roughness,
                  sampleVisible: microfacets.sampleVisible, ior: ior, specularReflectance: specular)
    }
}
