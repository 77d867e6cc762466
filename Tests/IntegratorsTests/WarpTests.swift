// Square-to-direction warps against the scalar formulas of SCENE-SPEC §5 and §7.
import Foundation
import Testing
import Tracer

@testable import Integrators

/// SCENE-SPEC §5's concentric cosine warp, in plain Swift (z from the disk point's squared norm, as Mitsuba).
private func referenceCosineHemisphere(_ a: Float, _ b: Float) -> Vector3f {
    let x = 2 * a - 1, y = 2 * b - 1
    let r: Float, phi: Float
    if x == 0 && y == 0 {
        r = 0; phi = 0
    } else if abs(x) < abs(y) {
        r = y; phi = Float.pi / 2 - (Float.pi / 4) * x / y
    } else {
        r = x; phi = (Float.pi / 4) * y / x
    }
    let dx = r * cos(phi), dy = r * sin(phi)
    return Vector3f(dx, dy, sqrt(max(0, 1 - (dx * dx + dy * dy))))
}

/// SCENE-SPEC §7's uniform sphere warp, in plain Swift.
private func referenceUniformSphere(_ a: Float, _ b: Float) -> Vector3f {
    let z = 1 - 2 * b
    let r = sqrt(max(0, 1 - z * z))
    let phi = 2 * Float.pi * a
    return Vector3f(r * cos(phi), r * sin(phi), z)
}

/// A grid over the square including its edges, the centre and points on the diagonals.
private let samples: [SIMD2<Float>] = {
    var points: [SIMD2<Float>] = [SIMD2(0.5, 0.5), SIMD2(0, 0), SIMD2(1, 1), SIMD2(0, 1), SIMD2(0.75, 0.25),
                                  SIMD2(0.5, 0.9), SIMD2(0.1, 0.5)]
    for i in 0..<17 { for j in 0..<17 { points.append(SIMD2(Float(i) / 16, Float(j) / 16.5 + 0.01)) } }
    return points
}()

private func close(_ a: Vector3f, _ b: Vector3f, _ tolerance: Float = 2e-6) -> Bool {
    abs(a.x - b.x) <= tolerance && abs(a.y - b.y) <= tolerance && abs(a.z - b.z) <= tolerance
}

@Suite("Warps")
struct WarpTests {
    @Test("the cosine hemisphere warp follows the concentric map formulas", arguments: Variant.allCases)
    func cosineHemisphere(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let directions = squareToCosineHemisphere(Point2Array(samples)).values
            for (sample, direction) in zip(samples, directions) {
                let expected = referenceCosineHemisphere(sample.x, sample.y)
                // sin/cos are the backend's own approximations, so allow a few ulps; near the rim z = √(1 − r²)
                // magnifies them, so z is compared through z².
                let planar = Vector3f(direction.x, direction.y, 0), expectedPlanar = Vector3f(expected.x, expected.y, 0)
                #expect(close(planar, expectedPlanar, 1e-5), "sample \(sample): \(direction) vs \(expected)")
                #expect(abs(direction.z * direction.z - expected.z * expected.z) < 1e-6)
                #expect(direction.z >= 0)
                #expect(abs(direction.length - 1) < 1e-5)
            }
            #expect(directions[0] == Vector3f(0, 0, 1))
            let pdf = cosineHemispherePdf(Vector3Array(directions)).values
            #expect(zip(pdf, directions).allSatisfy { abs($0 - $1.z / Float.pi) < 1e-7 })
        }
    }

    @Test("cosine samples are distributed as cos θ / π: E[z] = 2/3", arguments: Variant.allCases)
    func cosineMoments(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            var sampler = Sampler(seed: 5, laneCount: 100_000)
            let directions = squareToCosineHemisphere(sampler.next2D())
            let meanZ = directions.z.mean().first
            let meanX = directions.x.mean().first
            #expect(abs(meanZ - 2.0 / 3.0) < 5e-3)
            #expect(abs(meanX) < 5e-3)
        }
    }

    @Test("the uniform sphere warp follows its formulas and has pdf 1/(4π)", arguments: Variant.allCases)
    func uniformSphere(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let directions = squareToUniformSphere(Point2Array(samples)).values
            for (sample, direction) in zip(samples, directions) {
                let expected = referenceUniformSphere(sample.x, sample.y)
                #expect(close(direction, expected, 1e-5), "sample \(sample): \(direction) vs \(expected)")
                #expect(abs(direction.length - 1) < 1e-5)
            }
            #expect(uniformSpherePdf(count: 3).values == Array(repeating: Float(1 / (4 * Double.pi)), count: 3))
        }
    }
}
