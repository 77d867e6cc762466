// Mitsuba's `blendbsdf`: a linear blend of two nested BSDFs, (1 − w)·f0 + w·f1.
import Tracer

/// The blend (1 − w)·f0 + w·f1 of two BSDFs, w = `weight` clamped to [0, 1]. Sampling picks f1 where u1 ≤ w and
/// f0 elsewhere (rescaling u1), then weighs the sampled direction against both: pdf = (1 − w)·p0 + w·p1 and
/// weight = blend value / pdf, as Mitsuba 3.9.1 does (a one-sample combination of the two strategies).
public struct BlendBSDF: BSDF {
    /// The blend weight w, read as a scalar (`evalScalar`).
    public let weight: any Texture
    /// f0, weighted by 1 − w (Mitsuba's `bsdf_0`).
    public let first: any BSDF
    /// f1, weighted by w (Mitsuba's `bsdf_1`).
    public let second: any BSDF

    /// (1 − weight)·first + weight·second.
    public init(weight: any Texture, first: any BSDF, second: any BSDF) {
        self.weight = weight
        self.first = first
        self.second = second
    }

    /// Both BSDFs' lobes.
    public var flags: BSDFFlags { first.flags.union(second.flags) }

    /// Whether the weight or a nested BSDF reads uv.
    public var readsSurfaceCoordinates: Bool {
        weight.readsSurfaceCoordinates || first.readsSurfaceCoordinates || second.readsSurfaceCoordinates
    }

    /// w at the hit, clamped to [0, 1].
    func blendWeight(_ si: SurfaceInteraction, active: BoolArray, bindings: RenderBindings) -> FloatArray {
        Tracer.min(Tracer.max(weight.evalScalar(si, active: active, bindings: bindings), .constant(0)), .constant(1))
    }

    /// f1's sample (u1 / w) where u1 ≤ w, f0's (u1 − w)/(1 − w) elsewhere; the other BSDF is evaluated at the
    /// sampled direction and both are combined as in the type's description. Weight 0 where inactive.
    public func sample(_ si: SurfaceInteraction, u1: FloatArray, u2: Point2Array, active: BoolArray,
                       bindings: RenderBindings) -> BSDFSample {
        let w = blendWeight(si, active: active, bindings: bindings)
        let complement = 1 - w
        let useFirst = active & (u1 .> w)
        let useSecond = active & (u1 .<= w)
        let zero = FloatArray.constant(0)

        var fromFirst = first.sample(si, u1: (u1 - w) / complement, u2: u2, active: useFirst, bindings: bindings)
        let secondValue = second.eval(si, wo: fromFirst.wo, active: useFirst, bindings: bindings)
        let secondPDF = second.pdf(si, wo: fromFirst.wo, active: useFirst, bindings: bindings)
        let firstPDF = w * secondPDF + complement * fromFirst.pdf
        let firstValue = w * secondValue + complement * fromFirst.weight * fromFirst.pdf
        fromFirst.weight = firstValue * select(firstPDF .> 0, 1 / firstPDF, zero)
        fromFirst.pdf = firstPDF

        var fromSecond = second.sample(si, u1: u1 / w, u2: u2, active: useSecond, bindings: bindings)
        let otherValue = first.eval(si, wo: fromSecond.wo, active: useSecond, bindings: bindings)
        let otherPDF = first.pdf(si, wo: fromSecond.wo, active: useSecond, bindings: bindings)
        let secondSamplePDF = w * fromSecond.pdf + complement * otherPDF
        let secondSampleValue = w * fromSecond.weight * fromSecond.pdf + complement * otherValue
        fromSecond.weight = secondSampleValue * select(secondSamplePDF .> 0, 1 / secondSamplePDF, zero)
        fromSecond.pdf = secondSamplePDF

        var result = select(useFirst, fromFirst, fromSecond)
        result.weight = select(active, result.weight, .constant(.zero))
        return result
    }

    /// (1 − w) times f0's null transmission plus w times f1's (0 when neither has a null lobe).
    public func nullTransmission(_ si: SurfaceInteraction, active: BoolArray,
                                 bindings: RenderBindings) -> Vector3Array {
        guard flags.contains(.null) else { return .constant(.zero) }
        let w = blendWeight(si, active: active, bindings: bindings)
        return first.nullTransmission(si, active: active, bindings: bindings) * (1 - w)
            + second.nullTransmission(si, active: active, bindings: bindings) * w
    }

    /// (1 − w)·f0 + w·f1.
    public func eval(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                     bindings: RenderBindings) -> Vector3Array {
        let w = blendWeight(si, active: active, bindings: bindings)
        return first.eval(si, wo: wo, active: active, bindings: bindings) * (1 - w)
            + second.eval(si, wo: wo, active: active, bindings: bindings) * w
    }

    /// (1 − w)·p0 + w·p1.
    public func pdf(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                    bindings: RenderBindings) -> FloatArray {
        let w = blendWeight(si, active: active, bindings: bindings)
        return first.pdf(si, wo: wo, active: active, bindings: bindings) * (1 - w)
            + second.pdf(si, wo: wo, active: active, bindings: bindings) * w
    }

    /// "weight.", "bsdf_0." and "bsdf_1." keys (e.g. "weight.value", "bsdf_0.reflectance.value").
    public var parameters: [(key: String, slot: ParameterSlot)] {
        weight.parameters.map { ("weight." + $0.key, $0.slot) }
            + first.parameters.map { ("bsdf_0." + $0.key, $0.slot) }
            + second.parameters.map { ("bsdf_1." + $0.key, $0.slot) }
    }

    /// The blend of the nested BSDFs' diffuse reflectances.
    public func diffuseReflectance(_ si: SurfaceInteraction, active: BoolArray,
                                   bindings: RenderBindings) -> Vector3Array {
        let w = blendWeight(si, active: active, bindings: bindings)
        return first.diffuseReflectance(si, active: active, bindings: bindings) * (1 - w)
            + second.diffuseReflectance(si, active: active, bindings: bindings) * w
    }
}

extension BlendBSDF {
    /// From `<bsdf type="blendbsdf">`: `weight` (required: a float in [0, 1], an rgb value or a nested texture) and
    /// exactly two nested BSDFs (any types and names), the first weighted by 1 − w.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.bsdf, type: "blendbsdf", description)
        try description.requireKnownProperties(Set(["weight"] + description.children(of: .bsdf).compactMap(\.name)))
        let bsdfs = try PluginFactory.nestedBSDFs(description, expected: "two nested bsdfs and a weight texture")
        guard bsdfs.count == 2 else {
            throw description.error("a blendbsdf needs exactly two nested bsdfs, found \(bsdfs.count)")
        }
        let weight = try PluginFactory.scalarTexture(description, "weight", default: nil, range: 0...1,
                                                     document: document)
        self.init(weight: weight, first: try PluginFactory.makeBSDF(bsdfs[0], document: document),
                  second: try PluginFactory.makeBSDF(bsdfs[1], document: document))
    }
}
