// Mitsuba's `disk` shape: the unit disk in the local z = 0 plane, placed by `to_world`, with polar uv.
import Tracer

/// A disk: the local unit disk x² + y² ≤ 1 at z = 0 with normal +z, mapped to the world by `toWorld`, as Mitsuba's
/// `disk`. uv = (r, φ/2π) of the local hit point. Normals are never flipped toward the ray; `flip_normals` turns
/// them around for good.
public struct DiskShape: Shape {
    /// The local-to-world transform, including Mitsuba's scale(1, 1, −1) when the normals are flipped.
    public let toWorld: Transform4
    /// Whether the normals point along local −z.
    public let flipsNormals: Bool
    /// The unit world normal: normalize(toWorld applied to the normal (0, 0, 1)).
    public let normal: Vector3f
    /// The world surface area, π |dp/du| h, with h the height of the image of the unit v axis over the u axis
    /// (the disk may be mapped onto an ellipse).
    public let surfaceArea: Float

    /// A disk placed by `toWorld` (identity: the unit disk in the plane z = 0, facing +z). With `flipNormals`,
    /// Mitsuba appends scale(1, 1, −1) to the transform, which turns only the normal around.
    /// `toWorld` must be invertible.
    public init(toWorld: Transform4 = .identity, flipNormals: Bool = false) {
        precondition(toWorld.isInvertible, "DiskShape: to_world must be invertible")
        let placement = flipNormals ? toWorld * .scale(1, 1, -1) : toWorld
        self.toWorld = placement
        flipsNormals = flipNormals
        normal = placement.applyNormal(Vector3f(0, 0, 1)).normalized
        let dpdu = placement.applyVector(Vector3f(1, 0, 0))
        let dpdv = placement.applyVector(Vector3f(0, 1, 0))
        let du = dpdu.length, dv = dpdv.length
        let s = dpdu / du, t = dpdv / dv
        let along = (t * dv).dot(s)
        let height = (dv * dv - along * along).squareRoot()
        surfaceArea = Float.pi * du * height
    }

    /// Mitsuba's box: the centre ± √(u² + v²) per axis, with u, v the images of the local x and y axes.
    public var bounds: (min: Vector3f, max: Vector3f) {
        let c = toWorld.applyPoint(.zero)
        let u = toWorld.applyVector(Vector3f(1, 0, 0)), v = toWorld.applyVector(Vector3f(0, 1, 0))
        let e = Vector3f((u.x * u.x + v.x * v.x).squareRoot(), (u.y * u.y + v.y * v.y).squareRoot(),
                         (u.z * u.z + v.z * v.z).squareRoot())
        return ((c - e).min(c + e), (c - e).max(c + e))
    }

    /// Mitsuba's test in local space: t = −o_z/d_z, valid if 0 ≤ t ≤ maxt and x² + y² ≤ 1 at the local hit point.
    /// Missed lanes get t = +∞.
    public func intersect(_ ray: RayArray, active: BoolArray) -> (t: FloatArray, hit: BoolArray) {
        let (origin, direction) = localRay(ray)
        let t = -origin.z / direction.z
        let local = fma(direction, t, origin)
        let inDisk = local.x * local.x + local.y * local.y .<= 1
        let hit = active & (t .>= 0) & (t .<= ray.maxT) & inDisk
        return (select(hit, t, .constant(.infinity)), hit)
    }

    /// The surface as Mitsuba's `compute_surface_interaction` (non-differentiable path): p = o + t d moved back
    /// onto the plane along n, uv = (r, φ/2π) with φ ∈ [0, 2π) from the local hit point, dp/du = toWorld(cos φ,
    /// sin φ, 0), dp/dv = 2π r toWorld(−sin φ, cos φ, 0) (both 0 at the centre), n = the disk's normal and the
    /// shading frame from n and dp/du.
    public func surface(_ ray: RayArray, t: FloatArray) -> SurfaceGeometry {
        let lanes = Swift.max(t.count, ray.origin.count, ray.direction.count)
        let n = Vector3Array(repeating: normal, count: lanes)
        let onRay = fma(ray.direction, t, ray.origin)
        // Re-projection onto the plane through the centre: Mitsuba's remedy for the rounding of o + t d.
        let planeDistance = (Vector3Array.constant(toWorld.translation) - onRay).dot(n)
        let p = fma(n, planeDistance, onRay)

        let (origin, direction) = localRay(ray)
        let local = fma(direction, t, origin)
        let (uv, dpdu, dpdv) = parameterization(localX: local.x, localY: local.y)
        return SurfaceGeometry(p: p, n: n, frame: Frame(normal: n, dpdu: dpdu), uv: uv, dpdu: dpdu, dpdv: dpdv)
    }

