// Building a `roughconductor` from its Mitsuba XML description, with Mitsuba's defaults and rules.
import Tracer

extension RoughConductorBSDF {
    /// From `<bsdf type="roughconductor">`: `distribution` ("beckmann" or "ggx", default beckmann), `alpha`
    /// (default 0.1) or both `alpha_u` and `alpha_v` (floats ≥ 0), `sample_visible` (default true), `eta`/`k` or
    /// `material` (default "none"), and an optional `specular_reflectance` (rgb, float or nested texture).
    /// Mitsuba clamps a negative roughness to 1e-4 silently; here it is an error naming the property.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.bsdf, type: "roughconductor", description)
        try description.requireKnownProperties(MicrofacetProperties.names.union(["eta", "k", "material",
                                                                                  "specular_reflectance"]))
        try PluginFactory.rejectUnnamedChildren(description,
                                                expected: "textures named eta, k or specular_reflectance")

        let microfacets = try MicrofacetProperties(description)
        let ior = try ConductorIOR(description, document: document)
        let specular = try PluginFactory.optionalColorTexture(description, "specular_reflectance", document: document)

        if let alphaV = microfacets.alphaV {
            self.init(distribution: microfacets.distribution, alphaU: microfacets.alphaU, alphaV: alphaV,
                      sampleVisible: microfacets.sampleVisible, ior: ior, specularReflectance: specular)
        } else {
            self.init(distribution: microfacets.distribution, alpha: microfacets.alphaU,
                      sampleVisible: microfacets.sampleVisible, ior: ior, specularReflectance: specular)
        }
    }
}
