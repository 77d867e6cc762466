// CurveGeometry: a scene's curve shapes as traced buffers, and the surface at an Embree curve hit (Mitsuba's formulas).
import Tracer

/// The curve shapes of a scene (all top-level: Embree geometry ids `firstGeometryID ..< firstGeometryID + count`),
/// their control points and segments concatenated into traced buffers. `surface` computes what Mitsuba 3.9.1's
/// `LinearCurve` and `BSplineCurve::compute_surface_interaction` compute from Embree's hit (segment and curve
/// parameter): the point on the ray, the normal of the tube's cross-section, uv (u around the tube from Mitsuba's
/// `local_frame`, v along the shape's segments), and for B-splines dp/du, dp/dv from their Frenet frame (Mitsuba
/// leaves them 0 on linear curves, so their shading frame is `coordinate_system(n)`).
final class CurveGeometry: @unchecked Sendable {
    // Sendable: every stored property is immutable after init; traced buffers are evaluated and only read.

    /// The Embree geometry id of the first curve set.
    let firstGeometryID: UInt32
    /// The number of curve sets.
    let count: Int
    let hasLinear: Bool, hasBSpline: Bool

    /// x, y, z, radius of every control point of every set.
    private let points: [FloatArray]
    /// Each segment's first control point, in the concatenated buffers.
    private let segments: UInt32Array
    /// Per set: its first segment in `segments`, its segment count (as an integer and as a float) and whether it
    /// is a B-spline.
    private let segmentBase: UInt32Array
    private let segmentCount: UInt32Array
    private let segmentCountFloat: FloatArray
    private let isBSpline: BoolArray

    /// The sets in order of their geometry ids, the first with id `firstGeometryID`.
    init(_ curves: [CurveSet], firstGeometryID: Int, context: TraceContext) {
        self.firstGeometryID = UInt32(firstGeometryID)
        count = curves.count
        hasLinear = curves.contains { $0.basis == .linear }
        hasBSpline = curves.contains { $0.basis == .bspline }
        var pointOffset: UInt32 = 0
        var flat: [Float] = [], indices: [UInt32] = [], bases: [UInt32] = []
        for curve in curves {
            bases.append(UInt32(indices.count))
            indices += curve.segmentIndices.map { $0 + pointOffset }
            flat += curve.controlPoints
            pointOffset += UInt32(curve.controlPointCount)
        }
        points = (0..<4).map { component in
            FloatArray(stride(from: component, to: flat.count, by: 4).map { flat[$0] }, context: context)
        }
        segments = UInt32Array(indices, context: context)
        segmentBase = UInt32Array(bases, context: context)
        segmentCount = UInt32Array(curves.map { UInt32($0.segmentCount) }, context: context)
        segmentCountFloat = FloatArray(curves.map { Float($0.segmentCount) }, context: context)
        isBSpline = BoolArray(curves.map { $0.basis == .bspline }, context: context)
    }

    /// True on the lanes whose hit is on a curve.
    func contains(_ hit: EmbreeHit) -> BoolArray {
        let above = hit.geometry .>= firstGeometryID
        return hit.isHit & (hit.instance .== UInt32.max) & above & (hit.geometry .< firstGeometryID + UInt32(count))
    }

    /// Each lane's curve set (0 on lanes whose geometry id is below the first curve's; no unsigned wrap-around).
    private func curveSet(of hit: EmbreeHit) -> UInt32Array {
        let first = UInt32Array(repeating: firstGeometryID)
        return select(hit.geometry .>= firstGeometryID, hit.geometry, first) - first
    }

    /// The surface at each hit on the lanes `lanes` (curve hits), as Mitsuba computes it; values elsewhere are
    /// unspecified. A hit whose normal faces along the ray is one Mitsuba culls (`Shape::cull_backface`): the caller
    /// turns those into misses.
    func surface(of hit: EmbreeHit, ray: RayArray, lanes: BoolArray) -> SurfaceGeometry {
        let set = curveSet(of: hit)
        let firstSegment = segmentBase.gather(set, mask: lanes)
        let segmentsInSet = segmentCountFloat.gather(set, mask: lanes)
        let p = fma(ray.direction, hit.t, ray.origin)
        let v = (hit.u + FloatArray(hit.primitive)) / segmentsInSet
        var linear: SurfaceGeometry? = nil, cubic: SurfaceGeometry? = nil
        if hasLinear {
            let index = segments.gather(firstSegment + hit.primitive, mask: lanes)
            let p0 = point(index, lanes), p1 = point(index + UInt32(1), lanes)
            let (rotation, radial) = Self.localFrame((p1 - p0).normalized())
            let center = p0 * (1 - hit.u) + p1 * hit.u
            let n = (p - center).normalized()
            let zero = Vector3Array(x: FloatArray(repeating: 0), y: FloatArray(repeating: 0), z: FloatArray(repeating: 0))
            linear = SurfaceGeometry(p: p, n: n, frame: Frame(normal: n),
                                     uv: Point2Array(x: Self.angle(n, rotation, radial), y: v), dpdu: zero, dpdv: zero)
        }
        if hasBSpline {
            let spline = BSplineSegment(points: points, first: segments.gather(firstSegment + hit.primitive, mask: lanes),
                                        v: hit.u, lanes: lanes)
            let (rotation, radial) = Self.localFrame(spline.dcdv.normalized())
            let toPoint = p - spline.c
            let correction = toPoint.dot(spline.dcdvv)
            let stretch: FloatArray = spline.dcdv.squaredLength - correction
            let slope: FloatArray = spline.drdv * spline.radius
            let n = (toPoint * stretch - spline.dcdv * slope).normalized()
            let u = Self.angle(toPoint.normalized(), rotation, radial)
            let (dpdu, dpdv) = partials(u: u, v: v, set: set, lanes: lanes)
            cubic = SurfaceGeometry(p: p, n: n, frame: Frame(normal: n, dpdu: dpdu), uv: Point2Array(x: u, y: v),
                                    dpdu: dpdu, dpdv: dpdv)
        }
        switch (linear, cubic) {
        case let (linear?, cubic?): return select(isBSpline.gather(set, mask: lanes), cubic, linear)
        case let (linear?, nil): return linear
        case let (nil, cubic?): return cubic
        case (nil, nil): preconditionFailure("CurveGeometry without curves")
        }
    }

