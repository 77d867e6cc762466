// Finding a shape's surface point from its uv (Mitsuba's `eval_parameterization`), for area lights sampled by texture.
import Tracer

/// A shape whose surface points can be found from their surface coordinates (Mitsuba's `eval_parameterization`).
/// An area light whose radiance varies over its surface draws a uv by the texture and places it with this.
public protocol SurfaceParameterization {
    /// The surface at `uv` (its point, normal, frame, uv and dp/du, dp/dv, as a hit there gives them) and the lanes
    /// where that point exists.
    func surface(at uv: Point2Array, active: BoolArray) -> (geometry: SurfaceGeometry, valid: BoolArray)
}

extension Shape {
    /// Mitsuba's way for curved shapes to find a point (disk, sphere, cylinder): a ray from `origin` along
    /// `direction`, unbounded, and the shape's own nearest hit, valid where it hits.
    func surface(alongRayFrom origin: Vector3Array, direction: Vector3Array,
                 active: BoolArray) -> (geometry: SurfaceGeometry, valid: BoolArray) {
        let ray = RayArray(origin: origin, direction: direction,
                           maxT: FloatArray(repeating: .greatestFiniteMagnitude, context: origin.x.context))
        let (t, hit) = intersect(ray, active: active)
        return (surface(ray, t: t), hit)
    }
}

extension RectangleShape: SurfaceParameterization {
    /// Mitsuba's closed form: p = toWorld(2u − 1, 2v − 1, 0), the rectangle's normal and frame, dp/du =
    /// toWorld(2, 0, 0), dp/dv = toWorld(0, 2, 0); valid wherever active.
    public func surface(at uv: Point2Array, active: BoolArray) -> (geometry: SurfaceGeometry, valid: BoolArray) {
        let two = FloatArray.constant(2), minusOne = FloatArray.constant(-1)
        let local = Vector3Array(x: fma(uv.x, two, minusOne), y: fma(uv.y, two, minusOne), z: .constant(0))
        let lanes = Swift.max(uv.x.count, uv.y.count)
        let n = Vector3Array(repeating: normal, count: lanes)
        let frame = Frame(s: Vector3Array(repeating: tangent, count: lanes),
                          t: Vector3Array(repeating: bitangent, count: lanes), n: n)
        let geometry = SurfaceGeometry(p: toWorld.applyPoint(local), n: n, frame: frame, uv: uv,
                                       dpdu: Vector3Array(repeating: toWorld.applyVector(Vector3f(2, 0, 0)), count: lanes),
                                       dpdv: Vector3Array(repeating: toWorld.applyVector(Vector3f(0, 2, 0)), count: lanes))
        return (geometry, active)
    }
}

extension DiskShape: SurfaceParameterization {
    /// The local point (u cos 2πv, u sin 2πv, 0) placed in the world, found by a ray from one unit along the normal
    /// above it (Mitsuba's disk).
    public func surface(at uv: Point2Array, active: BoolArray) -> (geometry: SurfaceGeometry, valid: BoolArray) {
        let phi = Float(2 * Double.pi) * uv.y
        let local = Vector3Array(x: uv.x * cos(phi), y: uv.x * sin(phi), z: .constant(0))
        let n = Vector3Array(repeating: normal, count: phi.count)
        return surface(alongRayFrom: toWorld.applyPoint(local) + n, direction: -n, active: active)
    }
}

extension SphereShape: SurfaceParameterization {
    /// The local direction (cos φ sin θ, sin φ sin θ, cos θ), φ = 2πu, θ = πv, placed in the world and found by a
    /// ray toward it from outside (`rayTowardLocalPoint`).
    public func surface(at uv: Point2Array, active: BoolArray) -> (geometry: SurfaceGeometry, valid: BoolArray) {
        let phi = uv.x * Float(2 * Double.pi), theta = uv.y * Float.pi
        let sinTheta = sin(theta)
        let local = Vector3Array(x: cos(phi) * sinTheta, y: sin(phi) * sinTheta, z: cos(theta))
        return rayTowardLocalPoint(local, toWorld: toWorld, active: active)
    }
}

extension CylinderShape: SurfaceParameterization {
    /// The local point (cos 2πu, sin 2πu, v) placed in the world and found by a ray toward it from outside
    /// (`rayTowardLocalPoint`).
    public func surface(at uv: Point2Array, active: BoolArray) -> (geometry: SurfaceGeometry, valid: BoolArray) {
        let phi = Float(2 * Double.pi) * uv.x
        let local = Vector3Array(x: cos(phi), y: sin(phi), z: uv.y)
        return rayTowardLocalPoint(local, toWorld: toWorld, active: active)
    }
}

extension Shape {
    /// The point p = toWorld(local) of a sphere or cylinder, found by a ray from p + w back along −w. Mitsuba
    /// takes w = the local vector itself, added to the world point; that ray reaches p only while `toWorld` does
    /// not rotate (its linear part is diagonal), and then this does the same. Under a rotation Mitsuba's ray
    /// misses p (its sample then disagrees with its density); here w = toWorld's image of the local vector, which
    /// reaches p from outside for any placement.
    func rayTowardLocalPoint(_ local: Vector3Array, toWorld: Transform4,
                             active: BoolArray) -> (geometry: SurfaceGeometry, valid: BoolArray) {
        let m = toWorld.matrix
        let diagonal = [(0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1)].allSatisfy { m[$0.0, $0.1] == 0 }
        let offset = diagonal ? local : toWorld.applyVector(local)
        return surface(alongRayFrom: toWorld.applyPoint(local) + offset, direction: -offset, active: active)
    }
}
