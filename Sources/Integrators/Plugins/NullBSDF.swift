// Mitsuba's `null` BSDF: a surface that light passes straight through, marking where a medium begins or ends.
import Tracer

/// An invisible surface: sampling continues the ray unchanged (wo = −wi, weight 1, pdf 1, eta 1) through its one
/// null lobe; `eval` and `pdf` are 0 and its null transmission is 1. `volpath` does not count a pass through it
/// as a bounce and lets shadow rays through it; other integrators see a lossless pass-through sample.
public struct NullBSDF: DiracBSDF {
    /// The null BSDF (it has no parameters).
    public init() {}

    /// Reads `<bsdf type="null"/>`, which takes no properties.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.bsdf, type: "null", description)
        try description.requireKnownProperties([])
        try PluginFactory.rejectNestedPlugins(description, instead: "the null BSDF takes nothing")
    }

    /// The null lobe, on both sides.
    public var flags: BSDFFlags { [.null, .frontSide, .backSide] }

    /// False: nothing varies over the surface.
    public var readsSurfaceCoordinates: Bool { false }

    /// No parameters.
    public var parameters: [(key: String, slot: ParameterSlot)] { [] }

    /// wo = −wi with weight 1, pdf 1 and eta 1 on active lanes (weight 0 elsewhere); a Dirac lobe, as Mitsuba counts
    /// Null among its Delta flags (so `path` gives an emitter seen through it its full weight).
    public func sample(_ si: SurfaceInteraction, u1: FloatArray, u2: Point2Array, active: BoolArray,
                       bindings: RenderBindings) -> BSDFSample {
        let lanes = Swift.max(si.wi.count, u1.count, active.count)
        return BSDFSample(wo: -si.wi, pdf: FloatArray(repeating: 1, count: lanes),
                          eta: FloatArray(repeating: 1, count: lanes),
                          weight: select(active, Vector3Array(repeating: Vector3f(1, 1, 1), count: 1), .constant(.zero)),
                          isDelta: BoolArray(repeating: true, count: lanes))
    }

    /// 1: everything passes.
    public func nullTransmission(_ si: SurfaceInteraction, active: BoolArray,
                                 bindings: RenderBindings) -> Vector3Array {
        Vector3Array(repeating: Vector3f(1, 1, 1), count: 1)
    }
}
