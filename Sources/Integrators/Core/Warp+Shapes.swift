// The warps that shape sampling needs (Mitsuba's `square_to_uniform_triangle` and the uniform cone density).
import Tracer

/// Barycentric coordinates (b1, b2) uniform over the triangle b1, b2 ≥ 0, b1 + b2 ≤ 1, as Mitsuba's
/// `square_to_uniform_triangle`: t = √(1 − u.x) (clamped at 0), (1 − t, t·u.y). The point is
/// p0 + b1 (p1 − p0) + b2 (p2 − p0).
public func squareToUniformTriangle(_ sample: Point2Array) -> Point2Array {
    let t = sqrt(max(1 - sample.x, .constant(0)))
    return Point2Array(x: 1 - t, y: t * sample.y)
}

/// The density per solid angle of directions uniform in the cone of half-angle θ with cos θ = `cosCutoff`:
/// 1 / (2π (1 − cos θ)), as Mitsuba's `square_to_uniform_cone_pdf` (which does not test the domain either).
public func uniformConePdf(cosCutoff: FloatArray) -> FloatArray {
    Float(1 / (2 * Double.pi)) / (1 - cosCutoff)
}
