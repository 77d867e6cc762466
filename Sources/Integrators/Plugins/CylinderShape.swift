// Mitsuba's `cylinder` shape: the open unit cylinder x² + y² = 1, 0 ≤ z ≤ 1 in local space (no caps).
import Tracer

/// An open cylinder (no caps), as Mitsuba's `cylinder`: the local surface x² + y² = 1, 0 ≤ z ≤ 1, mapped to the
/// world by `toWorld`. uv = (φ/2π, z_local). Normals point away from the axis unless flipped; they are never
/// flipped toward the ray, so a ray from inside sees the inner side with an outward normal.
public struct CylinderShape: Shape {
    /// The local-to-world transform (unit cylinder → this cylinder).
    public let toWorld: Transform4
    /// Whether the user asked for inward normals (`flip_normals`).
    public let flipNormals: Bool
    /// Whether `toWorld` mirrors space (negative determinant). Mitsuba then turns the normals of hits around once
    /// more, because the cross product dp/du × dp/dv it takes them from points inward under a mirror.
    public let mirrored: Bool
    /// The radius |toWorld (1, 0, 0)|.
    public let radius: Float
    /// The length |toWorld (0, 0, 1)|.
    public let length: Float

    /// A cylinder placed by `toWorld`, which must be invertible. Mitsuba warns about shear and non-uniform x/y
    /// scales but accepts them; so does this.
    public init(toWorld: Transform4 = .identity, flipNormals: Bool = false) {
        precondition(toWorld.isInvertible, "CylinderShape: to_world must be invertible")
        self.toWorld = toWorld
        self.flipNormals = flipNormals
        mirrored = Self.linearDeterminant(toWorld.matrix) < 0
        radius = toWorld.applyVector(Vector3f(1, 0, 0)).length
        length = toWorld.applyVector(Vector3f(0, 0, 1)).length
    }

    /// Mitsuba's placement from the endpoints of the axis and the radius: to_world · translate(p0) ·
    /// to_frame(Frame(normalize(p1 − p0))) · scale(r, r, |p1 − p0|). `p0` and `p1` must differ and `radius` be
    /// positive.
    public init(p0: Vector3f = .zero, p1: Vector3f = Vector3f(0, 0, 1), radius: Float = 1,
                toWorld: Transform4 = .identity, flipNormals: Bool = false) {
        self.init(toWorld: Self.placement(p0: p0, p1: p1, radius: radius, toWorld: toWorld),
                  flipNormals: flipNormals)
    }

    /// The transform of `init(p0:p1:radius:toWorld:flipNormals:)`.
    static func placement(p0: Vector3f, p1: Vector3f, radius: Float, toWorld: Transform4) -> Transform4 {
        let axis = p1 - p0
        let length = axis.length
        let n = axis / length
        let (s, t) = Self.coordinateSystem(n)
        // Mitsuba's to_frame: the columns are s, t, n; the inverse of a rotation is its transpose.
        let frame = Matrix4(columns: SIMD4(s.x, s.y, s.z, 0), SIMD4(t.x, t.y, t.z, 0), SIMD4(n.x, n.y, n.z, 0),
                            SIMD4(0, 0, 0, 1))
        return toWorld * .translate(p0) * Transform4(matrix: frame, inverse: frame.transposed)
            * .scale(radius, radius, length)
    }

    /// Mitsuba's `coordinate_system` on the host (Duff et al. 2017): two unit vectors completing the unit `n` to a
    /// right-handed orthonormal basis.
    static func coordinateSystem(_ n: Vector3f) -> (s: Vector3f, t: Vector3f) {
        let sign: Float = n.z.sign == .minus ? -1 : 1
        let a = -1 / (sign + n.z)
        let b = n.x * n.y * a
        let s = Vector3f(sign * (n.x * n.x * a) + 1, sign * b, -sign * n.x)
        let t = Vector3f(b, sign.addingProduct(n.y, n.y * a), -n.y)
        return (s, t)
    }

