// Disk and cylinder shapes (and the sphere's and rectangle's dp/du, dp/dv) against Mitsuba 3.9.1, analytic
// references and finite differences of their (u, v) parameterisations.
import Foundation
import Testing
import RefractSupport
import Tracer

@testable import Integrators

/// One hit printed by Mitsuba 3.9.1 (llvm_ad_rgb, `shape.ray_intersect(ray, RayFlags.All)`).
struct MitsubaHit {
    var origin: Vector3f
    var direction: Vector3f
    var maxT: Float = .greatestFiniteMagnitude
    /// nil for a miss.
    var t: Float?
    var p = Vector3f.zero, uv = SIMD2<Float>(0, 0), dpdu = Vector3f.zero, dpdv = Vector3f.zero
    var n = Vector3f.zero, s = Vector3f.zero, tangent = Vector3f.zero
}

/// Intersects `hits`' rays with `shape` and compares everything Mitsuba printed.
func expectMitsubaHits(_ shape: some Shape, _ hits: [MitsubaHit], tolerance: Float = 3e-5,
                       sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let rays = PluginFixtures.rays(origins: hits.map(\.origin), directions: hits.map(\.direction),
                                   maxT: hits.map(\.maxT))
    let (t, hit) = shape.intersect(rays, active: true)
    let surface = shape.surface(rays, t: t)
    let ts = t.values, flags = hit.values, points = surface.p.values, uvs = surface.uv.values
    let dpdu = surface.dpdu.values, dpdv = surface.dpdv.values, normals = surface.n.values
    let s = surface.frame.s.values, tangents = surface.frame.t.values, frameN = surface.frame.n.values
    for (i, expected) in hits.enumerated() {
        guard let expectedT = expected.t else {
            #expect(!flags[i] && ts[i] == .infinity, "ray \(i) should miss", sourceLocation: sourceLocation)
            continue
        }
        #expect(flags[i], "ray \(i) should hit", sourceLocation: sourceLocation)
        guard flags[i] else { continue }
        #expect(pluginClose(ts[i], expectedT, tolerance), "ray \(i): t \(ts[i]) vs \(expectedT)",
                sourceLocation: sourceLocation)
        #expect(pluginClose(points[i], expected.p, tolerance), "ray \(i): p \(points[i]) vs \(expected.p)",
                sourceLocation: sourceLocation)
        #expect(abs(uvs[i].x - expected.uv.x) < tolerance && abs(uvs[i].y - expected.uv.y) < tolerance,
                "ray \(i): uv \(uvs[i]) vs \(expected.uv)", sourceLocation: sourceLocation)
        #expect(pluginClose(dpdu[i], expected.dpdu, tolerance), "ray \(i): dpdu \(dpdu[i]) vs \(expected.dpdu)",
                sourceLocation: sourceLocation)
        #expect(pluginClose(dpdv[i], expected.dpdv, tolerance), "ray \(i): dpdv \(dpdv[i]) vs \(expected.dpdv)",
                sourceLocation: sourceLocation)
        #expect(pluginClose(normals[i], expected.n, tolerance), "ray \(i): n \(normals[i]) vs \(expected.n)",
                sourceLocation: sourceLocation)
        #expect(pluginClose(frameN[i], expected.n, tolerance), sourceLocation: sourceLocation)
        #expect(pluginClose(s[i], expected.s, tolerance), "ray \(i): s \(s[i]) vs \(expected.s)",
                sourceLocation: sourceLocation)
        #expect(pluginClose(tangents[i], expected.tangent, tolerance),
                "ray \(i): t \(tangents[i]) vs \(expected.tangent)", sourceLocation: sourceLocation)
    }
}

/// A point in Double.
typealias Point3d = SIMD3<Double>

extension Point3d {
    init(_ v: Vector3f) { self.init(Double(v.x), Double(v.y), Double(v.z)) }
    var length: Double { (self * self).sum().squareRoot() }
    func dot(_ b: Point3d) -> Double { (self * b).sum() }
    func cross(_ b: Point3d) -> Point3d { Point3d(y * b.z - z * b.y, z * b.x - x * b.z, x * b.y - y * b.x) }
}

