// Building a `roughdielectric` from its Mitsuba XML description, with Mitsuba's defaults and rules.
import Tracer

extension RoughDielectricBSDF {
    /// From `<bsdf type="roughdielectric">`: `distribution` ("beckmann" or "ggx", default beckmann), `alpha`
    /// (default 0.1) or both `alpha_u` and `alpha_v` (each a float ≥ 0 or a nested or referenced texture, read as
    /// a number at each hit), `sample_visible` (default true), `int_ior` (default "bk7") and `ext_ior` (default
    /// "air"), positive and different, each a number or a named index, and optional `specular_reflectance` and
    /// `specular_transmittance` (rgb, float or nested texture). Mitsuba clamps a negative float roughness to 1e-4
    /// silently; here it is an error naming the property.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.bsdf, type: "roughdielectric", description)
        try description.requireKnownProperties(MicrofacetProperties.names.union(
            ["int_ior", "ext_ior", "specular_reflectance", "specular_transmittance"]))
        try PluginFactory.rejectUnnamedChildren(description, expected: "textures named alpha, alpha_u, alpha_v, "
                                                + "specular_reflectance or specular_transmittance")

        let microfacets = try MicrofacetProperties(description)
        let roughness = try MicrofacetRoughness(description, properties: microfacets, document: document)
        let (interior, exterior) = try description.interfaceIORs(interior: "bk7", mustDiffer: true)
        let reflectance = try PluginFactory.optionalColorTexture(description, "specular_reflectance",
                                                                 document: document)
        let transmittance = try PluginFactory.optionalColorTexture(description, "specular_transmittance",
                                                                   document: document)
        self.init(distribution: microfacets.distribution, roughness: roughness,
                  sampleVisible: microfacets.sampleVisible, interiorIOR: Float(interior),
                  exteriorIOR: Float(exterior), specularReflectance: reflectance,
                  specularTransmittance: transmittance)
    }
}
