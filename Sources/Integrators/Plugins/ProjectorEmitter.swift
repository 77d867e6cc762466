// Mitsuba's `projector` light: a pinhole that projects an irradiance image (or a constant) into the scene.
import Foundation
import Tracer

/// A projector at `toWorld`'s origin looking down its +z axis (Mitsuba's `projector`): the reciprocal of a
/// `perspective` camera whose film is the `irradiance` texture, with the camera's pixel-to-direction mapping. A
/// point at local position (x, y, z), z > 0, lies on the image at uv = (½ − ½·x / (z·T), ½ − ½·a·y / (z·T)),
/// with T = tan(fov / 2) of the horizontal field of view and a the texture's width / height (1 for a constant);
/// points whose uv leaves [0, 1]² receive nothing. What arrives is irradiance(uv) · scale · π / (z² cos θ), θ the angle
/// between the axis and the direction to the point, so that a plane facing the projector at distance z is lit
/// evenly by a constant image: it receives the irradiance π · scale · irradiance / z².
public struct ProjectorEmitter: Emitter {
    public let toWorld: Transform4
    /// The projected image (Mitsuba's `irradiance`): a bitmap or checkerboard looked up at uv, or a constant (an
    /// rgb value under "irradiance.value", or a float).
    public let irradiance: any Texture
    /// The factor on `irradiance`, a differentiable parameter of shape [1] under "scale".
    public let scale: ParameterSlot
    /// The horizontal field of view in degrees, fixed when the light is made (Mitsuba's `x_fov`): `fov` along its
    /// axis of an image of the texture's aspect ratio.
    public let horizontalFieldOfView: Float
    public let samplingWeight: Float
    /// `toWorld` as `mi.traverse` lists it.
    private let toWorldListing: ParameterSlot

    /// A projector of `irradiance` times `scale`, with horizontal field of view `horizontalFieldOfView` degrees
    /// (in (0, 180)); `toWorld` must be invertible.
    public init(toWorld: Transform4 = .identity, irradiance: any Texture = UniformTexture(1), scale: Float = 1,
                horizontalFieldOfView: Float, samplingWeight: Float = 1) {
        precondition(horizontalFieldOfView > 0 && horizontalFieldOfView < 180,
                     "ProjectorEmitter: the field of view must lie in (0, 180) degrees, got \(horizontalFieldOfView)")
        precondition(toWorld.isInvertible, "ProjectorEmitter: toWorld must be invertible")
        self.toWorld = toWorld
        self.irradiance = irradiance
        self.scale = ParameterSlot(value: FloatArray([scale]), shape: [1])
        self.horizontalFieldOfView = horizontalFieldOfView
        self.samplingWeight = samplingWeight
        toWorldListing = .listing(toWorld)
    }

    public var flags: EmitterFlags { .deltaPosition }

    /// The image plane of the texture's current size (Mitsuba rebuilds it when the irradiance changes).
    var imagePlane: ProjectorImagePlane {
        let size = irradiance.resolution
        return ProjectorImagePlane(width: size.width, height: size.height,
                                   horizontalFieldOfView: horizontalFieldOfView)
    }

    /// The light's position, pdf 1 where the reference point lies in the projected frustum and 0 elsewhere (a Dirac
    /// delta), n the projector's axis; weight as `evalDirection`.
    public func sampleDirection(from reference: Vector3Array, sample: Point2Array, bounds: EmitterSceneBounds,
                                active: BoolArray, bindings: RenderBindings)
        -> (sample: EmitterSample, weight: Vector3Array) {
        let lanes = Swift.max(reference.count, sample.count)
        let position = toWorld.translation
        let (_, inside) = imagePoint(of: reference, active: active)
        let offset = Vector3Array.constant(position) - reference
        let dist = offset.length
        let pdf = select(inside, .constant(1), FloatArray(repeating: 0, count: lanes))
        let emitterSample = EmitterSample(p: .constant(position), n: .constant(axis), d: offset * (1 / dist),
                                          dist: dist, pdf: pdf, isDelta: BoolArray(repeating: true, count: lanes))
        return (emitterSample, evalDirection(from: reference, emitterSample, active: active, bindings: bindings))
    }