    /// Mitsuba's B-spline `partials`: dp/du and dp/dv at (u, v) from the Frenet frame of the segment that v falls
    /// in (found again from v, as Mitsuba does), scaled to u in [0, 1) and v over the shape's segments.
    private func partials(u: FloatArray, v: FloatArray, set: UInt32Array, lanes: BoolArray)
        -> (dpdu: Vector3Array, dpdv: Vector3Array) {
        let countFloat = segmentCountFloat.gather(set, mask: lanes)
        let scaled = v * countFloat
        // v = 1 exactly would name the segment past the last one; Mitsuba reads past its buffer there.
        let last: UInt32Array = segmentCount.gather(set, mask: lanes) - UInt32(1)
        let segment = min(UInt32Array(floor(scaled)), last)
        let local = scaled - FloatArray(segment)
        let first = segments.gather(segmentBase.gather(set, mask: lanes) + segment, mask: lanes)
        let spline = BSplineSegment(points: points, first: first, v: local, lanes: lanes)
        let frame = spline.frenetFrame()
        let (rotation, radial) = Self.localFrame(spline.dcdv / spline.dcdv.length)
        let twoPi = Float(2 * Double.pi)
        let angle = u * twoPi
        let direction = radial * cos(angle) + rotation * sin(angle)
        let cosTheta = frame.normal.dot(direction), sinTheta = frame.binormal.dot(direction)
        let radu = frame.binormal * cosTheta - frame.normal * sinTheta
        let speed = spline.dcdv.length
        let turning: Vector3Array = frame.binormal * frame.torsion - frame.tangent * frame.curvature
        let twisting: Vector3Array = frame.normal * (-frame.torsion)
        let radv: Vector3Array = turning * (speed * cosTheta) + twisting * (speed * sinTheta)
        let dpdu = radu * spline.radius * twoPi
        let along: Vector3Array = spline.dcdv + direction * spline.drdv
        let dpdv: Vector3Array = (along + radv * spline.radius) * countFloat
        return (dpdu, dpdv)
    }

    /// Control point `index`'s position.
    private func point(_ index: UInt32Array, _ lanes: BoolArray) -> Vector3Array {
        Vector3Array(x: points[0].gather(index, mask: lanes), y: points[1].gather(index, mask: lanes),
                     z: points[2].gather(index, mask: lanes))
    }

    /// Mitsuba's curve `local_frame`: an axis `rotation` perpendicular to the unit tangent, in the hemisphere of
    /// +z (+y where the tangent is ±z), and `radial` = rotation × tangent, from which u is measured.
    static func localFrame(_ tangent: Vector3Array) -> (rotation: Vector3Array, radial: Vector3Array) {
        let along = tangent.z
        let projected = Vector3Array(x: -(tangent.x * along), y: -(tangent.y * along), z: 1 - tangent.z * along)
        let singular = abs(along) .== 1
        let y = Vector3Array(x: FloatArray(repeating: 0), y: FloatArray(repeating: 1), z: FloatArray(repeating: 0))
        let rotation = select(singular, y, projected.normalized())
        return (rotation, rotation.cross(tangent))
    }

    /// The angle of unit vector `direction` around the axis, from `radial` toward `rotation`, as a fraction of a
    /// turn in [0, 1].
    static func angle(_ direction: Vector3Array, _ rotation: Vector3Array, _ radial: Vector3Array) -> FloatArray {
        let turn = atan2(rotation.dot(direction), radial.dot(direction))
        let twoPi = Float(2 * Double.pi), inverseTwoPi = Float(1 / (2 * Double.pi))
        return select(turn .< 0, turn + twoPi, turn) * inverseTwoPi
    }
}
