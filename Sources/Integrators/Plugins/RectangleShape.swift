// Mitsuba's `rectangle` shape: the square [−1, 1]² in the local z = 0 plane, placed in the world by `to_world`.
import Tracer

/// A rectangle: the local square [−1, 1]² at z = 0 with normal +z, mapped to the world by `toWorld`
/// (SCENE-SPEC §4). Normals are never flipped toward the ray.
public struct RectangleShape: Shape {
    /// The local-to-world transform.
    public let toWorld: Transform4
    /// The unit world normal: normalize(toWorld applied to the normal (0, 0, 1)).
    public let normal: Vector3f
    /// The first shading tangent: normalize(toWorld (1, 0, 0)).
    public let tangent: Vector3f
    /// The second shading tangent: normal × tangent.
    public let bitangent: Vector3f

    /// A rectangle placed by `toWorld` (identity: the square [−1, 1]² in the plane z = 0).
    /// `toWorld` must be invertible.
    public init(toWorld: Transform4 = .identity) {
        precondition(toWorld.isInvertible, "RectangleShape: to_world must be invertible")
        self.toWorld = toWorld
        let n = toWorld.applyNormal(Vector3f(0, 0, 1)).normalized
        let s = toWorld.applyVector(Vector3f(1, 0, 0)).normalized
        normal = n
        tangent = s
        bitangent = n.cross(s)
    }

    /// The world-space corners' bounding box.
    public var bounds: (min: Vector3f, max: Vector3f) {
        let corners = [Vector3f(-1, -1, 0), Vector3f(1, -1, 0), Vector3f(-1, 1, 0), Vector3f(1, 1, 0)]
            .map { toWorld.applyPoint($0) }
        let lower = corners.dropFirst().reduce(corners[0]) { $0.min($1) }
        let upper = corners.dropFirst().reduce(corners[0]) { $0.max($1) }
        return (lower, upper)
    }

    /// Mitsuba's test in local space: t = −o_z/d_z, valid if 0 ≤ t ≤ maxt and |x|, |y| ≤ 1.
    /// Missed lanes get t = +∞.
    public func intersect(_ ray: RayArray, active: BoolArray) -> (t: FloatArray, hit: BoolArray) {
        let (t, local) = localHit(ray)
        let inSegment = (t .>= 0) & (t .<= ray.maxT)
        let inSquare = (abs(local.x) .<= 1) & (abs(local.y) .<= 1)
        let hit = active & inSegment & inSquare
        return (select(hit, t, .constant(.infinity)), hit)
    }

    /// p = o + t d, n = the plane's normal, uv = ((x + 1)/2, (y + 1)/2) from the local hit point, the frame
    /// (tangent, bitangent, normal), and dp/du, dp/dv.
    public func surface(_ ray: RayArray, t: FloatArray) -> SurfaceGeometry {
        let lanes = Swift.max(t.count, ray.origin.count, ray.direction.count)
        let p = fma(ray.direction, t, ray.origin)
        let local = localPoint(ray, t: t)
        let half = FloatArray.constant(0.5)
        let uv = Point2Array(x: fma(local.x, half, half), y: fma(local.y, half, half))
        let n = Vector3Array(repeating: normal, count: lanes)
        let frame = Frame(s: Vector3Array(repeating: tangent, count: lanes),
                          t: Vector3Array(repeating: bitangent, count: lanes), n: n)
        // Mitsuba's dp/du and dp/dv: the images of the local square's edge vectors, (2, 0, 0) and (0, 2, 0).
        let dpdu = Vector3Array(repeating: toWorld.applyVector(Vector3f(2, 0, 0)), count: lanes)
        let dpdv = Vector3Array(repeating: toWorld.applyVector(Vector3f(0, 2, 0)), count: lanes)
        return SurfaceGeometry(p: p, n: n, frame: frame, uv: uv, dpdu: dpdu, dpdv: dpdv)
    }

    /// The plane distance along the ray and the local hit point there.
    private func localHit(_ ray: RayArray) -> (t: FloatArray, local: Vector3Array) {
        let (origin, direction) = localRay(ray)
        let t = -origin.z / direction.z
        return (t, fma(direction, t, origin))
    }

    /// The local point at distance `t` along the ray, computed as in the intersection test.
    private func localPoint(_ ray: RayArray, t: FloatArray) -> Vector3Array {
        let (origin, direction) = localRay(ray)
        return fma(direction, t, origin)
    }

    /// The ray in local coordinates (the direction is not renormalised, so distances are the same).
    private func localRay(_ ray: RayArray) -> (origin: Vector3Array, direction: Vector3Array) {
        let toObject = toWorld.inverted
        return (toObject.applyPoint(ray.origin), toObject.applyVector(ray.direction))
    }
}

extension RectangleShape {
    /// From `<shape type="rectangle">`: `to_world` (default identity, must be invertible). The nested bsdf is read
    /// by `PluginFactory.makeShape`.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.shape, type: "rectangle", description)
        try PluginFactory.requireKnownShapeProperties(description, ["to_world"])
        let toWorld = try description.transform("to_world", default: .identity)
        guard toWorld.isInvertible else {
            throw description.error("'to_world' must be invertible", property: "to_world")
        }
        self.init(toWorld: toWorld)
    }
}

extension RectangleShape {
    /// The rectangle an instance places (any invertible affine map keeps it a parallelogram, as in Mitsuba).
    public func placed(by instanceToWorld: Transform4) throws -> any Shape {
        RectangleShape(toWorld: instanceToWorld * toWorld)
    }
}
