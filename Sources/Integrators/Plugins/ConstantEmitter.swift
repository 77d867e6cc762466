// Mitsuba's `constant` emitter: uniform radiance from every direction at infinity.
import Tracer

/// An environment of constant radiance (SCENE-SPEC §7), sampled uniformly over the sphere of directions.
public struct ConstantEmitter: Emitter {
    /// The RGB radiance (Mitsuba's default is 1), a parameter under "radiance.value".
    public let radiance: ConstantTexture
    public let samplingWeight: Float

    /// An environment of radiance `radiance`.
    public init(radiance: Vector3f = .one, samplingWeight: Float = 1) {
        self.radiance = ConstantTexture(radiance)
        self.samplingWeight = samplingWeight
    }

    public var flags: EmitterFlags { .infinite }

    /// A uniform direction d on the sphere, pdf 1/4π, weight radiance·4π, and the point p + d·2·max(R, |p − c|)
    /// beyond all geometry, where (c, R) is the scene's bounding sphere.
    public func sampleDirection(from reference: Vector3Array, sample: Point2Array, bounds: EmitterSceneBounds,
                                active: BoolArray, bindings: RenderBindings)
        -> (sample: EmitterSample, weight: Vector3Array) {
        let d = squareToUniformSphere(sample)
        let lanes = Swift.max(reference.count, sample.count)
        let pdf = FloatArray(repeating: Float(1 / (4 * Double.pi)), count: lanes)
        let reach = max((reference - .constant(bounds.center)).length, .constant(bounds.radius))
        let dist = 2 * reach
        let emitterSample = EmitterSample(p: fma(d, dist, reference), n: -d, d: d, dist: dist, pdf: pdf,
                                          isDelta: BoolArray(repeating: false, count: lanes))
        return (emitterSample, radiance.eval(sample, active: active, bindings: bindings) / pdf)
    }

    /// 1/4π for every direction.
    public func pdfDirection(from reference: Vector3Array, _ sample: EmitterSample, active: BoolArray,
                             bindings: RenderBindings) -> FloatArray {
        select(active, uniformSpherePdf(count: sample.d.count), .constant(0))
    }

    /// The radiance, everywhere.
    public func evalDirection(from reference: Vector3Array, _ sample: EmitterSample, active: BoolArray,
                              bindings: RenderBindings) -> Vector3Array {
        radiance.eval(Point2Array(repeating: 0, 0), active: active, bindings: bindings)
    }

    /// The radiance, in every direction.
    public func eval(_ si: SurfaceInteraction, direction: Vector3Array, active: BoolArray,
                     bindings: RenderBindings) -> Vector3Array {
        radiance.eval(Point2Array(repeating: 0, 0), active: active, bindings: bindings)
    }

    public var parameters: [(key: String, slot: ParameterSlot)] { [("radiance.value", radiance.value)] }
}

extension ConstantEmitter {
    /// From `<emitter type="constant">`: `radiance` as an rgb or float property (default 1), `sampling_weight`.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.emitter, type: "constant", description)
        try description.requireKnownProperties(["radiance", "sampling_weight"])
        try PluginFactory.rejectNestedPlugins(description, instead: "give 'radiance' as rgb or float")
        self.init(radiance: try description.rgb("radiance", default: .one),
                  samplingWeight: try PluginFactory.samplingWeight(description))
    }
}
