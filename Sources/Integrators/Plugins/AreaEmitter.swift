// Mitsuba's `area` light: a shape's surface emitting a (possibly textured) radiance from its front side.
import Tracer

/// Radiance leaving the front side (where the shading normal points) of a shape. A constant radiance is sampled
/// through the shape's `AreaSampling` (by solid angle for spheres seen from outside, by area elsewhere); a
/// spatially varying one (a bitmap or checkerboard, looked up at the surface's uv) by its texture's
/// `samplePosition`, placed on the shape through its `SurfaceParameterization`, as Mitsuba's area.cpp does
/// (`AreaEmitter+Texture.swift`).
public struct AreaEmitter: Emitter {
    /// The emitting shape.
    public let shape: any AreaSampling
    /// The RGB radiance: a constant (`ConstantTexture`, key "radiance.value") or any texture ("radiance.data" for
    /// a bitmap).
    public let radiance: any Texture
    public let samplingWeight: Float
    /// How a uv is placed on the shape; set exactly when the radiance varies over the surface.
    let parameterization: (any SurfaceParameterization)?

    /// An area light of constant radiance.
    public init(shape: any AreaSampling, radiance: Vector3f = .one, samplingWeight: Float = 1) {
        self.shape = shape
        self.radiance = ConstantTexture(radiance)
        self.samplingWeight = samplingWeight
        parameterization = nil
    }

    /// An area light of radiance `radiance`. A spatially varying texture needs a uv parameterization of the
    /// shape: `parameterization`, or the shape's own (`SurfaceParameterization`: rectangle, disk, sphere,
    /// cylinder); its values cannot be rendered in batches (the sampling distribution is one image's).
    public init(shape: any AreaSampling, radiance: any Texture, samplingWeight: Float = 1,
                parameterization: (any SurfaceParameterization)? = nil) {
        self.shape = shape
        self.radiance = radiance
        self.samplingWeight = samplingWeight
        guard radiance.isSpatiallyVarying else {
            self.parameterization = nil
            return
        }
        guard let parameterized = parameterization ?? shape as? any SurfaceParameterization else {
            preconditionFailure("AreaEmitter: a spatially varying radiance needs a shape with a uv parameterization "
                                + "(rectangle, disk, sphere or cylinder), got \(type(of: shape))")
        }
        self.parameterization = parameterized
        for (_, slot) in radiance.parameters { slot.supportsBatches = false }
    }

    public var flags: EmitterFlags { .surface }

    /// Whether a ray hitting the light needs the surface's uv (the radiance varies over it).
    public var readsSurfaceCoordinates: Bool { parameterization != nil }

    /// A point on the shape seen from `reference`; only its front side emits (d · n < 0), elsewhere the sample
    /// fails (pdf kept, weight 0). Weight radiance / pdf.
    public func sampleDirection(from reference: Vector3Array, sample: Point2Array, bounds: EmitterSceneBounds,
                                active: BoolArray, bindings: RenderBindings)
        -> (sample: EmitterSample, weight: Vector3Array) {
        if let parameterization {
            return sampleByTexture(from: reference, sample: sample, parameterization: parameterization,
                                   active: active, bindings: bindings)
        }
        let lanes = Swift.max(reference.count, sample.count)
        let point = shape.sampleDirection(from: reference, sample: sample, active: active)
        let emits = active & (point.d.dot(point.n) .< 0) & (point.pdf .!= 0)
        let emitterSample = EmitterSample(p: point.p, n: point.n, d: point.d, dist: point.dist, pdf: point.pdf,
                                          isDelta: BoolArray(repeating: false, count: lanes))
        let weight = select(emits, radiance.eval(point.uv, active: emits,
                                                 bindings: bindings) / point.pdf, .constant(.zero))
        return (emitterSample, weight)
    }

    /// The solid-angle density toward p, on the front side only.
    public func pdfDirection(from reference: Vector3Array, _ sample: EmitterSample, active: BoolArray,
                             bindings: RenderBindings) -> FloatArray {
        if let parameterization {
            return pdfByTexture(from: reference, sample, parameterization: parameterization, active: active,
                                bindings: bindings)
        }
        let front = active & (sample.d.dot(sample.n) .< 0)
        return select(front, shape.pdfDirection(from: reference, to: sample.p, n: sample.n, active: front),
                      .constant(0))
    }

    /// The radiance at the sample's uv (at uv = 0 for a constant), toward the front side only.
    public func evalDirection(from reference: Vector3Array, _ sample: EmitterSample, active: BoolArray,
                              bindings: RenderBindings) -> Vector3Array {
        let front = active & (sample.d.dot(sample.n) .< 0)
        let uv = sample.uv ?? Point2Array(repeating: 0, 0)
        return select(front, radiance.eval(uv, active: front, bindings: bindings), .constant(.zero))
    }

    /// The radiance where the ray arrives from the front side (cos θ of wi in the shading frame positive).
    public func eval(_ si: SurfaceInteraction, direction: Vector3Array, active: BoolArray,
                     bindings: RenderBindings) -> Vector3Array {
        let front = active & (si.wi.z .> 0)
        return select(front, radiance.eval(si, active: front, bindings: bindings), .constant(.zero))
    }

    /// The radiance's parameters under "radiance." ("radiance.value" for a constant, "radiance.data" for a bitmap).
    public var parameters: [(key: String, slot: ParameterSlot)] {
        radiance.parameters.map { ("radiance." + $0.key, $0.slot) }
    }
}

extension AreaEmitter {
    /// From an `<emitter type="area">` nested in a shape: `radiance` (rgb or float, default 1, or a nested or
    /// referenced texture evaluated at the surface's uv) and `sampling_weight`. A texture that varies over the
    /// surface needs a shape with a uv parameterization: an analytic shape's own, or `meshParameterization` for a
    /// triangle mesh (called only then; it throws for a mesh without texture coordinates).
    public init(_ description: PluginDescription, shape: any AreaSampling, document: SceneDocument,
                meshParameterization: (() throws -> any SurfaceParameterization)? = nil) throws {
        try PluginFactory.requireKind(.emitter, type: "area", description)
        try description.requireKnownProperties(["radiance", "sampling_weight"])
        try PluginFactory.rejectUnnamedChildren(description, expected: "a texture named radiance")
        let weight = try PluginFactory.samplingWeight(description)
        guard description.child(named: "radiance") != nil else {
            self.init(shape: shape, radiance: try description.rgb("radiance", default: .one), samplingWeight: weight)
            return
        }
        let texture = try PluginFactory.colorTexture(description, "radiance", default: 1, document: document)
        var parameterization: (any SurfaceParameterization)? = nil
        if texture.isSpatiallyVarying && !(shape is any SurfaceParameterization) {
            guard let meshParameterization else {
                throw description.error("a 'radiance' texture that varies over the surface needs a shape with a uv "
                                        + "parameterization, found \(type(of: shape))", property: "radiance")
            }
            do {
                parameterization = try meshParameterization()
            } catch let error as SceneError {
                throw description.error(error.message, property: "radiance")
            }
        }
        self.init(shape: shape, radiance: texture, samplingWeight: weight, parameterization: parameterization)
    }
}