    /// 0: no ray reaches a point.
    public func pdfDirection(from reference: Vector3Array, _ sample: EmitterSample, active: BoolArray,
                             bindings: RenderBindings) -> FloatArray {
        .constant(0)
    }

    /// irradiance(uv) · scale · π / (z² cos θ) inside the frustum, 0 outside (z the reference point's depth along
    /// the axis in the light's space, cos θ = −axis · d).
    public func evalDirection(from reference: Vector3Array, _ sample: EmitterSample, active: BoolArray,
                              bindings: RenderBindings) -> Vector3Array {
        let (point, inside) = imagePoint(of: reference, active: active)
        let value = irradiance.eval(point.uv, active: inside, bindings: bindings)
        let factor = bindings.value(of: scale).gather(UInt32Array(repeating: 0), mask: inside) * Float.pi
        let cosTheta = -Vector3Array.constant(axis).dot(sample.d)
        let weight = value * (factor / (point.depth * point.depth * cosTheta))
        return select(inside, weight, .constant(.zero))
    }

    /// 0: no ray reaches a point.
    public func eval(_ si: SurfaceInteraction, direction: Vector3Array, active: BoolArray,
                     bindings: RenderBindings) -> Vector3Array {
        .constant(.zero)
    }

    /// "scale", "irradiance.…" and "to_world" (listed, not differentiable), in Mitsuba's order.
    public var parameters: [(key: String, slot: ParameterSlot)] {
        [("scale", scale)] + irradiance.parameters.map { ("irradiance." + $0.key, $0.slot) }
            + [("to_world", toWorldListing)]
    }

    /// The projector's axis in world space: `toWorld` applied to +z (not normalised, as Mitsuba's `ds.n`).
    private var axis: Vector3f { toWorld.applyVector(Vector3f(0, 0, 1)) }

    /// Where each reference point falls on the image (uv, and its depth z in the light's space), and whether it is
    /// lit: active, in front of the projector and with uv in [0, 1]².
    private func imagePoint(of reference: Vector3Array, active: BoolArray)
        -> (point: (uv: Point2Array, depth: FloatArray), inside: BoolArray) {
        let local = toWorld.inverted.applyPoint(reference)
        let uv = imagePlane.uv(local)
        let inside = active & (local.z .> 0) & (uv.x .>= 0) & (uv.x .<= 1) & (uv.y .>= 0) & (uv.y .<= 1)
        return ((uv, local.z), inside)
    }
}

/// The map from a projector's space to its image's uv, as Mitsuba's `perspective_projection` of a film of the
/// texture's size composes it in single precision: u = (m02·z + m00·x) / z, v = (m12·z + m11·y) / z, with
/// m00 = −½ cot, m02 = ½, m11 = −½ a cot and m12 = (−½ a)(−1 / a) (½ up to rounding), cot = 1 / tan(fov / 2).
struct ProjectorImagePlane {
    let m00: Float, m02: Float, m11: Float, m12: Float

    init(width: Int, height: Int, horizontalFieldOfView: Float) {
        let aspect = Float(width) / Float(height)
        let cotangent = 1 / Foundation.tan(horizontalFieldOfView * 0.5 * Float(Double.pi / 180))
        m00 = -0.5 * cotangent
        m02 = 0.5
        m11 = (-0.5 * aspect) * cotangent
        m12 = (-0.5 * aspect) * (-1 / aspect)
    }

    /// The uv of local points (perspective division by z; meaningless where z ≤ 0).
    func uv(_ local: Vector3Array) -> Point2Array {
        let u = fma(FloatArray.constant(m02), local.z, local.x * m00) / local.z
        let v = fma(FloatArray.constant(m12), local.z, local.y * m11) / local.z
        return Point2Array(x: u, y: v)
    }
}
