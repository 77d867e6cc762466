// Traced 3-vectors, frames and transforms against the host-side Vector3f / Transform4 math.
import Foundation
import Testing
import Tracer

@testable import Integrators

private func close(_ a: Vector3f, _ b: Vector3f, _ tolerance: Float = 1e-5) -> Bool {
    abs(a.x - b.x) <= tolerance && abs(a.y - b.y) <= tolerance && abs(a.z - b.z) <= tolerance
}

private func allClose(_ a: [Vector3f], _ b: [Vector3f], _ tolerance: Float = 1e-5) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { close($0, $1, tolerance) }
}

private let left: [Vector3f] = [Vector3f(1, 2, 3), Vector3f(-4, 0.5, 2), Vector3f(0, 0, -1), Vector3f(3, -7, 0.25)]
private let right: [Vector3f] = [Vector3f(4, -5, 6), Vector3f(1, 1, 1), Vector3f(2, 0, 0), Vector3f(-0.5, 2, 9)]

/// Unit normals covering both hemispheres, the poles and the equator (including n.z = −0).
private let normals: [Vector3f] = [
    Vector3f(0, 0, 1), Vector3f(0, 0, -1), Vector3f(0, 1, -0.0), Vector3f(1, 0, 0), Vector3f(0, -1, 0),
    Vector3f(1, 2, 3).normalized, Vector3f(-3, 1, -2).normalized, Vector3f(0.01, -0.02, -1).normalized,
    Vector3f(5, -1, 0.1).normalized,
]

@Suite("Traced vectors, frames and transforms")
struct VectorTests {
    @Test("algebra agrees with Vector3f", arguments: Variant.allCases)
    func algebra(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let a = Vector3Array(left), b = Vector3Array(right)
            let s = FloatArray([2, -1, 0.5, 3])
            let scales: [Float] = [2, -1, 0.5, 3]
            #expect((a + b).values == zip(left, right).map { $0 + $1 })
            #expect((a - b).values == zip(left, right).map { $0 - $1 })
            #expect((a * b).values == zip(left, right).map { $0 * $1 })
            #expect((-a).values == left.map { -$0 })
            #expect((a * 2).values == left.map { $0 * 2 })
            #expect((2 * a).values == left.map { 2 * $0 })
            #expect((a * s).values == zip(left, scales).map { $0 * $1 })
            // A vector over a scalar is a product with the scalar's reciprocal, as in Dr.Jit (-7 / 3 is an ulp off).
            #expect((a / s).values == zip(left, scales).map { $0 * (1 / $1) })
            #expect((a / s).values != zip(left, scales).map { $0 / $1 })
            #expect((a / 3).values == left.map { $0 * (1 / Float(3)) })
            #expect((a / 4).values == left.map { $0 / 4 })
            #expect(a.dot(b).values == zip(left, right).map { $0.dot($1) })
            #expect(a.cross(b).values == zip(left, right).map { $0.cross($1) })
            #expect(a.squaredLength.values == left.map(\.squaredLength))
            #expect(a.length.values == left.map(\.length))
            #expect(allClose(a.normalized().values, left.map(\.normalized)))
            #expect(min(a, b).values == zip(left, right).map { $0.min($1) })
            #expect(max(a, b).values == zip(left, right).map { $0.max($1) })
            #expect(a.maxComponent.values == left.map { Swift.max($0.x, $0.y, $0.z) })
            let mask = BoolArray([true, false, false, true])
            #expect(select(mask, a, b).values == [left[0], right[1], right[2], left[3]])
            let index = UInt32Array([3, 0, 7, 1])
            let gathered = a.gather(index, mask: BoolArray([true, true, true, false])).values
            #expect(gathered == [left[3], left[0], .zero, .zero])
            #expect(Vector3Array(Vector3f(1, 2, 3), count: 5).values == Array(repeating: Vector3f(1, 2, 3), count: 5))
            #expect(Vector3Array(repeating: Vector3f(1, 2, 3)).count == 1)
            #expect(a.count == 4)
        }
    }

    @Test("points broadcast and add", arguments: Variant.allCases)
    func points(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let p = Point2Array([SIMD2(1, 2), SIMD2(3, 4)])
            let q = Point2Array(repeating: 0.5, 1)
            #expect((p + q).values == [SIMD2(1.5, 3), SIMD2(3.5, 5)])
            #expect((p * 2).values == [SIMD2(2, 4), SIMD2(6, 8)])
            #expect(p.count == 2)
        }
    }

    @Test("frames are orthonormal, right-handed, and toLocal inverts toWorld", arguments: Variant.allCases)
    func frames(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let frame = Frame(normal: Vector3Array(normals))
            let s = frame.s.values, t = frame.t.values, n = frame.n.values
            for i in normals.indices {
                #expect(abs(s[i].length - 1) < 1e-5 && abs(t[i].length - 1) < 1e-5, "normal \(normals[i])")
                #expect(abs(s[i].dot(t[i])) < 1e-5 && abs(s[i].dot(n[i])) < 1e-5 && abs(t[i].dot(n[i])) < 1e-5)
                #expect(close(s[i].cross(t[i]), n[i]), "right-handed for \(normals[i])")
            }
            let directions = normals.indices.map { Vector3f(0.3, -0.5, Float($0) - 4).normalized }
            let v = Vector3Array(directions)
            #expect(allClose(frame.toLocal(frame.toWorld(v)).values, directions))
            #expect(allClose(frame.toWorld(frame.toLocal(v)).values, directions))
            // The normal maps to local +z.
            #expect(allClose(frame.toLocal(frame.n).values, Array(repeating: Vector3f(0, 0, 1), count: normals.count)))
        }
    }

    @Test("frames follow Mitsuba's coordinate_system formulas")
    func frameFormulas() {
        TraceContext.with(CompileOptions(variant: .scalar)) {
            let n = Vector3f(1, 2, 3).normalized
            let frame = Frame(normal: Vector3Array(n, count: 1))
            let sign: Float = 1
            let a = -1 / (sign + n.z)
            let b = n.x * n.y * a
            #expect(close(frame.s.values[0], Vector3f(1 + sign * n.x * n.x * a, sign * b, -sign * n.x), 1e-6))
            #expect(close(frame.t.values[0], Vector3f(b, sign + n.y * n.y * a, -n.y), 1e-6))
            let down = Frame(normal: Vector3Array(Vector3f(0, 0, -1), count: 1))
            // n = (0, 0, −1): sign = −1, a = 1/2, b = 0.
            #expect(down.s.values[0] == Vector3f(1, 0, 0))
            #expect(down.t.values[0] == Vector3f(0, -1, 0))
        }
    }

    @Test("transforms agree with Transform4 on points, vectors and normals", arguments: Variant.allCases)
    func transforms(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let affine = Transform4.translate(0, 0, -1) * Transform4.scale(0.45)
                * Transform4.rotate(axis: Vector3f(1, 1, 0), angleDegrees: 30)
            let projective = Transform4(matrix: Matrix4(rowMajor: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 2]))
            let lookAt = Transform4.lookAt(origin: Vector3f(0, 0, -2), target: .zero, up: Vector3f(0, -1, 0))
            let v = Vector3Array(left)
            for transform in [affine, projective, lookAt, Transform4.scale(2, 3, 4)] {
                #expect(allClose(transform.applyPoint(v).values, left.map(transform.applyPoint)))
                #expect(allClose(transform.applyVector(v).values, left.map(transform.applyVector)))
                #expect(allClose(transform.applyNormal(v).values, left.map(transform.applyNormal), 1e-4))
            }
        }
    }
}