    /// The determinant of the upper-left 3×3 block.
    static func linearDeterminant(_ m: Matrix4) -> Float {
        let minor0 = m[1, 1] * m[2, 2] - m[1, 2] * m[2, 1]
        let minor1 = m[1, 0] * m[2, 2] - m[1, 2] * m[2, 0]
        let minor2 = m[1, 0] * m[2, 1] - m[1, 1] * m[2, 0]
        return m[0, 0] * minor0 - m[0, 1] * minor1 + m[0, 2] * minor2
    }

    /// The surface area 2π r ℓ.
    public var surfaceArea: Float { Float(2 * Double.pi) * radius * length }

    /// Mitsuba's box: the end circles' centres ± √(u² + v²) per axis, with u, v the images of the local x and y
    /// axes.
    public var bounds: (min: Vector3f, max: Vector3f) {
        let u = toWorld.applyVector(Vector3f(1, 0, 0)), v = toWorld.applyVector(Vector3f(0, 1, 0))
        let x = Vector3f((u.x * u.x + v.x * v.x).squareRoot(), (u.y * u.y + v.y * v.y).squareRoot(),
                         (u.z * u.z + v.z * v.z).squareRoot())
        let bottom = toWorld.applyPoint(.zero), top = toWorld.applyPoint(Vector3f(0, 0, 1))
        return ((bottom - x).min(top - x), (bottom + x).max(top + x))
    }

    /// Mitsuba's test in local space, in float32 as its differentiable variants: the roots of
    /// (d_x² + d_y²) t² + 2 (d_x o_x + d_y o_y) t + o_x² + o_y² − 1 = 0. Rejected when there is none, when
    /// [t_near, t_far] misses [0, maxt] or contains it. Then t_near counts if 0 ≤ z(t_near) ≤ 1 and t_near ≥ 0,
    /// else t_far if 0 ≤ z(t_far) ≤ 1 and t_far ≤ maxt. Missed lanes get t = +∞.
    public func intersect(_ ray: RayArray, active: BoolArray) -> (t: FloatArray, hit: BoolArray) {
        let toObject = toWorld.inverted
        let o = toObject.applyPoint(ray.origin), d = toObject.applyVector(ray.direction)
        let a = d.x * d.x + d.y * d.y
        let b = 2 * (d.x * o.x + d.y * o.y)
        let c = o.x * o.x + o.y * o.y - 1
        let roots = SphereShape.solveQuadratic(a: a, b: b, c: c)
        let maxT = ray.maxT
        // Written as negations so that NaN roots count as out of bounds, as in Mitsuba.
        let outOfBounds = !((roots.near .<= maxT) & (roots.far .>= 0))
        let containsSegment = (roots.near .< 0) & (roots.far .> maxT)
        let zNear = o.z + d.z * roots.near
        let zFar = o.z + d.z * roots.far
        let nearCounts = (zNear .>= 0) & (zNear .<= 1) & (roots.near .>= 0)
        let farCounts = (zFar .>= 0) & (zFar .<= 1) & (roots.far .<= maxT)
        let hit = active & roots.found & !outOfBounds & !containsSegment & (nearCounts | farCounts)
        let t = select(nearCounts, roots.near, roots.far)
        return (select(hit, t, .constant(.infinity)), hit)
    }

    /// The surface as Mitsuba's `compute_surface_interaction` (non-differentiable path): from the local point
    /// q = toObject(o + t d), uv = (φ/2π with φ ∈ [0, 2π), q_z), dp/du = toWorld(2π (−q_y, q_x, 0)),
    /// dp/dv = toWorld(0, 0, 1), n = normalize(dp/du × dp/dv); p is pushed along n by 1 − |q_xy| against rounding,
    /// then n is flipped if asked (or mirrored), and the shading frame follows n and dp/du.
    public func surface(_ ray: RayArray, t: FloatArray) -> SurfaceGeometry {
        let lanes = Swift.max(t.count, ray.origin.count, ray.direction.count)
        let onRay = fma(ray.direction, t, ray.origin)
        let local = toWorld.inverted.applyPoint(onRay)
        let uv = Point2Array(x: CylinderShape.turns(y: local.y, x: local.x), y: local.z)
        let twoPi = Float(2 * Double.pi)
        let zero = FloatArray.constant(0)
        let dpdu = toWorld.applyVector(Vector3Array(x: twoPi * -local.y, y: twoPi * local.x, z: zero))
        let dpdv = Vector3Array(repeating: toWorld.applyVector(Vector3f(0, 0, 1)), count: lanes)
        var n = dpdu.cross(dpdv).normalized()
        let planarRadius = sqrt(local.x * local.x + local.y * local.y)
        let p = onRay + n * (1 - planarRadius)
        if flipNormals != mirrored { n = -n }
        return SurfaceGeometry(p: p, n: n, frame: Frame(normal: n, dpdu: dpdu), uv: uv, dpdu: dpdu, dpdv: dpdv)
    }

