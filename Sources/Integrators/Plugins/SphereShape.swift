// Mitsuba's `sphere` shape: float32 closest-approach ray intersection, outward normal, spherical uv.
import Tracer

/// A sphere with outward normals (SCENE-SPEC §4). `toWorld` maps the unit sphere at the origin onto it; it may
/// rotate, but it scales uniformly.
public struct SphereShape: Shape {
    /// The center c.
    public let center: Vector3f
    /// The radius r.
    public let radius: Float
    /// The local-to-world transform (unit sphere → this sphere).
    public let toWorld: Transform4

    /// The sphere of `radius` around `center`.
    public init(center: Vector3f = .zero, radius: Float = 1) {
        precondition(radius > 0 && radius.isFinite, "SphereShape: the radius must be positive, got \(radius)")
        self.center = center
        self.radius = radius
        toWorld = .translate(center) * .scale(radius)
    }

    /// The image of the unit sphere under `toWorld`, as Mitsuba: c = toWorld(0, 0, 0), r = |toWorld(1, 0, 0) − c|.
    /// Throws when `toWorld` is not a uniform scale, rotation and translation.
    public init(toWorld: Transform4) throws {
        if let problem = Self.similarityProblem(toWorld) {
            throw SceneError("a sphere's to_world must be a translation, rotation and uniform scale: \(problem)",
                             at: nil)
        }
        self.toWorld = toWorld
        center = toWorld.applyPoint(.zero)
        radius = toWorld.applyVector(Vector3f(1, 0, 0)).length
    }

    /// Why `transform` does not map the unit sphere onto a sphere, or nil when it does.
    static func similarityProblem(_ transform: Transform4) -> String? {
        guard transform.isInvertible else { return "it is singular or not finite" }
        guard transform.isAffine else { return "it has a projective part" }
        let axes = [Vector3f(1, 0, 0), Vector3f(0, 1, 0), Vector3f(0, 0, 1)].map { transform.applyVector($0) }
        let lengths = axes.map { $0.length }
        let scale = lengths[0]
        let tolerance: Float = 1e-5
        if lengths.contains(where: { abs($0 - scale) > tolerance * scale }) {
            return "the axes are scaled by \(lengths[0]), \(lengths[1]), \(lengths[2])"
        }
        for (a, b) in [(0, 1), (0, 2), (1, 2)] where abs(axes[a].dot(axes[b])) > tolerance * scale * scale {
            return "it shears (axes \(a) and \(b) are not orthogonal)"
        }
        return nil
    }

    /// The bounding box c ± r.
    public var bounds: (min: Vector3f, max: Vector3f) {
        let extent = Vector3f(repeating: radius)
        return (center - extent, center + extent)
    }

    /// Mitsuba's intersection: move the origin to the plane through c perpendicular to d, solve the quadratic
    /// there with the stable formula, add the plane distance back. Valid iff a root exists, t_near ≤ maxt,
    /// t_far ≥ 0, and the segment does not lie entirely inside; t = t_near, or t_far from inside.
    /// Missed lanes get t = +∞.
    public func intersect(_ ray: RayArray, active: BoolArray) -> (t: FloatArray, hit: BoolArray) {
        let c = Vector3Array.constant(center)
        let d = ray.direction
        let l = ray.origin - c
        let planeT = -l.dot(d) / d.length
        let planeOffset = fma(d, planeT, ray.origin) - c

        let a = d.squaredLength
        let b = 2 * planeOffset.dot(d)
        let constant = planeOffset.squaredLength - radius * radius
        let roots = Self.solveQuadratic(a: a, b: b, c: constant)
        let near = roots.near + planeT
        let far = roots.far + planeT

        let overlapsSegment = (near .<= ray.maxT) & (far .>= 0)
        let containsSegment = (near .< 0) & (far .> ray.maxT)
        let hit = active & roots.found & overlapsSegment & !containsSegment
        let t = select(near .< 0, far, near)
        return (select(hit, t, .constant(.infinity)), hit)
    }

    /// Mitsuba's `solve_quadratic`: the roots of a t² + b t + c = 0 in increasing order, computed as
    /// q = −½(b + copysign(√disc, b)), {q/a, c/q}; a linear equation when a = 0.
    static func solveQuadratic(a: FloatArray, b: FloatArray, c: FloatArray)
        -> (found: BoolArray, near: FloatArray, far: FloatArray) {
        let linearCase = a .== 0
        let validLinear = linearCase & (b .!= 0)

        let fourAC = 4 * a * c
        let discriminant = fma(b, b, -fourAC)
        let validQuadratic = !linearCase & (discriminant .>= 0)
        let root = sqrt(discriminant)
        let q = -0.5 * (b + copysign(root, b))
        let first = q / a
        let second = c / q
        // Mitsuba's linear root −c/b without a division of its own: where a = 0 the discriminant is b² rounded,
        // whose root is |b| exactly (no under- or overflow; a = 0 means a zero direction, b = 0, in every shape
        // here), so q = −b exactly and c/q is −c/b to the bit. One division fewer per sphere or cylinder test.
        let linearRoot = second
        let near = select(linearCase, linearRoot, min(first, second))
        let far = select(linearCase, linearRoot, max(first, second))
        return (validLinear | validQuadratic, near, far)
    }

