// Mitsuba's `normalmap` BSDF: a nested BSDF shaded with normals read from an RGB texture.
import Tracer

/// A nested BSDF evaluated in the frame of the normal 2·rgb − 1 read from `normals`, expressed in the hit's
/// shading frame (Mitsuba 3.9.1's normalmap.cpp). The flags are the nested BSDF's.
public struct NormalMapBSDF: PerturbedShadingBSDF {
    /// The BSDF shaded with the perturbed frame (Mitsuba's `nested_bsdf`).
    public let nested: any BSDF
    /// The encoded normals, RGB in [0, 1] (Mitsuba's `normalmap`; a bitmap should be raw).
    public let normals: any Texture
    /// Mitsuba's `flip_invalid_normals`: mirror a normal that faces away from wi.
    public let flipsInvalidNormals: Bool
    /// Mitsuba's `use_shadowing_function`: weigh the value by the bump shadowing term.
    public let usesShadowingFunction: Bool

    /// `nested` shaded with the normals of `normals`.
    public init(nested: any BSDF, normals: any Texture, flipsInvalidNormals: Bool = true,
                usesShadowingFunction: Bool = true) {
        self.nested = nested
        self.normals = normals
        self.flipsInvalidNormals = flipsInvalidNormals
        self.usesShadowingFunction = usesShadowingFunction
    }

    /// Whether the normals or the nested BSDF read uv.
    public var readsSurfaceCoordinates: Bool { normals.readsSurfaceCoordinates || nested.readsSurfaceCoordinates }

    /// Mitsuba's normalmap sets the pdf of an invalid sample to 0.
    var zeroesInvalidPDF: Bool { true }

    /// "nested_bsdf." and "normalmap." keys, as `mi.traverse` lists the differentiable ones.
    public var parameters: [(key: String, slot: ParameterSlot)] {
        nested.parameters.map { ("nested_bsdf." + $0.key, $0.slot) }
            + normals.parameters.map { ("normalmap." + $0.key, $0.slot) }
    }

    /// Mitsuba's `NormalMap::frame`: n = 2·rgb − 1 in the shading frame (flipped as `flip_invalid_normals` says),
    /// normalised; s = (1, 0, 0) made orthogonal to n, t = n × s. The nested interaction carries the same frame in
    /// world coordinates.
    func shading(_ si: SurfaceInteraction, active: BoolArray, bindings: RenderBindings) -> PerturbedShading {
        let rgb = normals.eval(si, active: active, bindings: bindings)
        var n = rgb * Float(2) - FloatArray.constant(1)
        if flipsInvalidNormals { n = PerturbedShading.flippingInvalid(n, wi: si.wi) }
        n = n.normalized()
        let zero = FloatArray.constant(0)
        let s = Vector3Array(x: 1 - n.x * n.x, y: zero - n.y * n.x, z: zero - n.z * n.x).normalized()
        let local = Frame(s: s, t: n.cross(s), n: n)
        let world = Frame(s: si.frame.toWorld(local.s), t: si.frame.toWorld(local.t), n: si.frame.toWorld(local.n))
        return PerturbedShading(local: local, nestedFrame: world, shadowing: usesShadowingFunction)
    }
}

extension NormalMapBSDF {
    /// From `<bsdf type="normalmap">`: exactly one nested bsdf (any name), the texture `normalmap` (required; a
    /// bitmap is read as written: give it `raw` true, as Mitsuba's documentation asks) and `flip_invalid_normals`,
    /// `use_shadowing_function` (default true).
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.bsdf, type: "normalmap", description)
        let childNames = description.children(of: .bsdf).compactMap(\.name)
        try description.requireKnownProperties(Set(["normalmap", "flip_invalid_normals", "use_shadowing_function"]
                                                    + childNames))
        let bsdfs = try PluginFactory.nestedBSDFs(description, expected: "one nested bsdf and a 'normalmap' texture")
        guard bsdfs.count == 1 else {
            throw description.error("a normalmap needs exactly one nested bsdf, found \(bsdfs.count)")
        }
        guard description.child(named: "normalmap") != nil || description.has("normalmap") else {
            throw description.error("the property 'normalmap' is required (a texture of normals, e.g. a raw bitmap)")
        }
        let normals = try PluginFactory.optionalColorTexture(description, "normalmap", document: document)!
        self.init(nested: try PluginFactory.makeBSDF(bsdfs[0], document: document), normals: normals,
                  flipsInvalidNormals: try description.boolean("flip_invalid_normals", default: true),
                  usesShadowingFunction: try description.boolean("use_shadowing_function", default: true))
    }
}