/// `transform` applied to a point in Double (the Float matrix entries, exactly).
func applyPoint(_ transform: Transform4, _ p: Point3d, inverse: Bool = false) -> Point3d {
    let m = inverse ? transform.inverse : transform.matrix
    return Point3d((0..<3).map { row in
        Double(m[row, 0]) * p.x + Double(m[row, 1]) * p.y + Double(m[row, 2]) * p.z + Double(m[row, 3])
    })
}

/// Checks dp/du and dp/dv against central differences of `parameterization` at `uv`, and that the
/// parameterisation maps uv back to p.
func expectDerivatives(uv: SIMD2<Float>, p: Vector3f, dpdu: Vector3f, dpdv: Vector3f,
                       _ parameterization: (Double, Double) -> Point3d, tolerance: Double = 2e-3,
                       sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let u = Double(uv.x), v = Double(uv.y), h = 1e-5
    let du = (parameterization(u + h, v) - parameterization(u - h, v)) / (2 * h)
    let dv = (parameterization(u, v + h) - parameterization(u, v - h)) / (2 * h)
    let scale = Swift.max(1, du.length, dv.length)
    #expect((Point3d(dpdu) - du).length < tolerance * scale, "dp/du \(dpdu) vs \(du) at uv \(uv)",
            sourceLocation: sourceLocation)
    #expect((Point3d(dpdv) - dv).length < tolerance * scale, "dp/dv \(dpdv) vs \(dv) at uv \(uv)",
            sourceLocation: sourceLocation)
    #expect((parameterization(u, v) - Point3d(p)).length < 1e-4 * Swift.max(1, Point3d(p).length),
            "p(uv) \(parameterization(u, v)) vs \(p)", sourceLocation: sourceLocation)
}

@Suite("Disk and cylinder shapes")
struct DiskCylinderTests {
    static let diskToWorld = Transform4.translate(0.3, -0.2, 0.5)
        * Transform4.rotate(axis: Vector3f(1, 2, 3), angleDegrees: 30) * Transform4.scale(1.5, 1.5, 1)

