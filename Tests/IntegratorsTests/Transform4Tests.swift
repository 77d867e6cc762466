import Foundation
import Testing

@testable import Integrators

/// Largest |a - b| over the 16 entries.
private func maxDiff(_ a: Matrix4, _ b: Matrix4) -> Float { a.maxAbsDifference(b) }

private func close(_ a: Vector3f, _ b: Vector3f, _ tol: Float = 1e-5) -> Bool {
    abs(a.x - b.x) <= tol && abs(a.y - b.y) <= tol && abs(a.z - b.z) <= tol
}

@Suite("Vector3f")
struct Vector3fTests {
    @Test func arithmetic() {
        let a = Vector3f(1, 2, 3), b = Vector3f(4, -5, 6)
        #expect(a + b == Vector3f(5, -3, 9))
        #expect(a - b == Vector3f(-3, 7, -3))
        #expect(a * 2 == Vector3f(2, 4, 6))
        #expect(2 * a == Vector3f(2, 4, 6))
        #expect(a * b == Vector3f(4, -10, 18))
        #expect(-a == Vector3f(-1, -2, -3))
        #expect(a.dot(b) == 12)
        #expect(Vector3f(1, 0, 0).cross(Vector3f(0, 1, 0)) == Vector3f(0, 0, 1))
        #expect(a.cross(b) == Vector3f(2 * 6 - 3 * -5, 3 * 4 - 1 * 6, 1 * -5 - 2 * 4))
        #expect(Vector3f(3, 4, 0).length == 5)
        #expect(close(Vector3f(3, 4, 0).normalized, Vector3f(0.6, 0.8, 0)))
        var c = a
        c[1] = 7
        #expect(c.y == 7 && c[2] == 3)
    }
}

@Suite("Transform4")
struct Transform4Tests {
    @Test func rowMajorLayout() {
        let values: [Float] = (0..<16).map { Float($0) }
        let m = Matrix4(rowMajor: values)
        #expect(m[1][2] == 6)  // row 1, column 2
        #expect(m[3, 0] == 12)
        #expect(m.rowMajor == values)
        #expect(m.column(1) == SIMD4<Float>(1, 5, 9, 13))
        #expect(m.transposed[2, 1] == 6)
    }

    @Test func translateAndScale() {
        let t = Transform4.translate(1, 2, 3)
        #expect(t.applyPoint(Vector3f(1, 1, 1)) == Vector3f(2, 3, 4))
        #expect(t.applyVector(Vector3f(1, 1, 1)) == Vector3f(1, 1, 1))
        #expect(t.translation == Vector3f(1, 2, 3))
        let s = Transform4.scale(2, 3, 4)
        #expect(s.applyPoint(Vector3f(1, 1, 1)) == Vector3f(2, 3, 4))
        #expect(Transform4.scale(0.5).matrix == Matrix4(diagonal: SIMD4<Float>(0.5, 0.5, 0.5, 1)))
        // Normals use the inverse transpose: a plane z = x scaled by (2, 1, 1) has normal ∝ (-1, 0, 2).
        let n = s.applyNormal(Vector3f(-1, 0, 1))
        #expect(close(n, Vector3f(-0.5, 0, 0.25)))
    }

    /// Rodrigues' formula R v = v cos θ + (k × v) sin θ + k (k · v)(1 − cos θ).
    static func rodrigues(_ v: Vector3f, axis: Vector3f, degrees: Float) -> Vector3f {
        let k = axis.normalized
        let th = Double(degrees) * .pi / 180
        let c = Float(cos(th)), s = Float(sin(th))
        return v * c + k.cross(v) * s + k * (k.dot(v) * (1 - c))
    }

    @Test(arguments: [
        (Vector3f(0, 0, 1), Float(90)), (Vector3f(1, 0, 0), Float(30)), (Vector3f(0, 1, 0), Float(-45)),
        (Vector3f(1, 2, 3), Float(123.4)), (Vector3f(-0.3, 0.2, -0.9), Float(270)),
    ])
    func rotateMatchesRodrigues(axis: Vector3f, degrees: Float) {
        let r = Transform4.rotate(axis: axis, angleDegrees: degrees)
        for v in [Vector3f(1, 0, 0), Vector3f(0, 1, 0), Vector3f(0, 0, 1), Vector3f(0.3, -2, 5)] {
            let expected = Self.rodrigues(v, axis: axis, degrees: degrees)
            #expect(close(r.applyVector(v), expected, 1e-5 * max(1, expected.length)))
        }
        // Orthonormal: inverse = transpose, and inverse * matrix = identity.
        #expect(maxDiff(r.inverse, r.matrix.transposed) == 0)
        #expect(maxDiff(r.inverse * r.matrix, .identity) < 1e-6)
    }

