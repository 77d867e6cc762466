// Mitsuba's `mask` BSDF: a nested BSDF made partly transparent by an opacity texture.
import Tracer

/// With probability 1 − α (α = opacity clamped to [0, 1]) light passes straight through (a null lobe: wo = −wi,
/// weight 1, pdf 1 − α); otherwise the nested BSDF scatters it. `eval` is α times the nested value and `pdf` α times
/// the nested pdf: the null lobe is a Dirac delta and is never evaluated.
public struct MaskBSDF: BSDF {
    /// The opacity α, read as a scalar (`evalScalar`).
    public let opacity: any Texture
    /// The BSDF of the opaque part.
    public let nested: any BSDF

    /// `nested`, opaque with probability `opacity`.
    public init(opacity: any Texture, nested: any BSDF) {
        self.opacity = opacity
        self.nested = nested
    }

    /// The nested BSDF's lobes and the null lobe on both sides.
    public var flags: BSDFFlags { nested.flags.union([.null, .frontSide, .backSide]) }

    /// Whether the opacity or the nested BSDF reads uv.
    public var readsSurfaceCoordinates: Bool { opacity.readsSurfaceCoordinates || nested.readsSurfaceCoordinates }

    /// α at the hit, clamped to [0, 1].
    func alpha(_ si: SurfaceInteraction, active: BoolArray, bindings: RenderBindings) -> FloatArray {
        Tracer.min(Tracer.max(opacity.evalScalar(si, active: active, bindings: bindings), .constant(0)), .constant(1))
    }

    /// The nested sample (with u1 / α) where u1 < α, its weight times α/detach(α) and its pdf times α; else the
    /// null lobe. The weights' values are those of the chosen lobe alone; their gradients carry the derivative of
    /// the lobe's probability (Mitsuba's `replace_grad`).
    public func sample(_ si: SurfaceInteraction, u1: FloatArray, u2: Point2Array, active: BoolArray,
                       bindings: RenderBindings) -> BSDFSample {
        let lanes = Swift.max(si.wi.count, u1.count, active.count)
        let a = alpha(si, active: active, bindings: bindings)
        let opaque = active & (u1 .< a)
        let nestedSample = nested.sample(si, u1: u1 / a, u2: u2, active: opaque, bindings: bindings)
        let one = FloatArray.constant(1)
        let transparency = 1 - a
        let nullWeight = select(transparency .!= 0, transparency / transparency.detached(), one)
        let opaqueWeight = select(a .!= 0, a / a.detached(), one)
        let null = BSDFSample(wo: -si.wi, pdf: transparency, eta: FloatArray(repeating: 1, count: lanes),
                              weight: Vector3Array(x: nullWeight, y: nullWeight, z: nullWeight),
                              isDelta: BoolArray(repeating: true, count: lanes))
        var scattered = nestedSample
        scattered.weight = nestedSample.weight * opaqueWeight
        scattered.pdf = nestedSample.pdf * a
        var result = select(opaque, scattered, null)
        result.weight = select(active, result.weight, .constant(.zero))
        return result
    }

    /// 1 − α (1 − the nested BSDF's null transmission).
    public func nullTransmission(_ si: SurfaceInteraction, active: BoolArray,
                                 bindings: RenderBindings) -> Vector3Array {
        let a = alpha(si, active: active, bindings: bindings)
        let one = Vector3Array.constant(Vector3f(1, 1, 1))
        return one - (one - nested.nullTransmission(si, active: active, bindings: bindings)) * a
    }

    /// α times the nested value.
    public func eval(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                     bindings: RenderBindings) -> Vector3Array {
        nested.eval(si, wo: wo, active: active, bindings: bindings) * alpha(si, active: active, bindings: bindings)
    }

    /// α times the nested pdf.
    public func pdf(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                    bindings: RenderBindings) -> FloatArray {
        nested.pdf(si, wo: wo, active: active, bindings: bindings) * alpha(si, active: active, bindings: bindings)
    }

    /// "opacity." and "nested_bsdf." keys (e.g. "opacity.value", "nested_bsdf.reflectance.value").
    public var parameters: [(key: String, slot: ParameterSlot)] {
        opacity.parameters.map { ("opacity." + $0.key, $0.slot) }
            + nested.parameters.map { ("nested_bsdf." + $0.key, $0.slot) }
    }

    /// The nested BSDF's.
    public func diffuseReflectance(_ si: SurfaceInteraction, active: BoolArray,
                                   bindings: RenderBindings) -> Vector3Array {
        nested.diffuseReflectance(si, active: active, bindings: bindings)
    }
}

extension MaskBSDF {
    /// From `<bsdf type="mask">`: `opacity` (a float in [0, 1], default 0.5, an rgb value or a nested texture) and
    /// exactly one nested BSDF (any type, any name).
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.bsdf, type: "mask", description)
        try description.requireKnownProperties(Set(["opacity"] + description.children(of: .bsdf).compactMap(\.name)))
        let bsdfs = try PluginFactory.nestedBSDFs(description, expected: "a nested bsdf and an opacity texture")
        guard bsdfs.count == 1 else {
            throw description.error(bsdfs.isEmpty ? "a mask needs a nested bsdf"
                                                  : "a mask takes one nested bsdf, found \(bsdfs.count)")
        }
        let opacity = try PluginFactory.scalarTexture(description, "opacity", default: 0.5, range: 0...1,
                                                      document: document)
        self.init(opacity: opacity, nested: try PluginFactory.makeBSDF(bsdfs[0], document: document))
    }
}
