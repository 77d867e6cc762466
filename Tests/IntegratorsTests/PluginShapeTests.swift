// Rectangle and sphere intersections, surfaces, uv and normals against plain-Float references of SCENE-SPEC §4.
import Foundation
import Testing
import RefractSupport
import Tracer

@testable import Integrators

/// One reference intersection: hit, distance, and whether the ray is too close to a decision boundary for the
/// hit flag to be compared (rounding of the traced transform may tip it either way).
private struct ReferenceHit {
    var hit: Bool
    var t: Float
    var marginal: Bool
}

/// SCENE-SPEC §4 rectangle test in local space, in plain Float.
private func referenceRectangle(_ toWorld: Transform4, origin: Vector3f, direction: Vector3f, maxT: Float)
    -> (hit: ReferenceHit, local: Vector3f) {
    let toObject = toWorld.inverted
    let o = toObject.applyPoint(origin)
    let d = toObject.applyVector(direction)
    let t = -o.z / d.z
    let local = Vector3f(o.x.addingProduct(d.x, t), o.y.addingProduct(d.y, t), 0)
    let hit = t >= 0 && t <= maxT && abs(local.x) <= 1 && abs(local.y) <= 1
    let nearEdge = abs(abs(local.x) - 1) < 1e-4 || abs(abs(local.y) - 1) < 1e-4
    let nearEnds = abs(t) < 1e-5 || abs(t - maxT) < 1e-4 * Swift.max(1, abs(t))
    return (ReferenceHit(hit: hit, t: t, marginal: nearEdge || nearEnds || !t.isFinite), local)
}

/// SCENE-SPEC §4 sphere test (closest-approach point, stable quadratic), in plain Float.
private func referenceSphere(center c: Vector3f, radius r: Float, origin o: Vector3f, direction d: Vector3f,
                             maxT: Float) -> ReferenceHit {
    let l = o - c
    let planeT = -l.dot(d) / d.length
    let p0 = Vector3f(o.x.addingProduct(d.x, planeT), o.y.addingProduct(d.y, planeT), o.z.addingProduct(d.z, planeT))
    let offset = p0 - c
    let a = d.squaredLength
    let b = 2 * offset.dot(d)
    let constant = offset.squaredLength - r * r
    let discriminant = (-(4 * a * constant)).addingProduct(b, b)
    let tangent = abs(constant) < 1e-4 * r * r
    guard discriminant >= 0 else { return ReferenceHit(hit: false, t: .infinity, marginal: tangent) }
    let root = discriminant.squareRoot()
    let q = -0.5 * (b + (b.sign == .minus ? -root : root))
    let first = q / a, second = constant / q
    let near = Swift.min(first, second) + planeT
    let far = Swift.max(first, second) + planeT
    let hit = near <= maxT && far >= 0 && !(near < 0 && far > maxT)
    let t = near < 0 ? far : near
    let ends = [near, far].contains { abs($0) < 1e-4 || abs($0 - maxT) < 1e-4 * Swift.max(1, abs(maxT)) }
    return ReferenceHit(hit: hit, t: hit ? t : .infinity, marginal: tangent || ends)
}

/// uv of a unit local point on the sphere (SCENE-SPEC §4), in Double.
private func referenceSphereUV(_ local: Vector3f) -> SIMD2<Float> {
    var phi = atan2(Double(local.y), Double(local.x))
    if phi < 0 { phi += 2 * Double.pi }
    let z = Swift.min(1, Swift.max(-1, Double(local.z) / Double(local.length)))
    return SIMD2(Float(phi / (2 * Double.pi)), Float(acos(z) / Double.pi))
}

/// The circular distance between two u values (u wraps at 1).
private func uDistance(_ a: Float, _ b: Float) -> Float {
    let d = abs(a - b)
    return Swift.min(d, 1 - d)
}

/// Checks that `frame` is orthonormal, right-handed, with n = `normal`.
private func expectOrthonormal(_ s: Vector3f, _ t: Vector3f, _ n: Vector3f, normal: Vector3f,
                               sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    #expect(pluginClose(n, normal, 1e-5), sourceLocation: sourceLocation)
    #expect(abs(s.length - 1) < 1e-5 && abs(t.length - 1) < 1e-5, sourceLocation: sourceLocation)
    #expect(abs(s.dot(t)) < 1e-5 && abs(s.dot(n)) < 1e-5 && abs(t.dot(n)) < 1e-5, sourceLocation: sourceLocation)
    #expect(pluginClose(n.cross(s), t, 1e-5), sourceLocation: sourceLocation)
}

@Suite("Shape plugins")
struct ShapePluginTests {
    static let rectangleToWorld = Transform4.translate(0.3, -0.2, 0.5)
        * Transform4.rotate(axis: Vector3f(1, 2, 3), angleDegrees: 30) * Transform4.scale(1.2, 0.8, 1)