    @Test func rotateIsRightHanded() {
        // +90° about +Z takes +X to +Y (Mitsuba's Transform4f.rotate).
        let r = Transform4.rotate(axis: Vector3f(0, 0, 1), angleDegrees: 90)
        #expect(close(r.applyVector(Vector3f(1, 0, 0)), Vector3f(0, 1, 0), 1e-7))
    }

    @Test func lookAtMatchesHandComputedMatrix() {
        // origin (0,0,-2), target 0, up (0,-1,0): dir = (0,0,1), left = up × dir = (-1,0,0), newUp = (0,-1,0).
        let t = Transform4.lookAt(origin: Vector3f(0, 0, -2), target: .zero, up: Vector3f(0, -1, 0))
        let expected = Matrix4(rowMajor: [
            -1, 0, 0, 0,
            0, -1, 0, 0,
            0, 0, 1, -2,
            0, 0, 0, 1,
        ])
        #expect(maxDiff(t.matrix, expected) == 0)
        #expect(maxDiff(t.inverse * t.matrix, .identity) < 1e-6)
        #expect(maxDiff(t.inverse, expected.inverted()!) < 1e-6)
        // The camera looks along local +Z.
        #expect(close(t.applyVector(Vector3f(0, 0, 1)), Vector3f(0, 0, 1)))
        #expect(close(t.applyPoint(.zero), Vector3f(0, 0, -2)))
    }

    @Test func lookAtGeneralIsOrthonormalWithOriginInLastColumn() {
        let o = Vector3f(1, 2, 3), target = Vector3f(-2, 0.5, 7), up = Vector3f(0, 1, 0)
        let t = Transform4.lookAt(origin: o, target: target, up: up)
        let dir = (target - o).normalized
        let left = up.cross(dir).normalized
        let newUp = dir.cross(left)
        #expect(close(t.applyVector(Vector3f(1, 0, 0)), left))
        #expect(close(t.applyVector(Vector3f(0, 1, 0)), newUp))
        #expect(close(t.applyVector(Vector3f(0, 0, 1)), dir))
        #expect(t.translation == o)
        #expect(maxDiff(t.inverse * t.matrix, .identity) < 1e-6)
        #expect(maxDiff(t.matrix * t.inverse, .identity) < 1e-6)
    }

    @Test func compositionAppliesRightOperandFirst() {
        let a = Transform4.translate(0, 0, -1), b = Transform4.scale(0.45)
        let ab = a * b
        #expect(close(ab.applyPoint(Vector3f(1, 0, 0)), Vector3f(0.45, 0, -1)))
        #expect(close((b * a).applyPoint(Vector3f(1, 0, 0)), Vector3f(0.45, 0, -0.45)))
        #expect(maxDiff(ab.inverse * ab.matrix, .identity) < 1e-6)
        #expect(close(ab.inverted.applyPoint(Vector3f(0.45, 0, -1)), Vector3f(1, 0, 0)))
    }

    @Test func generalMatrixInverseInDouble() {
        let values: [Float] = [2, 0.5, 0, 3, 0.1, 1.5, -0.4, -1, 0.7, 0, 3, 2, 0, 0, 0, 1]
        let t = Transform4(matrix: values)
        #expect(t.isInvertible)
        #expect(maxDiff(t.inverse * t.matrix, .identity) < 1e-6)
        #expect(maxDiff(t.matrix * t.inverse, .identity) < 1e-6)
        let singular = Transform4(matrix: [1, 2, 3, 0, 2, 4, 6, 0, 0, 0, 1, 0, 0, 0, 0, 1])
        #expect(!singular.isInvertible)
        #expect(Matrix4(rowMajor: [1, 2, 3, 0, 2, 4, 6, 0, 0, 0, 1, 0, 0, 0, 0, 1]).inverted() == nil)
    }

    @Test func projectivePointDividesByW() {
        let t = Transform4(matrix: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1])
        #expect(close(t.applyPoint(Vector3f(2, 4, 1)), Vector3f(1, 2, 0.5)))
    }
}
