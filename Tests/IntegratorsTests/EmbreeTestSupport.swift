// Embree test fixtures: random triangles, a box, an instanced group, random rays, and a brute-force reference.
import Foundation
import RefractSupport
import Tracer

@testable import Integrators

/// A deterministic generator (SplitMix64), so every run tests the same rays.
struct EmbreeTestRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [a, b).
    mutating func uniform(_ a: Float, _ b: Float) -> Float {
        a + (b - a) * Float(next() >> 40) / Float(1 << 24)
    }
    mutating func point(_ lower: Vector3f, _ upper: Vector3f) -> Vector3f {
        Vector3f(uniform(lower.x, upper.x), uniform(lower.y, upper.y), uniform(lower.z, upper.z))
    }
}

/// What the brute-force reference says about one ray.
struct EmbreeReferenceHit {
    var t = Float.infinity
    var u: Float = 0, v: Float = 0
    var primitive = UInt32.max, geometry = UInt32.max, instance = UInt32.max
    /// True when float rounding may decide the answer: a triangle edge, a tie of two surfaces, a hit at maxT, a
    /// grazing hit. Such lanes are not compared.
    var isAmbiguous = false
    var isHit: Bool { t.isFinite }
}

/// Meshes, a group with two instances, random rays and their brute-force hits.
struct EmbreeFixture {
    var meshes: [TriangleMesh] = []
    var group: [TriangleMesh] = []
    var instances: [(group: Int, toWorld: Transform4)] = []
    var origins: [Vector3f] = []
    var directions: [Vector3f] = []
    var maxT: [Float] = []

    /// An axis-aligned box of 12 triangles with shared vertices.
    static func box(name: String, lower: Vector3f, upper: Vector3f) -> TriangleMesh {
        var positions: [Float] = []
        for corner in 0..<8 {
            positions += [corner & 1 == 0 ? lower.x : upper.x, corner & 2 == 0 ? lower.y : upper.y,
                          corner & 4 == 0 ? lower.z : upper.z]
        }
        let faces: [[UInt32]] = [[0, 2, 3, 1], [4, 5, 7, 6], [0, 1, 5, 4], [2, 6, 7, 3], [0, 4, 6, 2], [1, 3, 7, 5]]
        let indices = faces.flatMap { f in [f[0], f[1], f[2], f[0], f[2], f[3]] }
        return TriangleMesh(name: name, positions: positions, indices: indices)
    }

    /// `count` independent random triangles in the box.
    static func soup(name: String, count: Int, lower: Vector3f, upper: Vector3f,
                     random: inout EmbreeTestRandom) -> TriangleMesh {
        var positions: [Float] = []
        for _ in 0..<(3 * count) {
            let p = random.point(lower, upper)
            positions += [p.x, p.y, p.z]
        }
        return TriangleMesh(name: name, positions: positions, indices: (0..<UInt32(3 * count)).map { $0 })
    }

    init(rayCount: Int, seed: UInt64 = 1) {
        var random = EmbreeTestRandom(state: seed)
        meshes = [
            Self.soup(name: "soup", count: 24, lower: Vector3f(-1, -1, -1), upper: Vector3f(1, 1, 1), random: &random),
            Self.box(name: "box", lower: Vector3f(0.2, -0.6, -0.3), upper: Vector3f(0.7, -0.1, 0.4)),
        ]
        group = [
            Self.box(name: "group box", lower: Vector3f(-0.5, -0.5, -0.5), upper: Vector3f(0.5, 0.5, 0.5)),
            Self.soup(name: "group soup", count: 3, lower: Vector3f(-0.9, -0.9, -0.9), upper: Vector3f(0.9, 0.9, 0.9),
                      random: &random),
        ]
        // Rotation, non-uniform scale and translation: hits inside must match the transformed meshes.
        instances = [
            (0, Transform4.translate(2.5, 0, 0) * Transform4.rotate(axis: Vector3f(1, 1, 0), angleDegrees: 30)
                * Transform4.scale(0.5, 0.8, 1.2)),
            (0, Transform4.translate(-2.5, 0.5, 0.2) * Transform4.rotate(axis: Vector3f(0, 0.3, 1), angleDegrees: 70)
                * Transform4.scale(0.7)),
        ]
        for _ in 0..<rayCount {
            let target = random.point(Vector3f(-3.3, -1.3, -1.3), Vector3f(3.3, 1.3, 1.3))
            let origin = random.point(Vector3f(-5, -4, -4), Vector3f(5, 4, 4))
            // Not unit length: t is in units of |d|.
            let direction = (target - origin) * random.uniform(0.3, 2)
            origins.append(origin)
            directions.append(direction)
            maxT.append(random.uniform(0, 1) < 0.7 ? .infinity : random.uniform(0, 2.5))
        }
    }