    /// Random rays toward the (enlarged) rectangle, random rays, grazing rays and short rays.
    static func rectangleRays(_ toWorld: Transform4, count: Int)
        -> (origins: [Vector3f], directions: [Vector3f], maxT: [Float]) {
        var random = SplitMix64(seed: 7)
        var origins: [Vector3f] = [], directions: [Vector3f] = [], maxT: [Float] = []
        for i in 0..<count {
            var origin = random.point(extent: 3)
            var direction: Vector3f
            var limit = Float.greatestFiniteMagnitude
            switch i % 10 {
            case 0..<6:
                let target = toWorld.applyPoint(Vector3f(random.float(in: -1.4...1.4), random.float(in: -1.4...1.4), 0))
                direction = (target - origin).normalized
            case 6, 7:
                direction = random.direction()
            case 8:
                let along = toWorld.applyVector(Vector3f(random.float(in: -1...1), random.float(in: -1...1), 0))
                origin = toWorld.applyPoint(Vector3f(random.float(in: -2...2), random.float(in: -2...2), 0))
                direction = along.normalized
            default:
                let target = toWorld.applyPoint(Vector3f(random.float(in: -0.9...0.9), random.float(in: -0.9...0.9), 0))
                direction = (target - origin).normalized
                limit = (target - origin).length * random.float(in: 0.5...1.5)
            }
            origins.append(origin)
            directions.append(direction)
            maxT.append(limit)
        }
        return (origins, directions, maxT)
    }

