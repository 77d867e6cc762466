// BSplineSegment: a uniform cubic B-spline segment's point, radius and derivatives, and its Frenet frame (traced).
import Tracer

/// One cubic B-spline segment per lane at parameter v, as Mitsuba's `BSplineCurve::cubic_interpolation` evaluates
/// it (the same polynomials, in the same order): the centre c, its first three derivatives, the radius and its
/// first two derivatives.
struct BSplineSegment {
    var c, dcdv, dcdvv, dcdvvv: Vector3Array
    var radius, drdv, drdvv: FloatArray

    /// The segment whose first control point is `first` (in `points`: x, y, z, radius arrays), at `v` in [0, 1].
    init(points: [FloatArray], first: UInt32Array, v: FloatArray, lanes: BoolArray) {
        func corner(_ k: UInt32) -> (p: Vector3Array, r: FloatArray) {
            let index = first + k
            return (Vector3Array(x: points[0].gather(index, mask: lanes), y: points[1].gather(index, mask: lanes),
                                 z: points[2].gather(index, mask: lanes)), points[3].gather(index, mask: lanes))
        }
        let (p0, r0) = corner(0), (p1, r1) = corner(1), (p2, r2) = corner(2), (p3, r3) = corner(3)
        let v2 = v * v, v3 = v2 * v
        let sixth: Float = 1 / 6
        // Basis functions and their derivatives, as Mitsuba writes them.
        let b0 = -v3 + 3 * v2 - 3 * v + 1, b1 = 3 * v3 - 6 * v2 + 4
        let b2 = -3 * v3 + 3 * v2 + 3 * v + 1, b3 = v3
        let d0 = -3 * v2 + 6 * v - 3, d1 = 9 * v2 - 12 * v
        let d2 = -9 * v2 + 6 * v + 3, d3 = 3 * v2
        let e0 = -1 * v + 1, e1 = 3 * v - 2, e2 = -3 * v + 1, e3 = 1 * v
        c = (p0 * b0 + p1 * b1 + p2 * b2 + p3 * b3) * sixth
        dcdv = (p0 * d0 + p1 * d1 + p2 * d2 + p3 * d3) * sixth
        dcdvv = p0 * e0 + p1 * e1 + p2 * e2 + p3 * e3
        dcdvvv = p1 * 3 - p0 - p2 * 3 + p3
        radius = (b0 * r0 + b1 * r1 + b2 * r2 + b3 * r3) * sixth
        drdv = (d0 * r0 + d1 * r1 + d2 * r2 + d3 * r3) * sixth
        drdvv = e0 * r0 + e1 * r1 + e2 * r2 + e3 * r3
    }

    /// The Frenet (TNB) frame with curvature and torsion, as Mitsuba's `partials` builds it: torsion 0 where the
    /// curve is nearly straight, and where the curvature vanishes the normal and binormal of
    /// `coordinate_system(tangent)`.
    func frenetFrame() -> (tangent: Vector3Array, normal: Vector3Array, binormal: Vector3Array,
                           curvature: FloatArray, torsion: FloatArray) {
        let speed = dcdv.length
        let bend = dcdv.cross(dcdvv)
        let bendLength = bend.length
        var curvature = bendLength / (speed * (speed * speed))
        var torsion = dcdvvv.dot(bend) / (bendLength * bendLength)
        torsion = select((bendLength .< 1e-6) | (dcdvvv.length .< 1e-6), FloatArray(repeating: 0), torsion)
        let tangent = dcdv / speed
        var normal = bend.cross(dcdv).normalized()
        var binormal = tangent.cross(normal).normalized()
        let degenerate = curvature .< Float(1) / Float(1 << 24)
        curvature = select(degenerate, FloatArray(repeating: 0), curvature)
        torsion = select(degenerate, FloatArray(repeating: 0), torsion)
        let fallback = Frame(normal: tangent)
        normal = select(degenerate, fallback.s, normal)
        binormal = select(degenerate, fallback.t, binormal)
        return (tangent, normal, binormal, curvature, torsion)
    }
}