    @Test("disk hits, uv, dp/du, dp/dv, normals and frames match Mitsuba, with and without flip_normals",
          arguments: Variant.allCases)
    func diskAgainstMitsuba(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let big = Float.greatestFiniteMagnitude
            var hits = [
                MitsubaHit(origin: Vector3f(1, 1, 3), direction: Vector3f(-0.2, -0.35, -1), t: 2.53496075,
                           p: Vector3f(0.493007839, 0.112763755, 0.465039253), uv: SIMD2(0.246121392, 0.0923884436),
                           dpdu: Vector3f(0.784197628, 1.27077019, -0.142046586),
                           dpdv: Vector3f(-1.85438228, 1.21969271, 0.674050033),
                           n: Vector3f(0.295970082, -0.0762129277, 0.952151954),
                           s: Vector3f(0.522798419, 0.847180128, -0.0946977288),
                           tangent: Vector3f(-0.799427032, 0.525811255, 0.290583968)),
                MitsubaHit(origin: Vector3f(0.3, -0.2, -2), direction: Vector3f(0.01, 0.02, 1), t: 2.4962368,
                           p: Vector3f(0.324962378, -0.150075272, 0.496236801), uv: SIMD2(0.0372961424, 0.107208438),
                           dpdu: Vector3f(0.669300795, 1.33860195, -0.100902222),
                           dpdv: Vector3f(-0.296874672, 0.15633668, 0.104795158),
                           n: Vector3f(0.295970082, -0.0762129277, 0.952151954),
                           s: Vector3f(0.44620055, 0.892401338, -0.0672681481),
                           tangent: Vector3f(-0.844574988, 0.444760084, 0.298130333)),
                MitsubaHit(origin: Vector3f(0.3, -0.2, -2), direction: Vector3f(0, 0, 1), maxT: 1, t: nil),
                MitsubaHit(origin: Vector3f(3, 3, 3), direction: Vector3f(0, 0, 1), maxT: big, t: nil),
            ]
            expectMitsubaHits(DiskShape(toWorld: Self.diskToWorld), hits)
            // flip_normals: the same hits with n and t turned around (Mitsuba's own values, to rounding).
            for i in 0..<2 {
                hits[i].n = -hits[i].n
                hits[i].tangent = -hits[i].tangent
            }
            expectMitsubaHits(DiskShape(toWorld: Self.diskToWorld, flipNormals: true), hits, tolerance: 2e-5)
        }
    }

    @Test("disk: random rays against a Double reference; dp/du, dp/dv are derivatives of (r, φ/2π) ↦ p",
          arguments: Variant.allCases)
    func diskRandomRays(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let toWorld = Transform4.translate(-0.4, 0.1, 0.2) * Transform4.rotate(axis: Vector3f(0.3, -1, 0.5),
                                                                                  angleDegrees: 70)
                * Transform4.scale(0.8, 1.3, 1)
            let shape = DiskShape(toWorld: toWorld)
            var random = SplitMix64(seed: 21)
            var origins: [Vector3f] = [], directions: [Vector3f] = [], maxT: [Float] = []
            for i in 0..<400 {
                let origin = random.point(extent: 3)
                let target = toWorld.applyPoint(Vector3f(random.float(in: -1.3...1.3), random.float(in: -1.3...1.3), 0))
                origins.append(origin)
                directions.append(i % 5 == 4 ? random.direction() : (target - origin).normalized)
                maxT.append(i % 7 == 6 ? (target - origin).length * random.float(in: 0.5...1.5) : .greatestFiniteMagnitude)
            }
            let rays = PluginFixtures.rays(origins: origins, directions: directions, maxT: maxT)
            let (t, hit) = shape.intersect(rays, active: true)
            let surface = shape.surface(rays, t: t)
            let ts = t.values, hits = hit.values, points = surface.p.values, uvs = surface.uv.values
            let dpdu = surface.dpdu.values, dpdv = surface.dpdv.values
            let s = surface.frame.s.values, tangents = surface.frame.t.values, frameN = surface.frame.n.values
            let normal = Point3d(toWorld.applyNormal(Vector3f(0, 0, 1)).normalized)
            var hitCount = 0, missCount = 0
            for i in origins.indices {
                let o = applyPoint(toWorld, Point3d(origins[i]), inverse: true)
                let d = applyPoint(toWorld, Point3d(origins[i]) + Point3d(directions[i]), inverse: true) - o
                let tRef = -o.z / d.z
                let local = o + d * tRef
                let radius = (local.x * local.x + local.y * local.y).squareRoot()
                let expected = tRef >= 0 && tRef <= Double(maxT[i]) && radius <= 1
                let marginal = abs(radius - 1) < 1e-4 || abs(tRef - Double(maxT[i])) < 1e-4 * Swift.max(1, tRef)
                if !marginal { #expect(hits[i] == expected, "ray \(i): \(hits[i]) vs \(expected)") }
                guard hits[i] else { missCount += 1; continue }
                hitCount += 1
                guard expected else { continue }
                #expect(abs(Double(ts[i]) - tRef) < 1e-4 * Swift.max(1, tRef))
                #expect(abs((Point3d(points[i]) - applyPoint(toWorld, .zero)).dot(normal)) < 1e-5)
                expectDerivatives(uv: uvs[i], p: points[i], dpdu: dpdu[i], dpdv: dpdv[i]) { u, v in
                    applyPoint(toWorld, Point3d(u * cos(2 * .pi * v), u * sin(2 * .pi * v), 0))
                }
                #expect(pluginClose(frameN[i], Vector3f(Float(normal.x), Float(normal.y), Float(normal.z)), 1e-5))
                #expect(abs(s[i].dot(frameN[i])) < 1e-5 && abs(s[i].length - 1) < 1e-5)
                #expect(pluginClose(frameN[i].cross(s[i]), tangents[i], 1e-5))
                #expect(uvs[i].x >= 0 && uvs[i].x <= 1 && uvs[i].y >= 0 && uvs[i].y < 1)
            }
            #expect(hitCount > 100 && missCount > 50, "\(hitCount) hits, \(missCount) misses")
        }
    }

    @Test("disk: the centre has zero derivatives and a valid frame; rays in the plane, grazing and inactive miss",
          arguments: Variant.allCases)
    func diskSpecialRays(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let shape = DiskShape(toWorld: .translate(0, 0, 1) * .scale(2))
            let origins = [Vector3f(0, 0, 3), Vector3f(-5, 0, 1), Vector3f(0, 2.5, 0), Vector3f(2, 0, 0),
                           Vector3f(1, 1, 3), Vector3f(0, -1.9, 0)]
            let directions = [Vector3f(0, 0, -1), Vector3f(1, 0, 0), Vector3f(0, -1, 1), Vector3f(0, 0, 1),
                              Vector3f(0, 0, -1), Vector3f(0, 0, 2)]
            let maxT = Array(repeating: Float.greatestFiniteMagnitude, count: 6)
            let rays = PluginFixtures.rays(origins: origins, directions: directions, maxT: maxT)
            let active = BoolArray([true, true, true, true, false, true])
            let (t, hit) = shape.intersect(rays, active: active)
            // The centre; in the plane (t = NaN); a slanted ray hitting (0, 1.5, 1); the rim
            // exactly (x² + y² = 1 locally); inactive; a non-unit direction (t is in its units).
            #expect(hit.values == [true, false, true, true, false, true])
            #expect(t.values[0] == 2 && t.values[3] == 1 && t.values[5] == 0.5)
            let surface = shape.surface(rays, t: t)
            #expect(surface.uv.values[0] == SIMD2(0, 0))
            #expect(surface.dpdu.values[0] == .zero && surface.dpdv.values[0] == .zero)
            let s = surface.frame.s.values[0], tangent = surface.frame.t.values[0]
            #expect(abs(s.length - 1) < 1e-6 && abs(s.z) < 1e-6 && pluginClose(Vector3f(0, 0, 1).cross(s), tangent))
            #expect(abs(surface.uv.values[3].x - 1) < 1e-6 && surface.uv.values[3].y == 0)
            #expect(abs(surface.uv.values[5].y - 0.75) < 1e-6)
            #expect(shape.bounds.min == Vector3f(-2, -2, 1) && shape.bounds.max == Vector3f(2, 2, 1))
            #expect(abs(shape.surfaceArea - 4 * Float.pi) < 1e-5)
        }
    }

    static let cylinderToWorld = Transform4.translate(0.2, 0.1, -0.4) * Transform4.rotate(axis: Vector3f(0, 1, 1),
                                                                                          angleDegrees: 25)

    @Test("cylinder hits, uv, dp/du, dp/dv, normals and frames match Mitsuba, with and without flip_normals",
          arguments: Variant.allCases)
    func cylinderAgainstMitsuba(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let dpdv = Vector3f(0.990079165, -0.382088661, 1.28208864)
            var hits = [
                MitsubaHit(origin: Vector3f(3, 0.5, 0.5), direction: Vector3f(-1, 0.05, 0.02), t: 1.62760246,
                           p: Vector3f(1.37239754, 0.581380129, 0.532552063), uv: SIMD2(0.146144003, 0.975614071),
                           dpdu: Vector3f(-3.11787748, 1.32799244, 2.80351639), dpdv: dpdv,
                           n: Vector3f(0.378927976, 0.925272286, -0.0168729667),
                           s: Vector3f(-0.708893657, 0.301937908, 0.637419224),
                           tangent: Vector3f(0.594880939, -0.229574844, 0.770332396)),
                // From inside: the far root, with the outward normal (never flipped toward the ray).
                MitsubaHit(origin: Vector3f(0.4, 0.1, 0.3), direction: Vector3f(0.3, 0.9, -0.2), t: 0.75767988,
                           p: Vector3f(0.627303958, 0.78191185, 0.148464039), uv: SIMD2(0.227884322, 0.503860474),
                           dpdu: Vector3f(-3.53444695, -0.842741668, 2.47828436), dpdv: dpdv,
                           n: Vector3f(-0.0182435978, 0.954243779, 0.298472613),
                           s: Vector3f(-0.803606808, -0.191609323, 0.563473225),
                           tangent: Vector3f(0.594880939, -0.229574844, 0.770332456)),
                MitsubaHit(origin: Vector3f(0.4, 0.1, 0.3), direction: Vector3f(0.3, 0.9, -0.2), maxT: 0.1, t: nil),
                MitsubaHit(origin: Vector3f(3, 0.5, 0.5), direction: Vector3f(-1, 0.05, 0.02), maxT: 1, t: nil),
                // Through the open bottom: the near root lies below z = 0 locally, the far one counts.
                MitsubaHit(origin: Vector3f(0.4, 0.1, -4), direction: Vector3f(0, 0, 1), t: 4.7616744,
                           p: Vector3f(0.400000006, 0.100000001, 0.761674404), uv: SIMD2(0.423042178, 0.800500154),
                           dpdu: Vector3f(-1.11842954, -4.23495054, -0.398406744), dpdv: dpdv,
                           n: Vector3f(-0.762530565, 0.142002136, 0.631175578),
                           s: Vector3f(-0.254290879, -0.962876379, -0.090583466),
                           tangent: Vector3f(0.594880998, -0.229574859, 0.770332515)),
            ]
            let p0 = Vector3f(0.1, 0.2, -0.3), p1 = Vector3f(0.5, -0.4, 1.2)
            expectMitsubaHits(CylinderShape(p0: p0, p1: p1, radius: 0.7, toWorld: Self.cylinderToWorld), hits)
            for i in [0, 1, 4] {
                hits[i].n = -hits[i].n
                hits[i].tangent = -hits[i].tangent
            }
            expectMitsubaHits(CylinderShape(p0: p0, p1: p1, radius: 0.7, toWorld: Self.cylinderToWorld,
                                            flipNormals: true), hits)
        }
    }

    @Test("a mirrored cylinder keeps outward normals at hits, as Mitsuba", arguments: Variant.allCases)
    func mirroredCylinder(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let shape = CylinderShape(toWorld: .scale(-1, 1, 1))
            #expect(shape.mirrored && !shape.flipNormals && shape.radius == 1 && shape.length == 1)
            // Mitsuba 3.9.1: t 2.00501227, uv (0.484057873, 0.49999994), n (0.994987428, 0.0999999717, 0).
            expectMitsubaHits(shape, [
                MitsubaHit(origin: Vector3f(3, 0.1, 0.5), direction: Vector3f(-1, 0, 0), t: 2.00501227,
                           p: Vector3f(0.994987726, 0.100000001, 0.5), uv: SIMD2(0.484057873, 0.49999994),
                           dpdu: Vector3f(0.628318489, -6.25169182, 0), dpdv: Vector3f(0, 0, 1),
                           n: Vector3f(0.994987428, 0.0999999717, 0), s: Vector3f(0.0999999717, -0.994987428, 0),
                           tangent: Vector3f(0, 0, -1)),
            ])
        }
    }

    @Test("cylinder: random rays against a Double reference; dp/du, dp/dv are derivatives of (φ/2π, z) ↦ p",
          arguments: Variant.allCases)
    func cylinderRandomRays(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let toWorld = CylinderShape.placement(p0: Vector3f(0.2, -0.3, 0.1), p1: Vector3f(-0.5, 0.4, 1.3),
                                                  radius: 0.6, toWorld: .identity)
            let shape = CylinderShape(toWorld: toWorld)
            var random = SplitMix64(seed: 5)
            var origins: [Vector3f] = [], directions: [Vector3f] = [], maxT: [Float] = []
            for i in 0..<500 {
                var origin = random.point(extent: 3)
                if i % 4 == 3 {  // inside
                    origin = toWorld.applyPoint(Vector3f(random.float(in: -0.6...0.6), random.float(in: -0.6...0.6),
                                                         random.float(in: 0.05...0.95)))
                }
                let target = toWorld.applyPoint(Vector3f(random.float(in: -1.2...1.2), random.float(in: -1.2...1.2),
                                                         random.float(in: -0.2...1.2)))
                origins.append(origin)
                directions.append(i % 6 == 5 ? random.direction() : (target - origin).normalized)
                maxT.append(i % 5 == 4 ? random.float(in: 0.1...2) : .greatestFiniteMagnitude)
            }
            let rays = PluginFixtures.rays(origins: origins, directions: directions, maxT: maxT)
            let (t, hit) = shape.intersect(rays, active: true)
            let surface = shape.surface(rays, t: t)
            let ts = t.values, hits = hit.values, points = surface.p.values, uvs = surface.uv.values
            let dpdu = surface.dpdu.values, dpdv = surface.dpdv.values, normals = surface.n.values
            var hitCount = 0, missCount = 0, insideHits = 0
            for i in origins.indices {
                let o = applyPoint(toWorld, Point3d(origins[i]), inverse: true)
                let d = applyPoint(toWorld, Point3d(origins[i]) + Point3d(directions[i]), inverse: true) - o
                let limit = Double(maxT[i])
                // All crossings of the infinite cylinder inside the segment and 0 ≤ z ≤ 1; the first one counts.
                let a = d.x * d.x + d.y * d.y, b = 2 * (d.x * o.x + d.y * o.y), c = o.x * o.x + o.y * o.y - 1
                let disc = b * b - 4 * a * c
                var candidates: [Double] = []
                if a > 0 && disc >= 0 {
                    candidates = [(-b - disc.squareRoot()) / (2 * a), (-b + disc.squareRoot()) / (2 * a)]
                }
                let valid = candidates.filter { $0 >= 0 && $0 <= limit && (0...1).contains(o.z + d.z * $0) }
                let expectedT = valid.min()
                let marginal = candidates.contains { abs($0) < 1e-4 || abs($0 - limit) < 1e-4 * Swift.max(1, $0)
                    || abs(o.z + d.z * $0) < 1e-4 || abs(o.z + d.z * $0 - 1) < 1e-4 } || abs(disc) < 1e-4
                if !marginal {
                    #expect(hits[i] == (expectedT != nil), "ray \(i): \(hits[i]) vs \(String(describing: expectedT))")
                }
                guard hits[i] else { missCount += 1; continue }
                hitCount += 1
                if c < 0 { insideHits += 1 }
                guard let expectedT, !marginal else { continue }
                #expect(abs(Double(ts[i]) - expectedT) < 1e-4 * Swift.max(1, expectedT), "ray \(i)")
                expectDerivatives(uv: uvs[i], p: points[i], dpdu: dpdu[i], dpdv: dpdv[i]) { u, v in
                    applyPoint(toWorld, Point3d(cos(2 * .pi * u), sin(2 * .pi * u), v))
                }
                // The outward normal: away from the axis through the hit's local height.
                let local = applyPoint(toWorld, Point3d(points[i]), inverse: true)
                let axisPoint = applyPoint(toWorld, Point3d(0, 0, local.z))
                let outward = Point3d(points[i]) - axisPoint
                #expect((Point3d(normals[i]) - outward / outward.length).length < 1e-4, "ray \(i)")
            }
            #expect(hitCount > 150 && missCount > 80 && insideHits > 40)
        }
    }

    @Test("cylinder: tangent, axis-parallel and open-end rays", arguments: Variant.allCases)
    func cylinderSpecialRays(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let shape = CylinderShape()
            let origins = [Vector3f(1, -2, 0.5), Vector3f(0.5, 0, -1), Vector3f(2, 0, -1), Vector3f(0, 0, 2),
                           Vector3f(-3, 0, 0.5), Vector3f(-3, 0, 1.5)]
            let directions = [Vector3f(0, 1, 0), Vector3f(0, 0, 1), Vector3f(0, 0, 1), Vector3f(0.5, 0, -1),
                              Vector3f(2, 0, 0), Vector3f(1, 0, 0)]
            let rays = PluginFixtures.rays(origins: origins, directions: directions,
                                           maxT: Array(repeating: .greatestFiniteMagnitude, count: 6))
            let (t, hit) = shape.intersect(rays, active: true)
            // Tangent (double root, counted as Mitsuba does); inside along the axis; outside along the axis; into
            // the open top hitting the inside wall (the near root is above z = 1); a non-unit direction; above.
            #expect(hit.values == [true, false, false, true, true, false])
            let ts = t.values
            #expect(ts[0] == 2 && abs(ts[3] - 2) < 1e-6 && ts[4] == 1)
            let surface = shape.surface(rays, t: t)
            #expect(pluginClose(surface.n.values[3], Vector3f(1, 0, 0), 1e-6))
            #expect(abs(surface.uv.values[3].y) < 1e-6 && abs(surface.uv.values[4].x - 0.5) < 1e-6)
            #expect(shape.bounds.min == Vector3f(-1, -1, 0) && shape.bounds.max == Vector3f(1, 1, 1))
            #expect(abs(shape.surfaceArea - 2 * Float.pi) < 1e-6)
        }
    }

    @Test("sphere and rectangle dp/du, dp/dv match Mitsuba and finite differences", arguments: Variant.allCases)
    func sphereAndRectangleDerivatives(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let sphereToWorld = Transform4.translate(0.2, -0.1, -1)
                * Transform4.rotate(axis: Vector3f(1, 0, 1), angleDegrees: 40) * Transform4.scale(0.45)
            let sphere = try SphereShape(toWorld: sphereToWorld)
            // Mitsuba 3.9.1 (llvm_ad_rgb; rotations given Mitsuba unit axes, since Mitsuba does not normalise them).
            // SphereShape's frame is Frame(normal:); Mitsuba's shading frame (the last vector, s) is
            // Frame(normal:dpdu:) of the sphere's n and dp/du.
            let sphereHits = [
                (Vector3f(1, 1, 1), Vector3f(-0.4, -0.55, -1), Float(1.62789583),
                 Vector3f(0.348841667, 0.10465727, -0.627895832), SIMD2<Float>(0.122058891, 0.309974968),
                 Vector3f(-2.19814372, 0.552308083, 0.575488031), Vector3f(0.117875144, 1.21396661, -0.71483171),
                 Vector3f(0.330759257, 0.45479396, 0.826898217), Vector3f(-0.940024555, 0.236191645, 0.246104419)),
                (Vector3f(0.2, -0.1, -1), Vector3f(0.3, 0.2, 0.9), Float(0.464139521),
                 Vector3f(0.339241862, -0.00717209606, -0.582274437), SIMD2<Float>(0.11869286, 0.224155188),
                 Vector3f(-1.70798016, 0.465515286, 0.465878934), Vector3f(0.259507447, 1.33577669, -0.383341789),
                 Vector3f(0.309426367, 0.206284255, 0.928279102), Vector3f(-0.933037758, 0.254302353, 0.254500985)),
            ]
            let rays = PluginFixtures.rays(origins: sphereHits.map(\.0), directions: sphereHits.map(\.1),
                                           maxT: [.greatestFiniteMagnitude, .greatestFiniteMagnitude])
            let (t, _) = sphere.intersect(rays, active: true)
            let surface = sphere.surface(rays, t: t)
            for (i, expected) in sphereHits.enumerated() {
                #expect(pluginClose(t.values[i], expected.2, 3e-5))
                #expect(pluginClose(surface.p.values[i], expected.3, 3e-5))
                let uv = surface.uv.values[i]
                #expect(abs(uv.x - expected.4.x) < 3e-5 && abs(uv.y - expected.4.y) < 3e-5)
                #expect(pluginClose(surface.dpdu.values[i], expected.5, 3e-5), "\(surface.dpdu.values[i])")
                #expect(pluginClose(surface.dpdv.values[i], expected.6, 3e-5), "\(surface.dpdv.values[i])")
                #expect(pluginClose(surface.n.values[i], expected.7, 3e-5))
                let frame = Frame(normal: surface.n, dpdu: surface.dpdu)
                #expect(pluginClose(frame.s.values[i], expected.8, 3e-5), "\(frame.s.values[i])")
                expectDerivatives(uv: uv, p: surface.p.values[i], dpdu: surface.dpdu.values[i],
                                  dpdv: surface.dpdv.values[i]) { u, v in
                    let theta = Double.pi * v, phi = 2 * Double.pi * u
                    return applyPoint(sphereToWorld, Point3d(sin(theta) * cos(phi), sin(theta) * sin(phi), cos(theta)))
                }
            }

            let rectangleToWorld = Transform4.translate(0.3, -0.2, 0.5)
                * Transform4.rotate(axis: Vector3f(1, 2, 3), angleDegrees: 30) * Transform4.scale(1.2, 0.8, 1)
            expectMitsubaHits(RectangleShape(toWorld: rectangleToWorld), [
                MitsubaHit(origin: Vector3f(1, 1, 3), direction: Vector3f(-0.2, -0.35, -1), t: 2.53496075,
                           p: Vector3f(0.493007898, 0.112763718, 0.465039253), uv: SIMD2(0.628628016, 0.626545608),
                           dpdu: Vector3f(2.10142803, 1.00807452, -0.57252574),
                           dpdv: Vector3f(-0.610804081, 1.44688606, 0.305677295),
                           n: Vector3f(0.295970052, -0.076212965, 0.952151835),
                           s: Vector3f(0.875594974, 0.420031041, -0.238552392),
                           tangent: Vector3f(-0.381752551, 0.904303789, 0.19104825)),
            ])
            let rectangle = RectangleShape(toWorld: rectangleToWorld)
            let rectangleRays = PluginFixtures.rays(origins: [Vector3f(1, 1, 3), Vector3f(0, 0, -2)],
                                                    directions: [Vector3f(-0.2, -0.35, -1), Vector3f(0.1, 0.2, 1)],
                                                    maxT: [.greatestFiniteMagnitude, .greatestFiniteMagnitude])
            let (rt, _) = rectangle.intersect(rectangleRays, active: true)
            let rs = rectangle.surface(rectangleRays, t: rt)
            for i in 0..<2 {
                expectDerivatives(uv: rs.uv.values[i], p: rs.p.values[i], dpdu: rs.dpdu.values[i],
                                  dpdv: rs.dpdv.values[i]) { u, v in
                    applyPoint(rectangleToWorld, Point3d(2 * u - 1, 2 * v - 1, 0))
                }
            }
        }
    }

    @Test("disk and cylinder from XML through PluginFactory, and their errors")
    func xml() throws {
        let directory = try ImageTestDirectory()
        let document = try PluginFixtures.document("""
            <shape type="disk" id="d"><boolean name="flip_normals" value="true"/>
                <transform name="to_world"><scale value="2"/><translate z="1"/></transform></shape>
            <shape type="cylinder" id="c"><point name="p0" x="0" y="0" z="-1"/><point name="p1" x="0" y="0" z="1"/>
                <float name="radius" value="0.5"/><bsdf type="dielectric"/></shape>
            <shape type="cylinder" id="defaults"/>
            <shape type="disk" id="bad1"><float name="radius" value="1"/></shape>
            <shape type="cylinder" id="bad2"><float name="radius" value="0"/></shape>
            <shape type="cylinder" id="bad3"><point name="p1" x="0" y="0" z="0"/></shape>
            """, in: directory)
        func shape(_ id: String) throws -> (shape: any Shape, bsdf: PluginDescription) {
            let made = try PluginFactory.makeShape(document.plugins.first { $0.id == id }!, document: document)
            guard let shape = made.geometry.analytic else { throw SceneError("'\(id)' is not analytic", at: nil) }
            return (shape, made.bsdf)
        }
        let disk = try #require(try shape("d").shape as? DiskShape)
        #expect(disk.flipsNormals && disk.normal == Vector3f(0, 0, -1))
        #expect(disk.toWorld.applyPoint(Vector3f(1, 0, 0)) == Vector3f(2, 0, 1))
        let (cylinderShape, bsdf) = try shape("c")
        let cylinder = try #require(cylinderShape as? CylinderShape)
        #expect(bsdf.type == "dielectric")
        #expect(abs(cylinder.radius - 0.5) < 1e-6 && abs(cylinder.length - 2) < 1e-6 && !cylinder.mirrored)
        #expect(pluginClose(cylinder.toWorld.applyPoint(.zero), Vector3f(0, 0, -1), 1e-6))
        let defaults = try #require(try shape("defaults").shape as? CylinderShape)
        #expect(defaults.toWorld.matrix.maxAbsDifference(Transform4.identity.matrix) < 1e-6)
        #expect(PluginFactory.shapeTypes.contains("disk") && PluginFactory.shapeTypes.contains("cylinder"))
        let messages = ["bad1", "bad2", "bad3"].map { id -> String in
            do { _ = try shape(id); return "" } catch { return "\(error)" }
        }
        #expect(messages[0].contains("unexpected property 'radius'"), "\(messages[0])")
        #expect(messages[1].contains("'radius' must be positive"), "\(messages[1])")
        #expect(messages[2].contains("'p0' and 'p1'"), "\(messages[2])")
    }
}