    /// Every triangle in world space with its ids: top-level meshes, then each instance's transformed group.
    var worldTriangles: [(p: [Vector3f], primitive: UInt32, geometry: UInt32, instance: UInt32)] {
        var triangles: [(p: [Vector3f], primitive: UInt32, geometry: UInt32, instance: UInt32)] = []
        func add(_ mesh: TriangleMesh, geometry: Int, instance: UInt32, transform: Transform4) {
            for triangle in 0..<mesh.triangleCount {
                let p = (0..<3).map { transform.applyPoint(mesh.position(Int(mesh.indices[3 * triangle + $0]))) }
                triangles.append((p, UInt32(triangle), UInt32(geometry), instance))
            }
        }
        for (index, mesh) in meshes.enumerated() { add(mesh, geometry: index, instance: .max, transform: .identity) }
        for (index, instance) in instances.enumerated() {
            for (member, mesh) in group.enumerated() {
                add(mesh, geometry: member, instance: UInt32(index), transform: instance.toWorld)
            }
        }
        return triangles
    }

    /// The closest hit of each ray within (0, maxT], by Möller-Trumbore in Double over every triangle.
    func reference(maxT limits: [Float]? = nil) -> [EmbreeReferenceHit] {
        let triangles = worldTriangles
        let limits = limits ?? maxT
        let margin = 1e-4
        return (0..<origins.count).map { ray in
            let o = origins[ray].doubles, d = directions[ray].doubles
            let limit = Double(limits[ray])
            var best = EmbreeReferenceHit()
            var bestT = Double.infinity, secondT = Double.infinity
            var ambiguous = false
            for triangle in triangles {
                let p0 = triangle.p[0].doubles, e1 = sub(triangle.p[1].doubles, p0), e2 = sub(triangle.p[2].doubles, p0)
                let pvec = cross(d, e2)
                let det = dot(e1, pvec)
                let scale = length(d) * length(e1) * length(e2)
                guard scale > 0 else { continue }
                let tvec = sub(o, p0), qvec = cross(tvec, e1)
                let u = dot(tvec, pvec) / det, v = dot(d, qvec) / det, t = dot(e2, qvec) / det
                let inside = min(u, v, 1 - u - v)
                guard t > -margin, t <= limit * (1 + margin) + margin, inside > -margin else { continue }
                if abs(det) < margin * scale || inside < margin || t < margin || abs(t - limit) < margin * max(1, t) {
                    ambiguous = true
                    // A hit near an edge counts if it is clearly inside the segment.
                    guard inside >= 0, t > 0, t <= limit else { continue }
                }
                if t < bestT {
                    secondT = bestT
                    bestT = t
                    best = EmbreeReferenceHit(t: Float(t), u: Float(u), v: Float(v), primitive: triangle.primitive,
                                        geometry: triangle.geometry, instance: triangle.instance)
                } else if t < secondT {
                    secondT = t
                }
            }
            best.isAmbiguous = ambiguous || secondT - bestT < margin * max(1, bestT)
            return best
        }
    }

    /// The rays as traced arrays (in the current trace context).
    var rays: RayArray {
        RayArray(origin: Vector3Array(origins), direction: Vector3Array(directions), maxT: FloatArray(maxT))
    }

    func scene() throws -> EmbreeScene {
        try EmbreeScene(meshes: meshes, groups: [group], instances: instances)
    }
}

private extension Vector3f {
    var doubles: SIMD3<Double> { SIMD3(Double(x), Double(y), Double(z)) }
}

private func sub(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> { a - b }
private func dot(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { (a * b).sum() }
private func length(_ a: SIMD3<Double>) -> Double { dot(a, a).squareRoot() }
private func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}

/// A query's results read back to the host.
struct EmbreeHostHits {
    var t: [Float], u: [Float], v: [Float]
    var primitive: [UInt32], geometry: [UInt32], instance: [UInt32]
    var isHit: [Bool]

    init(_ hit: EmbreeHit) {
        Tracer.eval(hit.t, hit.u, hit.v, hit.primitive, hit.geometry, hit.instance, hit.isHit)
        t = hit.t.values
        u = hit.u.values
        v = hit.v.values
        primitive = hit.primitive.values
        geometry = hit.geometry.values
        instance = hit.instance.values
        isHit = hit.isHit.values
    }

    /// Lanes that disagree with `reference` (ambiguous ones skipped), described, and the number compared.
    func mismatches(against reference: [EmbreeReferenceHit], lanes: [Int]? = nil) -> (compared: Int, problems: [String]) {
        var problems: [String] = []
        var compared = 0
        for lane in lanes ?? Array(reference.indices) where !reference[lane].isAmbiguous {
            compared += 1
            let r = reference[lane]
            let tolerance = 1e-4 * max(1, r.t.isFinite ? r.t : 1)
            let agrees = isHit[lane] == r.isHit
                && (r.isHit ? abs(t[lane] - r.t) <= tolerance && abs(u[lane] - r.u) <= 1e-3
                        && abs(v[lane] - r.v) <= 1e-3 && primitive[lane] == r.primitive
                        && geometry[lane] == r.geometry && instance[lane] == r.instance
                    : t[lane] == .infinity && primitive[lane] == .max && geometry[lane] == .max
                        && instance[lane] == .max)
            if !agrees {
                problems.append("lane \(lane): got t \(t[lane]) u \(u[lane]) v \(v[lane]) prim \(primitive[lane]) "
                    + "geom \(geometry[lane]) inst \(instance[lane]) hit \(isHit[lane]); expected t \(r.t) u \(r.u) "
                    + "v \(r.v) prim \(r.primitive) geom \(r.geometry) inst \(r.instance)")
            }
        }
        return (compared, problems)
    }
}
