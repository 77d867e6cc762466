// Mitsuba's `twosided` BSDF: one nested BSDF used on both sides of the surface.
import Tracer

/// Makes a one-sided BSDF two-sided by mirroring directions through the surface (SCENE-SPEC §5): the nested BSDF
/// always sees wi on its front side. wi.z = 0 counts as the front side.
public struct TwoSidedBSDF: BSDF {
    /// The BSDF used for both sides (Mitsuba's brdf_0 = brdf_1).
    public let nested: any BSDF

    /// `nested` on both sides.
    public init(_ nested: any BSDF) {
        self.nested = nested
    }

    /// The nested BSDF's lobes, on both sides.
    public var flags: BSDFFlags { nested.flags.union([.frontSide, .backSide]) }

    /// Whether the nested BSDF reads uv.
    public var readsSurfaceCoordinates: Bool { nested.readsSurfaceCoordinates }
    /// Sampling and evaluation both mirror the nested BSDF's.
    public var sampleWeightIsValueOverPDF: Bool { nested.sampleWeightIsValueOverPDF }

    /// The nested sample with wi.z ← |wi.z|, then wo.z ← |wo.z|·sign(wi.z).
    public func sample(_ si: SurfaceInteraction, u1: FloatArray, u2: Point2Array, active: BoolArray,
                       bindings: RenderBindings) -> BSDFSample {
        let front = si.wi.z .>= 0
        var sample = nested.sample(frontFacing(si), u1: u1, u2: u2, active: active, bindings: bindings)
        let height = abs(sample.wo.z)
        sample.wo.z = select(front, height, -height)
        return sample
    }

    /// The nested value with wo.z ← wo.z·sign(wi.z) and wi.z ← |wi.z|.
    public func eval(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                     bindings: RenderBindings) -> Vector3Array {
        nested.eval(frontFacing(si), wo: mirrored(wo, si), active: active, bindings: bindings)
    }

    /// The nested pdf with wo.z ← wo.z·sign(wi.z) and wi.z ← |wi.z|.
    public func pdf(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                    bindings: RenderBindings) -> FloatArray {
        nested.pdf(frontFacing(si), wo: mirrored(wo, si), active: active, bindings: bindings)
    }

    /// The nested BSDF's values under "brdf_0." (brdf_1 is the same object, listed once as in Mitsuba).
    public var parameters: [(key: String, slot: ParameterSlot)] {
        nested.parameters.map { ("brdf_0." + $0.key, $0.slot) }
    }

    /// The nested BSDF's, seen from the front.
    public func diffuseReflectance(_ si: SurfaceInteraction, active: BoolArray,
                                   bindings: RenderBindings) -> Vector3Array {
        nested.diffuseReflectance(frontFacing(si), active: active, bindings: bindings)
    }

    /// `si` with wi.z ← |wi.z|.
    private func frontFacing(_ si: SurfaceInteraction) -> SurfaceInteraction {
        var flipped = si
        flipped.wi.z = abs(si.wi.z)
        return flipped
    }

    /// `wo` with wo.z ← wo.z·sign(wi.z).
    private func mirrored(_ wo: Vector3Array, _ si: SurfaceInteraction) -> Vector3Array {
        var result = wo
        result.z = select(si.wi.z .>= 0, wo.z, -wo.z)
        return result
    }
}

extension TwoSidedBSDF {
    /// From `<bsdf type="twosided">` with one nested bsdf (or two references to the same one).
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.bsdf, type: "twosided", description)
        if let property = description.propertyOrder.first {
            throw description.error("unexpected property '\(property)' (twosided takes only a nested bsdf)",
                                    property: property)
        }
        if let other = description.children.first(where: { $0.kind != .bsdf }) {
            throw SceneError("unexpected nested \(other.kind) (twosided takes one nested bsdf)",
                             at: other.referenceLocation ?? other.location, element: description.elementDescription)
        }
        let nested = description.children
        guard let first = nested.first else {
            throw description.error("a twosided bsdf needs a nested bsdf")
        }
        if nested.count > 2 {
            throw description.error("a twosided bsdf takes one or two nested bsdfs, found \(nested.count)")
        }
        if nested.count == 2 && (nested[1].id == nil || nested[1].id != first.id) {
            throw SceneError("different BSDFs for the two sides are not supported (give one nested bsdf)",
                             at: nested[1].referenceLocation ?? nested[1].location,
                             element: description.elementDescription)
        }
        self.init(try PluginFactory.makeBSDF(first, document: document))
    }
}