    /// uv, dp/du and dp/dv of the local point (x, y, 0).
    private func parameterization(localX x: FloatArray, localY y: FloatArray)
        -> (uv: Point2Array, dpdu: Vector3Array, dpdv: Vector3Array) {
        let radiusSquared = x * x + y * y
        // 1/r, or 0 at the centre, where Mitsuba lets dp/du and dp/dv vanish rather than divide by zero.
        let inverseRadius = select(radiusSquared .!= 0, rsqrt(radiusSquared), .constant(0))
        let radius = radiusSquared * inverseRadius
        let uv = Point2Array(x: radius, y: Self.turns(y: y, x: x))
        let cosPhi = x * inverseRadius, sinPhi = y * inverseRadius
        let zero = FloatArray.constant(0)
        let dpdu = toWorld.applyVector(Vector3Array(x: cosPhi, y: sinPhi, z: zero))
        let dpdv = toWorld.applyVector(Vector3Array(x: -sinPhi, y: cosPhi, z: zero)) * (Float(2 * Double.pi) * radius)
        return (uv, dpdu, dpdv)
    }

    /// atan2(y, x)/2π wrapped to [0, 1).
    static func turns(y: FloatArray, x: FloatArray) -> FloatArray {
        let v = atan2(y, x) * Float(1 / (2 * Double.pi))
        return select(v .< 0, v + 1, v)
    }

    /// The ray in local coordinates (the direction is not renormalised, so distances are the same).
    private func localRay(_ ray: RayArray) -> (origin: Vector3Array, direction: Vector3Array) {
        let toObject = toWorld.inverted
        return (toObject.applyPoint(ray.origin), toObject.applyVector(ray.direction))
    }
}

extension DiskShape: AreaSampling {
    /// Mitsuba's `sample_position`: the concentric map of the sample onto the unit disk, placed by `toWorld`, with
    /// the disk's normal, uv = (r, φ/2π) of the disk point and pdf = 1/area.
    public func samplePosition(_ sample: Point2Array, active: BoolArray) -> PositionSample {
        let disk = squareToUniformDiskConcentric(sample)
        let lanes = Swift.max(sample.count, active.count)
        let p = toWorld.applyPoint(Vector3Array(x: disk.x, y: disk.y, z: .constant(0)))
        let uv = Point2Array(x: sqrt(disk.x * disk.x + disk.y * disk.y), y: Self.turns(y: disk.y, x: disk.x))
        return PositionSample(p: p, n: Vector3Array(repeating: normal, count: lanes), uv: uv,
                              pdf: uniformDensity(1 / surfaceArea, lanes: sample.count, active: active))
    }

    /// 1/area wherever active.
    public func pdfPosition(_ position: PositionSample, active: BoolArray) -> FloatArray {
        uniformDensity(1 / surfaceArea, lanes: position.p.count, active: active)
    }
}

extension DiskShape {
    /// From `<shape type="disk">`: `to_world` (default identity, must be invertible) and `flip_normals` (default
    /// false). The nested bsdf is read by `PluginFactory.makeShape`.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.shape, type: "disk", description)
        try PluginFactory.requireKnownShapeProperties(description, ["to_world", "flip_normals"])
        let toWorld = try description.transform("to_world", default: .identity)
        guard toWorld.isInvertible else {
            throw description.error("'to_world' must be invertible", property: "to_world")
        }
        let flip = try description.boolean("flip_normals", default: false)
        self.init(toWorld: toWorld, flipNormals: flip)
    }
}

extension DiskShape {
    /// The disk an instance places, normals flipped as this one's.
    public func placed(by instanceToWorld: Transform4) throws -> any Shape {
        DiskShape(toWorld: instanceToWorld * toWorld, flipNormals: flipsNormals)
    }
}
