// Mitsuba's `point` light: an isotropic point source of radiant intensity.
import Tracer

/// A point light at `position` radiating `intensity` (W/sr) equally in all directions.
public struct PointEmitter: Emitter {
    /// The position.
    public let position: Vector3f
    /// The RGB radiant intensity, a parameter under "intensity.value".
    public let intensity: ConstantTexture
    public let samplingWeight: Float
    /// `position` as `mi.traverse` lists it.
    private let positionListing: ParameterSlot

    public init(position: Vector3f, intensity: Vector3f = .one, samplingWeight: Float = 1) {
        self.position = position
        positionListing = ParameterSlot(fixed: [position.x, position.y, position.z], shape: [3], type: "Point3f")
        self.intensity = ConstantTexture(intensity)
        self.samplingWeight = samplingWeight
    }

    public var flags: EmitterFlags { .deltaPosition }

    /// The light's position, pdf 1 (a Dirac delta), weight intensity / dist².
    public func sampleDirection(from reference: Vector3Array, sample: Point2Array, bounds: EmitterSceneBounds,
                                active: BoolArray, bindings: RenderBindings)
        -> (sample: EmitterSample, weight: Vector3Array) {
        let lanes = Swift.max(reference.count, sample.count)
        let offset = Vector3Array.constant(position) - reference
        let distSquared = offset.squaredLength
        let inverseDist = rsqrt(distSquared)
        let emitterSample = EmitterSample(p: .constant(position), n: .constant(.zero), d: offset * inverseDist,
                                          dist: sqrt(distSquared), pdf: FloatArray(repeating: 1, count: lanes),
                                          isDelta: BoolArray(repeating: true, count: lanes))
        return (emitterSample, evalDirection(from: reference, emitterSample, active: active, bindings: bindings))
    }

    /// 0: no ray reaches a point.
    public func pdfDirection(from reference: Vector3Array, _ sample: EmitterSample, active: BoolArray,
                             bindings: RenderBindings) -> FloatArray {
        .constant(0)
    }

    /// intensity / dist².
    public func evalDirection(from reference: Vector3Array, _ sample: EmitterSample, active: BoolArray,
                              bindings: RenderBindings) -> Vector3Array {
        let inverseDist = 1 / sample.dist
        return intensity.eval(Point2Array(repeating: 0, 0), active: active,
                              bindings: bindings) * (inverseDist * inverseDist)
    }

    /// 0: no ray reaches a point.
    public func eval(_ si: SurfaceInteraction, direction: Vector3Array, active: BoolArray,
                     bindings: RenderBindings) -> Vector3Array {
        .constant(.zero)
    }

    /// "position" (listed, not differentiable) and "intensity.value", in Mitsuba's order.
    public var parameters: [(key: String, slot: ParameterSlot)] {
        [("position", positionListing),
         ("intensity.value", intensity.value)]
    }
}

extension PointEmitter {
    /// From `<emitter type="point">`: `position` or `to_world` (its translation), `intensity` (default 1),
    /// `sampling_weight`.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.emitter, type: "point", description)
        try description.requireKnownProperties(["position", "to_world", "intensity", "sampling_weight"])
        try PluginFactory.rejectNestedPlugins(description, instead: "give 'intensity' as rgb or float")
        if description.has("position") && description.has("to_world") {
            throw description.error("give either 'position' or 'to_world', not both", property: "position")
        }
        let position = description.has("position") ? try description.point("position")
            : try description.transform("to_world", default: .identity).translation
        self.init(position: position, intensity: try description.rgb("intensity", default: .one),
                  samplingWeight: try PluginFactory.samplingWeight(description))
    }
}
