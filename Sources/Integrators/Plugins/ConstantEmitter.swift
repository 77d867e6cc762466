// Mitsuba's `constant` emitter: uniform radiance from every direction at infinity.
import Tracer

/// An environment of constant radiance (SCENE-SPEC §7), sampled uniformly over the sphere of directions.
public struct ConstantEmitter {
    /// The RGB radiance (Mitsuba's default is 1).
    public var radiance: Vector3f

    /// An environment of radiance `radiance`.
    public init(radiance: Vector3f = .one) {
        self.radiance = radiance
    }

    /// The radiance arriving along any escaped ray, per lane of `direction`.
    public func eval(direction: Vector3Array) -> Vector3Array {
        Vector3Array(repeating: radiance, count: direction.count)
    }

    /// A uniform direction d on the sphere, pdf 1/4π, weight radiance/pdf = radiance·4π, and a target point
    /// p + d·2·max(R, |p − c|) beyond all geometry, where (c, R) is the scene's bounding sphere.
    public func sampleDirection(from p: Vector3Array, sample u: Point2Array, sceneCenter: Vector3f = .zero,
                                sceneRadius: Float)
        -> (direction: Vector3Array, pdf: FloatArray, weight: Vector3Array, target: Vector3Array) {
        let lanes = Swift.max(p.count, u.count)
        let direction = squareToUniformSphere(u)
        let density = Float(1 / (4 * Double.pi))
        let pdf = FloatArray(repeating: density, count: lanes)
        let weight = Vector3Array(repeating: radiance / density, count: lanes)
        let distanceToCenter = (p - Vector3Array.constant(sceneCenter)).length
        let reach = max(distanceToCenter, .constant(sceneRadius))
        let target = fma(direction, 2 * reach, p)
        return (direction, pdf, weight, target)
    }

    /// The density of `sampleDirection` per solid angle: 1/4π for every direction.
    public func pdfDirection(_ direction: Vector3Array) -> FloatArray {
        uniformSpherePdf(count: direction.count)
    }
}

extension ConstantEmitter {
    /// From `<emitter type="constant">`: `radiance` as an rgb or float property (default 1).
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.emitter, type: "constant", description)
        try description.requireKnownProperties(["radiance"])
        if let child = description.children.first {
            throw SceneError("a nested \(child.kind) is not supported here (give 'radiance' as rgb or float)",
                             at: child.referenceLocation ?? child.location, element: description.elementDescription)
        }
        self.init(radiance: try description.rgb("radiance", default: .one))
    }
}
