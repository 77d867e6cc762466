// Mitsuba's `area` light: a shape's surface emitting constant radiance from its front side.
import Tracer

/// Radiance leaving the front side (where the shading normal points) of a shape, sampled through the shape's
/// `AreaSampling` (by solid angle for spheres seen from outside, by area elsewhere).
public struct AreaEmitter: Emitter {
    /// The emitting shape.
    public let shape: any AreaSampling
    /// The RGB radiance, a parameter under "radiance.value".
    public let radiance: ConstantTexture
    public let samplingWeight: Float

    public init(shape: any AreaSampling, radiance: Vector3f = .one, samplingWeight: Float = 1) {
        self.shape = shape
        self.radiance = ConstantTexture(radiance)
        self.samplingWeight = samplingWeight
    }

    public var flags: EmitterFlags { .surface }

    /// A point on the shape seen from `reference`; only its front side emits (d · n < 0), elsewhere the sample
    /// fails (pdf kept, weight 0). Weight radiance / pdf.
    public func sampleDirection(from reference: Vector3Array, sample: Point2Array, bounds: EmitterSceneBounds,
                                active: BoolArray, bindings: RenderBindings)
        -> (sample: EmitterSample, weight: Vector3Array) {
        let lanes = Swift.max(reference.count, sample.count)
        let point = shape.sampleDirection(from: reference, sample: sample, active: active)
        let emits = active & (point.d.dot(point.n) .< 0) & (point.pdf .!= 0)
        let emitterSample = EmitterSample(p: point.p, n: point.n, d: point.d, dist: point.dist, pdf: point.pdf,
                                          isDelta: BoolArray(repeating: false, count: lanes))
        let weight = select(emits, radiance.eval(point.uv, active: emits,
                                                 bindings: bindings) / point.pdf, .constant(.zero))
        return (emitterSample, weight)
    }

    /// The shape's solid-angle density toward p, on the front side only.
    public func pdfDirection(from reference: Vector3Array, _ sample: EmitterSample, active: BoolArray,
                             bindings: RenderBindings) -> FloatArray {
        let front = active & (sample.d.dot(sample.n) .< 0)
        return select(front, shape.pdfDirection(from: reference, to: sample.p, n: sample.n, active: front),
                      .constant(0))
    }

    /// The radiance, toward the front side only.
    public func evalDirection(from reference: Vector3Array, _ sample: EmitterSample, active: BoolArray,
                              bindings: RenderBindings) -> Vector3Array {
        let front = active & (sample.d.dot(sample.n) .< 0)
        return select(front, radiance.eval(Point2Array(repeating: 0, 0), active: front,
                                           bindings: bindings), .constant(.zero))
    }

    /// The radiance where the ray arrives from the front side (cos θ of wi in the shading frame positive).
    public func eval(_ si: SurfaceInteraction, direction: Vector3Array, active: BoolArray,
                     bindings: RenderBindings) -> Vector3Array {
        let front = active & (si.wi.z .> 0)
        return select(front, radiance.eval(si, active: front, bindings: bindings), .constant(.zero))
    }

    public var parameters: [(key: String, slot: ParameterSlot)] { [("radiance.value", radiance.value)] }
}

extension AreaEmitter {
    /// From an `<emitter type="area">` nested in a shape: `radiance` (rgb or float, default 1), `sampling_weight`.
    public init(_ description: PluginDescription, shape: any AreaSampling) throws {
        try PluginFactory.requireKind(.emitter, type: "area", description)
        try description.requireKnownProperties(["radiance", "sampling_weight"])
        try PluginFactory.rejectNestedPlugins(description, instead: "give 'radiance' as rgb or float")
        self.init(shape: shape, radiance: try description.rgb("radiance", default: .one),
                  samplingWeight: try PluginFactory.samplingWeight(description))
    }
}
