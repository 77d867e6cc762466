// Warps from the unit square to directions (Mitsuba's `warp` functions) and their densities.
import Tracer

/// Cosine-weighted direction on the hemisphere z ≥ 0 through Shirley–Chiu's concentric disk map, as Mitsuba's
/// `square_to_cosine_hemisphere`.
public func squareToCosineHemisphere(_ p: Point2Array) -> Vector3Array {
    let disk = squareToUniformDiskConcentric(p)
    let radiusSquared = disk.x * disk.x + disk.y * disk.y
    // Mitsuba takes z from the squared norm of the disk point, and clamps it against rounding.
    let z = sqrt(max(1 - radiusSquared, FloatArray(repeating: 0)))
    return Vector3Array(x: disk.x, y: disk.y, z: z)
}

/// The density of `squareToCosineHemisphere` per solid angle, cos θ / π. Like Mitsuba's, it does not test the
/// domain (negative for z < 0): callers mask directions below the surface themselves.
public func cosineHemispherePdf(_ v: Vector3Array) -> FloatArray {
    v.z * Float(1 / Double.pi)
}

/// The concentric map (Shirley–Chiu) of the unit square onto the unit disk, as Mitsuba's
/// `square_to_uniform_disk_concentric`.
public func squareToUniformDiskConcentric(_ p: Point2Array) -> Point2Array {
    let x = 2 * p.x - 1
    let y = 2 * p.y - 1
    let isZero = (x .== 0) & (y .== 0)
    let nearYAxis = abs(x) .< abs(y)
    let r = select(nearYAxis, y, x)
    let other = select(nearYAxis, x, y)
    let quarterPi = Float(Double.pi / 4)
    let angle = quarterPi * other / r
    let turned = Float(Double.pi / 2) - angle
    let phi = select(isZero, FloatArray(repeating: 0), select(nearYAxis, turned, angle))
    return Point2Array(x: r * cos(phi), y: r * sin(phi))
}

/// Uniform direction on the unit sphere, as Mitsuba's `square_to_uniform_sphere`:
/// z = 1 − 2u.y, r = √(1 − z²), φ = 2π·u.x.
public func squareToUniformSphere(_ p: Point2Array) -> Vector3Array {
    let z = 1 - 2 * p.y
    let rSquared = fma(-z, z, FloatArray(repeating: 1))
    let r = sqrt(max(rSquared, FloatArray(repeating: 0)))
    let phi = Float(2 * Double.pi) * p.x
    return Vector3Array(x: r * cos(phi), y: r * sin(phi), z: z)
}

/// The density of `squareToUniformSphere` per solid angle: 1/(4π) everywhere.
public func uniformSpherePdf(count: Int = 1) -> FloatArray {
    FloatArray(repeating: Float(1 / (4 * Double.pi)), count: count)
}

/// The tent distribution on [−1, 1] per coordinate, as Mitsuba's `square_to_tent` (`interval_to_tent` on each):
/// s = u − ½, copysign(1 − √(1 − 2|s|), s).
public func squareToTent(_ p: Point2Array) -> Point2Array {
    func tent(_ u: FloatArray) -> FloatArray {
        let s = u - 0.5
        return copysign(1 - safeSqrt(fma(abs(s), .constant(-2), .constant(1))), s)
    }
    return Point2Array(x: tent(p.x), y: tent(p.y))
}