    @Test("rectangle hits, distances, uv, normals and frames match the reference", arguments: Variant.allCases)
    func rectangleAgainstReference(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let toWorld = Self.rectangleToWorld
            let shape = RectangleShape(toWorld: toWorld)
            let (origins, directions, maxT) = Self.rectangleRays(toWorld, count: 400)
            let rays = PluginFixtures.rays(origins: origins, directions: directions, maxT: maxT)
            let (t, hit) = shape.intersect(rays, active: true)
            let surface = shape.surface(rays, t: t)
            let tValues = t.values, hits = hit.values
            let points = surface.p.values, normals = surface.n.values, uvs = surface.uv.values
            let s = surface.frame.s.values, tangents = surface.frame.t.values, frameN = surface.frame.n.values
            let normal = toWorld.applyNormal(Vector3f(0, 0, 1)).normalized
            var hitCount = 0, missCount = 0
            for i in origins.indices {
                let (expected, local) = referenceRectangle(toWorld, origin: origins[i], direction: directions[i],
                                                           maxT: maxT[i])
                if !expected.marginal {
                    #expect(hits[i] == expected.hit, "ray \(i): hit \(hits[i]) vs \(expected.hit)")
                }
                guard hits[i] else {
                    #expect(tValues[i] == .infinity)
                    missCount += 1
                    continue
                }
                hitCount += 1
                #expect(pluginClose(tValues[i], expected.t, 1e-5), "ray \(i): t \(tValues[i]) vs \(expected.t)")
                let onRay = origins[i] + directions[i] * tValues[i]
                #expect(pluginClose(points[i], onRay, 1e-5))
                let expectedUV = SIMD2<Float>((local.x + 1) / 2, (local.y + 1) / 2)
                #expect(abs(uvs[i].x - expectedUV.x) < 1e-4 && abs(uvs[i].y - expectedUV.y) < 1e-4,
                        "ray \(i): uv \(uvs[i]) vs \(expectedUV)")
                #expect(pluginClose(normals[i], normal, 1e-6))
                expectOrthonormal(s[i], tangents[i], frameN[i], normal: normal)
                #expect(pluginClose(s[i], toWorld.applyVector(Vector3f(1, 0, 0)).normalized, 1e-6))
            }
            #expect(hitCount > 100 && missCount > 100)
        }
    }

    @Test("rectangle: both sides hit with the same normal, parallel and short rays miss, inactive lanes miss",
          arguments: Variant.allCases)
    func rectangleSpecialRays(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let shape = RectangleShape(toWorld: .scale(1.2))
            let origins = [Vector3f(0.6, -0.3, -2), Vector3f(0.6, -0.3, 2), Vector3f(0, 0, 1), Vector3f(0, 0, -2),
                           Vector3f(0, 0, -2), Vector3f(1.3, 0, -1), Vector3f(0, 0, -2), Vector3f(-1.2, 1.2, -1)]
            let directions = [Vector3f(0, 0, 1), Vector3f(0, 0, -1), Vector3f(1, 0, 0), Vector3f(0, 0, -1),
                              Vector3f(0, 0, 1), Vector3f(0, 0, 1), Vector3f(0, 0, 1), Vector3f(0, 0, 1)]
            let maxT: [Float] = [.greatestFiniteMagnitude, .greatestFiniteMagnitude, .greatestFiniteMagnitude,
                                 .greatestFiniteMagnitude, 1.5, .greatestFiniteMagnitude, .greatestFiniteMagnitude,
                                 .greatestFiniteMagnitude]
            let rays = PluginFixtures.rays(origins: origins, directions: directions, maxT: maxT)
            let active = BoolArray([true, true, true, true, true, true, false, true])
            let (t, hit) = shape.intersect(rays, active: active)
            #expect(hit.values == [true, true, false, false, false, false, false, true])
            #expect(t.values[0] == 2 && t.values[1] == 2 && t.values[7] == 1)
            let surface = shape.surface(rays, t: t)
            let uv = surface.uv.values
            #expect(abs(uv[0].x - (0.5 + 0.25)) < 1e-6 && abs(uv[0].y - (0.5 - 0.125)) < 1e-6)
            #expect(uv[0] == uv[1])
            #expect(abs(uv[7].x) < 1e-6 && abs(uv[7].y - 1) < 1e-6)
            #expect(surface.n.values[0] == Vector3f(0, 0, 1) && surface.n.values[1] == Vector3f(0, 0, 1))
            #expect(shape.bounds.min == Vector3f(-1.2, -1.2, 0) && shape.bounds.max == Vector3f(1.2, 1.2, 0))
        }
    }

    static let sphereCenter = Vector3f(0.2, -0.1, -1)
    static let sphereRadius: Float = 0.45

    /// Rays from outside toward and past the sphere, from inside (some with a short maxt), leaving it, grazing it,
    /// and with non-unit directions.
    static func sphereRays(count: Int) -> (origins: [Vector3f], directions: [Vector3f], maxT: [Float]) {
        var random = SplitMix64(seed: 11)
        let c = sphereCenter, r = sphereRadius
        var origins: [Vector3f] = [], directions: [Vector3f] = [], maxT: [Float] = []
        for i in 0..<count {
            var origin: Vector3f
            repeat { origin = c + random.point(extent: 3) } while (origin - c).length < r * 1.05
            var direction = ((c + random.point(extent: 1.3 * r)) - origin).normalized
            var limit = Float.greatestFiniteMagnitude
            switch i % 10 {
            case 0, 1, 2:
                break
            case 3:
                origin = c + random.direction() * (r * random.float(in: 0...0.95))
                direction = random.direction()
            case 4:
                origin = c + random.direction() * (r * random.float(in: 0...0.95))
                direction = random.direction()
                limit = random.float(in: 0.01...0.3)
            case 5:
                direction = -direction
            case 6:
                let axis = (c - origin).normalized
                var side = random.direction().cross(axis).normalized
                if !side.isFinite { side = Vector3f(1, 0, 0) }
                let grazing = c + side * (r * random.float(in: 0.999...1.001))
                direction = (grazing - origin).normalized
            case 7:
                limit = (c - origin).length * random.float(in: 0.3...1.2)
            case 8:
                direction = direction * random.float(in: 0.3...3)
            default:
                direction = random.direction()
            }
            origins.append(origin)
            directions.append(direction)
            maxT.append(limit)
        }
        return (origins, directions, maxT)
    }

    @Test("sphere hits, distances, points, normals and uv match the reference", arguments: Variant.allCases)
    func sphereAgainstReference(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let c = Self.sphereCenter, r = Self.sphereRadius
            let shape = SphereShape(center: c, radius: r)
            let (origins, directions, maxT) = Self.sphereRays(count: 500)
            let rays = PluginFixtures.rays(origins: origins, directions: directions, maxT: maxT)
            let (t, hit) = shape.intersect(rays, active: true)
            let surface = shape.surface(rays, t: t)
            let tValues = t.values, hits = hit.values
            let points = surface.p.values, normals = surface.n.values, uvs = surface.uv.values
            let s = surface.frame.s.values, tangents = surface.frame.t.values, frameN = surface.frame.n.values
            var hitCount = 0, missCount = 0, insideHits = 0
            for i in origins.indices {
                let expected = referenceSphere(center: c, radius: r, origin: origins[i], direction: directions[i],
                                               maxT: maxT[i])
                if !expected.marginal {
                    #expect(hits[i] == expected.hit, "ray \(i): hit \(hits[i]) vs \(expected.hit)")
                }
                guard hits[i] else {
                    #expect(tValues[i] == .infinity)
                    missCount += 1
                    continue
                }
                hitCount += 1
                if (origins[i] - c).length < r { insideHits += 1 }
                guard expected.hit else { continue }
                #expect(pluginClose(tValues[i], expected.t, 2e-5), "ray \(i): t \(tValues[i]) vs \(expected.t)")
                let onRay = origins[i] + directions[i] * tValues[i]
                let expectedPoint = c + (onRay - c).normalized * r
                #expect(pluginClose(points[i], expectedPoint, 1e-5))
                #expect(abs((points[i] - c).length - r) < 1e-6)
                let expectedNormal = (points[i] - c) * (1 / r)
                #expect(pluginClose(normals[i], expectedNormal, 1e-6))
                expectOrthonormal(s[i], tangents[i], frameN[i], normal: normals[i])
                let expectedUV = referenceSphereUV((points[i] - c) / r)
                #expect(uDistance(uvs[i].x, expectedUV.x) < 1e-4 && abs(uvs[i].y - expectedUV.y) < 1e-4,
                        "ray \(i): uv \(uvs[i]) vs \(expectedUV)")
                #expect(uvs[i].x >= 0 && uvs[i].x <= 1 && uvs[i].y >= 0 && uvs[i].y <= 1)
            }
            #expect(hitCount > 150 && missCount > 100 && insideHits > 40)
        }
    }

    @Test("sphere: inside origins hit the far side, t_near < 0 < maxt < t_far misses, tangent-free cases",
          arguments: Variant.allCases)
    func sphereSpecialRays(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let shape = SphereShape(center: Vector3f(0, 0, -1), radius: 0.5)
            let origins = [Vector3f(0, 0, -3), Vector3f(0, 0, -1), Vector3f(0, 0, -1), Vector3f(0, 0, 1),
                           Vector3f(0, 0, -3), Vector3f(0, 2, -1), Vector3f(0, 0, -3)]
            let directions = [Vector3f(0, 0, 1), Vector3f(0, 0, 1), Vector3f(0, 0, 1), Vector3f(0, 0, 1),
                              Vector3f(0, 0, 1), Vector3f(0, 0, 1), Vector3f(0, 0, 2)]
            let maxT: [Float] = [.greatestFiniteMagnitude, .greatestFiniteMagnitude, 0.25, .greatestFiniteMagnitude,
                                 1.0, .greatestFiniteMagnitude, .greatestFiniteMagnitude]
            let rays = PluginFixtures.rays(origins: origins, directions: directions, maxT: maxT)
            let (t, hit) = shape.intersect(rays, active: true)
            #expect(hit.values == [true, true, false, false, false, false, true])
            let tValues = t.values
            #expect(abs(tValues[0] - 1.5) < 1e-6 && abs(tValues[1] - 0.5) < 1e-6 && abs(tValues[6] - 0.75) < 1e-6)
            let surface = shape.surface(rays, t: t)
            let normals = surface.n.values
            #expect(pluginClose(normals[0], Vector3f(0, 0, -1), 1e-6))
            #expect(pluginClose(normals[1], Vector3f(0, 0, 1), 1e-6))
            // Hitting the local south pole (z = −1): v = 1.
            #expect(abs(surface.uv.values[0].y - 1) < 1e-4)
            #expect(shape.bounds.min == Vector3f(-0.5, -0.5, -1.5) && shape.bounds.max == Vector3f(0.5, 0.5, -0.5))
        }
    }

    @Test("a sphere from to_world takes center and radius from the transform; uv follow its rotation",
          arguments: Variant.allCases)
    func sphereFromTransform(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let tutorial = try SphereShape(toWorld: .translate(0, 0, -1) * .scale(0.45))
            #expect(tutorial.center == Vector3f(0, 0, -1) && abs(tutorial.radius - 0.45) < 1e-7)

            let rotation = Transform4.rotate(axis: Vector3f(1, 0, 0), angleDegrees: 90)
            let shape = try SphereShape(toWorld: .translate(1, 2, 3) * rotation * .scale(0.7))
            #expect(pluginClose(shape.center, Vector3f(1, 2, 3), 1e-6) && abs(shape.radius - 0.7) < 1e-6)
            // Local +z is world −y after the rotation: a ray from below (world) hits the local north pole, v = 0.
            let pole = rotation.applyVector(Vector3f(0, 0, 1))
            let origin = shape.center + pole * 3
            let rays = PluginFixtures.rays(origins: [origin], directions: [-pole], maxT: [.greatestFiniteMagnitude])
            let (t, hit) = shape.intersect(rays, active: true)
            #expect(hit.values == [true])
            let uv = shape.surface(rays, t: t).uv.values[0]
            #expect(uv.y < 1e-3)

            #expect(throws: SceneError.self) { try SphereShape(toWorld: .scale(1, 2, 1)) }
            #expect(throws: SceneError.self) { try SphereShape(toWorld: .scale(0)) }
        }
    }
}
