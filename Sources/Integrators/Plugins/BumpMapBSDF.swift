// Mitsuba's `bumpmap` BSDF: a nested BSDF shaded with the normal of a surface displaced by a height texture.
import Tracer

/// A nested BSDF evaluated in the shading frame of the surface displaced along its shading normal by
/// `scale`·h(u, v), h a scalar texture with a uv gradient (Mitsuba 3.9.1's bumpmap.cpp). The flags are the nested
/// BSDF's.
public struct BumpMapBSDF: PerturbedShadingBSDF {
    /// The BSDF shaded with the perturbed frame (Mitsuba's `nested_bsdf`).
    public let nested: any BSDF
    /// The height h, read through its uv gradient (Mitsuba's `nested_texture`).
    public let height: any Texture
    /// The factor on h (Mitsuba's `scale`, not differentiable).
    public let scale: Float
    /// `scale` as `mi.traverse` lists it (not differentiable, as in Mitsuba).
    private let scaleListing: ParameterSlot
    /// Mitsuba's `flip_invalid_normals`: mirror a perturbed normal that faces away from wi.
    public let flipsInvalidNormals: Bool
    /// Mitsuba's `use_shadowing_function`: weigh the value by the bump shadowing term.
    public let usesShadowingFunction: Bool

    /// `nested` bumped by `scale`·`height`; `height.hasGradient` must hold.
    public init(nested: any BSDF, height: any Texture, scale: Float = 1, flipsInvalidNormals: Bool = true,
                usesShadowingFunction: Bool = true) {
        precondition(height.hasGradient, "BumpMapBSDF: the height texture has no uv gradient")
        self.nested = nested
        self.height = height
        self.scale = scale
        scaleListing = .listing(scale)
        self.flipsInvalidNormals = flipsInvalidNormals
        self.usesShadowingFunction = usesShadowingFunction
    }

    /// True: the height is looked up at uv.
    public var readsSurfaceCoordinates: Bool { true }

    /// Mitsuba's bumpmap keeps the pdf of an invalid sample.
    var zeroesInvalidPDF: Bool { false }

    /// "nested_bsdf." and "nested_texture." keys, as `mi.traverse` lists the differentiable ones.
    public var parameters: [(key: String, slot: ParameterSlot)] {
        nested.parameters.map { ("nested_bsdf." + $0.key, $0.slot) }
            + height.parameters.map { ("nested_texture." + $0.key, $0.slot) } + [("scale", scaleListing)]
    }

    /// The perturbed frame of Mitsuba's `BumpMap::frame`: dp/du and dp/dv displaced along the shading normal by
    /// the scaled gradient, n = dp/du × dp/dv normalised and turned to the geometric normal's side, taken into the
    /// shading frame (and flipped as `flip_invalid_normals` says); s is dp/du (in world coordinates, as Mitsuba
    /// writes it) made orthogonal to that local n, t = n × s. The nested interaction carries this local frame.
    func shading(_ si: SurfaceInteraction, active: BoolArray, bindings: RenderBindings) -> PerturbedShading {
        let gradient = height.evalGradient(si, active: active, bindings: bindings)! * scale
        let shadingNormal = si.frame.n
        let dpdu = fma(shadingNormal, gradient.x - shadingNormal.dot(si.dpdu), si.dpdu)
        let dpdv = fma(shadingNormal, gradient.y - shadingNormal.dot(si.dpdv), si.dpdv)
        var normal = dpdu.cross(dpdv).normalized()
        normal = select(si.n.dot(normal) .< 0, -normal, normal)
        normal = si.frame.toLocal(normal)
        if flipsInvalidNormals { normal = PerturbedShading.flippingInvalid(normal, wi: si.wi) }
        let s = (si.dpdu - normal * normal.dot(si.dpdu)).normalized()
        let frame = Frame(s: s, t: normal.cross(s), n: normal)
        return PerturbedShading(local: frame, nestedFrame: frame, shadowing: usesShadowingFunction)
    }
}

extension BumpMapBSDF {
    /// From `<bsdf type="bumpmap">`: exactly one nested bsdf and one nested texture (any names), `scale` (default
    /// 1), `flip_invalid_normals` and `use_shadowing_function` (default true). The texture must have a uv gradient
    /// (a `bitmap`; Mitsuba has none for `checkerboard` or `mesh_attribute`).
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.bsdf, type: "bumpmap", description)
        let childNames = description.children.compactMap(\.name)
        try description.requireKnownProperties(Set(["scale", "flip_invalid_normals", "use_shadowing_function"]
                                                    + childNames))
        for child in description.children where child.kind != .bsdf && child.kind != .texture {
            throw SceneError("unexpected nested \(child.kind) (bumpmap takes one bsdf and one texture)",
                             at: child.referenceLocation ?? child.location, element: description.elementDescription)
        }
        let bsdfs = description.children(of: .bsdf), textures = description.children(of: .texture)
        guard bsdfs.count == 1 else {
            throw description.error("a bumpmap needs exactly one nested bsdf, found \(bsdfs.count)")
        }
        guard textures.count == 1 else {
            throw description.error("a bumpmap needs exactly one nested texture (the height), found \(textures.count)")
        }
        let height = try PluginFactory.makeTexture(textures[0], document: document)
        guard height.hasGradient else {
            throw SceneError("the height texture of a bumpmap needs a uv gradient (a bitmap), found a "
                                + "'\(textures[0].type)' texture",
                             at: textures[0].referenceLocation ?? textures[0].location,
                             element: description.elementDescription)
        }
        let scale = try description.float("scale", default: 1)
        guard scale.isFinite else { throw description.error("'scale' must be finite, got \(scale)", property: "scale") }
        self.init(nested: try PluginFactory.makeBSDF(bsdfs[0], document: document), height: height,
                  scale: Float(scale),
                  flipsInvalidNormals: try description.boolean("flip_invalid_normals", default: true),
                  usesShadowingFunction: try description.boolean("use_shadowing_function", default: true))
    }
}