    /// The hit point re-projected onto the sphere, p = c + r normalize(o + t d − c); n = (p − c)/r; Mitsuba's frame
    /// around n; uv = (φ/2π with φ = atan2(y, x) wrapped to [0, 2π), acos(z)/π) of the local point.
    public func surface(_ ray: RayArray, t: FloatArray) -> SurfaceGeometry {
        let c = Vector3Array.constant(center)
        let onRay = fma(ray.direction, t, ray.origin)
        let outward = (onRay - c).normalized()
        let p = fma(outward, .constant(radius), c)
        let n = (p - c) * (1 / radius)
        let local = toWorld.inverted.applyPoint(p)
        let (dpdu, dpdv) = derivatives(local: local)
        return SurfaceGeometry(p: p, n: n, frame: Frame(normal: n, dpdu: dpdu), uv: uv(of: local), dpdu: dpdu, dpdv: dpdv)
    }

    /// Mitsuba's dp/du = 2π toWorld(−y, x, 0) and dp/dv = π toWorld(z cos φ, z sin φ, −ρ) of the local point, with
    /// ρ = √(x² + y²); at the poles (ρ = 0) dp/dv's local vector is (1, 0, 0).
    private func derivatives(local: Vector3Array) -> (dpdu: Vector3Array, dpdv: Vector3Array) {
        let zero = FloatArray.constant(0)
        let planar = sqrt(local.x * local.x + local.y * local.y)
        let pole = planar .== 0
        // One reciprocal and two products, as Mitsuba forms them (at the poles both are NaN, and not used).
        let inversePlanar = rcp(planar)
        let cosPhi = local.x * inversePlanar, sinPhi = local.y * inversePlanar
        let localDU = Vector3Array(x: -local.y, y: local.x, z: zero)
        let localDV = Vector3Array(x: select(pole, .constant(1), local.z * cosPhi),
                                   y: select(pole, zero, local.z * sinPhi),
                                   z: select(pole, zero, -planar))
        let twoPi = Float(2 * Double.pi), pi = Float.pi
        return (toWorld.applyVector(localDU) * twoPi, toWorld.applyVector(localDV) * pi)
    }

    /// Spherical coordinates of the local point: u = φ/2π with φ ∈ [0, 2π), v = θ/π.
    private func uv(of local: Vector3Array) -> Point2Array {
        let phi = atan2(local.y, local.x)
        let twoPi = Float(2 * Double.pi)
        let wrappedPhi = select(phi .< 0, phi + twoPi, phi)
        let planar = sqrt(local.x * local.x + local.y * local.y)
        // acos(z) for a unit vector, without an acos op and well conditioned near the poles.
        let theta = atan2(planar, local.z)
        let u = wrappedPhi * Float(1 / (2 * Double.pi))
        let v = theta * Float(1 / Double.pi)
        return Point2Array(x: u, y: v)
    }
}

extension SphereShape {
    /// From `<shape type="sphere">`: `center` (default origin), `radius` (default 1) and `to_world` (default
    /// identity), combined as Mitsuba does: to_world · translate(center) · scale(radius). The nested bsdf is read by
    /// `PluginFactory.makeShape`.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.shape, type: "sphere", description)
        try PluginFactory.requireKnownShapeProperties(description, ["to_world", "center", "radius"])
        let toWorld = try description.transform("to_world", default: .identity)
        let center = try description.point("center", default: .zero)
        let radius = try description.float("radius", default: 1)
        guard radius > 0, radius.isFinite else {
            throw description.error("'radius' must be positive, got \(radius)", property: "radius")
        }
        let placement = toWorld * .translate(center) * .scale(Float(radius))
        if let problem = Self.similarityProblem(placement) {
            throw description.error(
                "'to_world' must be a translation, rotation and uniform scale: \(problem)", property: "to_world")
        }
        try self.init(toWorld: placement)
    }
}

extension SphereShape {
    /// The sphere an instance places: a translation, rotation and uniform scale of this one, or an error.
    public func placed(by instanceToWorld: Transform4) throws -> any Shape {
        try SphereShape(toWorld: instanceToWorld * toWorld)
    }
}
