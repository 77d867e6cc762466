// Mitsuba's `directional` light: parallel light of a given irradiance from one direction at infinity.
import Tracer

/// Light arriving everywhere along `direction` with `irradiance` (W/m² on a surface facing it).
public struct DirectionalEmitter: Emitter {
    /// The unit direction the light travels in.
    public let direction: Vector3f
    /// The RGB irradiance, a parameter under "irradiance.value".
    public let irradiance: ConstantTexture
    public let samplingWeight: Float
    /// The light's frame, +z along `direction` (Mitsuba's `to_world`, listed by `mi.traverse`).
    public let toWorld: Transform4
    /// `toWorld` as listed.
    private let toWorldListing: ParameterSlot

    /// Light travelling along `direction`; its frame is `toWorld` when given (its +z axis must be `direction`),
    /// else Mitsuba's frame for a direction: look-at from the origin with the first vector of the direction's
    /// coordinate system as up.
    public init(direction: Vector3f = Vector3f(0, 0, 1), irradiance: Vector3f = .one, samplingWeight: Float = 1,
                toWorld: Transform4? = nil) {
        self.direction = direction.normalized
        self.irradiance = ConstantTexture(irradiance)
        self.samplingWeight = samplingWeight
        let d = direction.normalized
        self.toWorld = toWorld ?? .lookAt(origin: .zero, target: d, up: SceneXMLReader.coordinateSystem(d).0)
        toWorldListing = .listing(self.toWorld)
    }

    public var flags: EmitterFlags { [.infinite, .deltaDirection] }

    /// The point reference − direction · 2 max(R', |reference − c|) (R' the bounding radius grown by Mitsuba's
    /// ray epsilon), pdf 1 (a Dirac delta), weight the irradiance.
    public func sampleDirection(from reference: Vector3Array, sample: Point2Array, bounds: EmitterSceneBounds,
                                active: BoolArray, bindings: RenderBindings)
        -> (sample: EmitterSample, weight: Vector3Array) {
        let lanes = Swift.max(reference.count, sample.count)
        let radius = Swift.max(SurfaceInteraction.rayEpsilon, bounds.radius * (1 + SurfaceInteraction.rayEpsilon))
        let reach = max((reference - .constant(bounds.center)).length, .constant(radius))
        let dist = 2 * reach
        let d = Vector3Array.constant(direction)
        let emitterSample = EmitterSample(p: reference - d * dist, n: d, d: -d, dist: dist,
                                          pdf: FloatArray(repeating: 1, count: lanes),
                                          isDelta: BoolArray(repeating: true, count: lanes))
        return (emitterSample, evalDirection(from: reference, emitterSample, active: active, bindings: bindings))
    }

    /// 0: no ray reaches a single direction.
    public func pdfDirection(from reference: Vector3Array, _ sample: EmitterSample, active: BoolArray,
                             bindings: RenderBindings) -> FloatArray {
        .constant(0)
    }

    /// The irradiance.
    public func evalDirection(from reference: Vector3Array, _ sample: EmitterSample, active: BoolArray,
                              bindings: RenderBindings) -> Vector3Array {
        irradiance.eval(Point2Array(repeating: 0, 0), active: active, bindings: bindings)
    }

    /// 0: no ray reaches a single direction.
    public func eval(_ si: SurfaceInteraction, direction: Vector3Array, active: BoolArray,
                     bindings: RenderBindings) -> Vector3Array {
        .constant(.zero)
    }

    /// "irradiance.value", and `to_world` (listed, not differentiable).
    public var parameters: [(key: String, slot: ParameterSlot)] {
        [("irradiance.value", irradiance.value), ("to_world", toWorldListing)]
    }
}

extension DirectionalEmitter {
    /// From `<emitter type="directional">`: `direction` or `to_world` (its +z axis), `irradiance` (default 1),
    /// `sampling_weight`.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.emitter, type: "directional", description)
        try description.requireKnownProperties(["direction", "to_world", "irradiance", "sampling_weight"])
        try PluginFactory.rejectNestedPlugins(description, instead: "give 'irradiance' as rgb or float")
        if description.has("direction") && description.has("to_world") {
            throw description.error("give either 'direction' or 'to_world', not both", property: "direction")
        }
        let toWorld = description.has("to_world") ? try description.transform("to_world") : nil
        let direction = try toWorld?.applyVector(Vector3f(0, 0, 1)) ?? description.vector("direction", default: Vector3f(0, 0, 1))
        guard direction.length > 0, direction.length.isFinite else {
            throw description.error("the direction must be a nonzero vector", property: "direction")
        }
        self.init(direction: direction, irradiance: try description.rgb("irradiance", default: .one),
                  samplingWeight: try PluginFactory.samplingWeight(description), toWorld: toWorld)
    }
}
