// Building a `roughplastic` from its Mitsuba XML description, with Mitsuba's defaults and rules.
import Tracer

extension RoughPlasticBSDF {
    /// From `<bsdf type="roughplastic">`: `distribution` ("beckmann" or "ggx", default beckmann), `alpha` (default
    /// 0.1, a float ≥ 0; `alpha_u`/`alpha_v` are refused, as Mitsuba refuses anisotropy here), `sample_visible`
    /// (default true), `int_ior` (default "polypropylene") and `ext_ior` (default "air"), positive and different,
    /// each a number or a named index, `diffuse_reflectance` (default 0.5) and optional `specular_reflectance`
    /// (rgb, float or nested texture), `nonlinear` (default false).
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.bsdf, type: "roughplastic", description)
        try description.requireKnownProperties(MicrofacetProperties.names.union(
            ["int_ior", "ext_ior", "diffuse_reflectance", "specular_reflectance", "nonlinear"]))
        try PluginFactory.rejectUnnamedChildren(
            description, expected: "textures named diffuse_reflectance or specular_reflectance")

        let microfacets = try MicrofacetProperties(description)
        let roughness = try microfacets.floatRoughness(description)
        if roughness.alphaV != nil {
            throw description.error("anisotropic roughness ('alpha_u', 'alpha_v') is not supported by roughplastic "
                                    + "(give one 'alpha')", property: "alpha_u")
        }
        let (interior, exterior) = try description.interfaceIORs(interior: "polypropylene", mustDiffer: true)
        let diffuse = try PluginFactory.colorTexture(description, "diffuse_reflectance", default: 0.5,
                                                     document: document)
        let specular = try PluginFactory.optionalColorTexture(description, "specular_reflectance",
                                                              document: document)
        self.init(distribution: microfacets.distribution, alpha: roughness.alphaU,
                  sampleVisible: microfacets.sampleVisible, diffuseReflectance: diffuse,
                  specularReflectance: specular, interiorIOR: Float(interior), exteriorIOR: Float(exterior),
                  nonlinear: try description.boolean("nonlinear", default: false))
    }
}