    /// atan2(y, x)/2π wrapped to [0, 1), computed as Mitsuba: φ wrapped to [0, 2π) first.
    static func turns(y: FloatArray, x: FloatArray) -> FloatArray {
        let phi = atan2(y, x)
        let wrapped = select(phi .< 0, phi + Float(2 * Double.pi), phi)
        return wrapped * Float(1 / (2 * Double.pi))
    }
}

extension CylinderShape: AreaSampling {
    /// Mitsuba's `sample_position`: θ = 2π sample.y, p = toWorld(cos θ, sin θ, sample.x),
    /// n = normalize(toWorld's normal transform of (cos θ, sin θ, 0)), uv = (sample.y, sample.x), pdf = 1/area.
    /// n is flipped only for `flip_normals`: the normal transform already keeps it outward under a mirror, where
    /// Mitsuba flips it a second time (and so disagrees with its own hits); here samples and hits agree.
    public func samplePosition(_ sample: Point2Array, active: BoolArray) -> PositionSample {
        let theta = Float(2 * Double.pi) * sample.y
        let cosTheta = cos(theta), sinTheta = sin(theta)
        let p = toWorld.applyPoint(Vector3Array(x: cosTheta, y: sinTheta, z: sample.x))
        var n = toWorld.applyNormal(Vector3Array(x: cosTheta, y: sinTheta, z: .constant(0))).normalized()
        if flipNormals { n = -n }
        return PositionSample(p: p, n: n, uv: Point2Array(x: sample.y, y: sample.x),
                              pdf: uniformDensity(1 / surfaceArea, lanes: sample.count, active: active))
    }

    /// 1/area wherever active.
    public func pdfPosition(_ position: PositionSample, active: BoolArray) -> FloatArray {
        uniformDensity(1 / surfaceArea, lanes: position.p.count, active: active)
    }
}

extension CylinderShape {
    /// From `<shape type="cylinder">`: `p0` (default origin), `p1` (default (0, 0, 1)), `radius` (default 1),
    /// `to_world` (default identity) and `flip_normals` (default false), combined as Mitsuba does. The nested bsdf
    /// is read by `PluginFactory.makeShape`.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.shape, type: "cylinder", description)
        try PluginFactory.requireKnownShapeProperties(description, ["p0", "p1", "radius", "to_world",
                                                                    "flip_normals"])
        let toWorld = try description.transform("to_world", default: .identity)
        let p0 = try description.point("p0", default: .zero)
        let p1 = try description.point("p1", default: Vector3f(0, 0, 1))
        let radius = try description.float("radius", default: 1)
        let flip = try description.boolean("flip_normals", default: false)
        guard radius > 0, radius.isFinite else {
            throw description.error("'radius' must be positive, got \(radius)", property: "radius")
        }
        let axisLength = (p1 - p0).length
        guard axisLength > 0, axisLength.isFinite else {
            let property = description.has("p1") ? "p1" : "p0"
            throw description.error("'p0' and 'p1' must be distinct finite points, got \(p0) and \(p1)",
                                    property: property)
        }
        let placement = Self.placement(p0: p0, p1: p1, radius: Float(radius), toWorld: toWorld)
        guard placement.isInvertible else {
            throw description.error("'to_world' must be invertible", property: "to_world")
        }
        self.init(toWorld: placement, flipNormals: flip)
    }
}

extension CylinderShape {
    /// The cylinder an instance places, normals flipped as this one's.
    public func placed(by instanceToWorld: Transform4) throws -> any Shape {
        CylinderShape(toWorld: instanceToWorld * toWorld, flipNormals: flipNormals)
    }
}
