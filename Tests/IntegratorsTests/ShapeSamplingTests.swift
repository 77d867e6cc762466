// Area-light sampling of shapes: Mitsuba 3.9.1's values, pdfs against areas, sample_direction against
// pdf_direction, and chi-square tests of sampled directions against pdf_direction.
import Foundation
import Testing
import Tracer

@testable import Integrators

/// A host-side ray cast toward a shape: the first hit point and normal along a direction from a reference point.
typealias HostRayCast = (_ origin: Point3d, _ direction: Point3d) -> (p: Point3d, n: Point3d)?

/// The first hit of a ray with the sphere (c, r) at t > 0.
func castSphere(center: Vector3f, radius: Float) -> HostRayCast {
    let c = Point3d(center), r = Double(radius)
    return { o, d in
        let l = o - c
        let b = l.dot(d), q = l.dot(l) - r * r
        let disc = b * b - q
        guard disc >= 0 else { return nil }
        let roots = [-b - disc.squareRoot(), -b + disc.squareRoot()].filter { $0 > 0 }
        guard let t = roots.first else { return nil }
        let p = o + d * t
        return (p, (p - c) / r)
    }
}

/// The first hit of a ray with the triangles of `mesh` (Möller–Trumbore in Double); n is the face normal.
func castMesh(_ mesh: TriangleMesh) -> HostRayCast {
    let triangles = (0..<mesh.triangleCount).map { face in
        (0..<3).map { Point3d(mesh.position(Int(mesh.indices[3 * face + $0]))) }
    }
    return { o, d in
        var best: (t: Double, p: Point3d, n: Point3d)?
        for v in triangles {
            let e1 = v[1] - v[0], e2 = v[2] - v[0]
            let pv = d.cross(e2)
            let det = e1.dot(pv)
            guard abs(det) > 1e-14 else { continue }
            let tv = o - v[0]
            let u = tv.dot(pv) / det
            let qv = tv.cross(e1)
            let w = d.dot(qv) / det
            let t = e2.dot(qv) / det
            guard u >= 0, w >= 0, u + w <= 1, t > 0, t < (best?.t ?? .infinity) else { continue }
            let n = e1.cross(e2)
            best = (t, o + d * t, n / n.length)
        }
        return best.map { ($0.p, $0.n) }
    }
}

/// The hit of a ray with the disk placed by `toWorld` (local unit disk at z = 0).
func castDisk(_ toWorld: Transform4) -> HostRayCast {
    let n = Point3d(toWorld.applyNormal(Vector3f(0, 0, 1)).normalized)
    return { o, d in
        let lo = applyPoint(toWorld, o, inverse: true)
        let ld = applyPoint(toWorld, o + d, inverse: true) - lo
        let t = -lo.z / ld.z
        let local = lo + ld * t
        guard t > 0, local.x * local.x + local.y * local.y <= 1 else { return nil }
        return (o + d * t, n)
    }
}

/// `count` directions sampled by `shape` from `reference`, with their pdfs and the pdfs `pdfDirection` gives.
func sampledDirections(_ shape: some AreaSampling, from reference: Vector3f, count: Int, seed: UInt32)
    -> (directions: [Vector3f], pdf: [Float], pdfDirection: [Float], points: [Vector3f], normals: [Vector3f],
        dist: [Float]) {
    var sampler = Sampler(seed: seed, laneCount: count)
    let origin = Vector3Array(repeating: reference, count: 1)
    let sample = shape.sampleDirection(from: origin, sample: sampler.next2D(), active: true)
    let pdfDirection = shape.pdfDirection(from: origin, to: sample.p, n: sample.n, active: true)
    return (sample.d.values, sample.pdf.values, pdfDirection.values, sample.p.values, sample.n.values,
            sample.dist.values)
}

/// The density `pdfDirection` gives along each direction (0 where the ray misses the shape).
func directionDensity(_ shape: some AreaSampling, from reference: Vector3f, cast: @escaping HostRayCast)
    -> ([Vector3f]) -> [Double] {
    { directions in
        let origin = Point3d(reference)
        var points: [Vector3f] = [], normals: [Vector3f] = [], lanes: [Int] = []
        for (i, direction) in directions.enumerated() {
            let d = Point3d(direction)
            guard let hit = cast(origin, d / d.length) else { continue }
            points.append(Vector3f(Float(hit.p.x), Float(hit.p.y), Float(hit.p.z)))
            normals.append(Vector3f(Float(hit.n.x), Float(hit.n.y), Float(hit.n.z)))
            lanes.append(i)
        }
        var density = [Double](repeating: 0, count: directions.count)
        guard !lanes.isEmpty else { return density }
        let pdf = shape.pdfDirection(from: Vector3Array(repeating: reference, count: 1), to: Vector3Array(points),
                                     n: Vector3Array(normals), active: true).values
        for (lane, value) in zip(lanes, pdf) { density[lane] = Double(value) }
        return density
    }
}

/// The pyramid with apex (0, 0, 1) over the square [−1, 1]² at z = 0, each side split into two unequal triangles,
/// without a base: seen from above the apex, every direction meets it at most once.
let splitPyramid: TriangleMesh = {
    let corners: [Vector3f] = [Vector3f(1, -1, 0), Vector3f(1, 1, 0), Vector3f(-1, 1, 0), Vector3f(-1, -1, 0)]
    var positions: [Float] = [0, 0, 1]
    var indices: [UInt32] = []
    for side in 0..<4 {
        let a = corners[side], b = corners[(side + 1) % 4]
        let split = a + (b - a) * (0.15 + 0.2 * Float(side))
        let base = UInt32(positions.count / 3)
        positions += [a.x, a.y, a.z, split.x, split.y, split.z, b.x, b.y, b.z]
        indices += [0, base, base + 1, 0, base + 1, base + 2]
    }
    return TriangleMesh(name: "pyramid", positions: positions, indices: indices)
}()

/// Mitsuba's reference mesh for sample_position: five vertices, four triangles (one of zero area).
func referenceMesh(withAttributes: Bool) -> TriangleMesh {
    let positions: [Float] = [0, 0, 0, 2, 0, 0, 0, 1, 0.5, 1.5, 2, 1, -1, 0.5, 0.2]
    let normals: [Float] = [0, 0, 1, 0.3, 0, 1, 0, -0.4, 1, 0.1, 0.1, 1, -0.5, 0.2, 1]
    let texcoords: [Float] = [0, 0, 1, 0, 0, 1, 1, 1, 0.5, 0.25]
    return TriangleMesh(name: "reference", positions: positions, normals: withAttributes ? normals : nil,
                        texcoords: withAttributes ? texcoords : nil, indices: [0, 1, 2, 2, 2, 3, 1, 3, 2, 0, 2, 4])
}

@Suite("Shape sampling")
struct ShapeSamplingTests {
    static let diskToWorld = Transform4.translate(0.3, -0.2, 0.5)
        * Transform4.rotate(axis: Vector3f(1, 2, 3), angleDegrees: 30) * Transform4.scale(1.5, 1.5, 1)
    static let cylinderToWorld = Transform4.translate(0.2, 0.1, -0.4) * Transform4.rotate(axis: Vector3f(0, 1, 1),
                                                                                          angleDegrees: 25)

    @Test("disk and cylinder sample_position match Mitsuba, with and without flip_normals",
          arguments: Variant.allCases)
    func positionsAgainstMitsuba(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let sample = Point2Array([SIMD2<Float>(0.3, 0.8)])
            for flip in [false, true] {
                let sign: Float = flip ? -1 : 1
                let disk = DiskShape(toWorld: Self.diskToWorld, flipNormals: flip).samplePosition(sample, active: true)
                #expect(pluginClose(disk.p.values[0], Vector3f(-0.391564488, 0.315821081, 0.756256044), 2e-6))
                #expect(pluginClose(disk.n.values[0], Vector3f(0.295970082, -0.0762129277, 0.952151954) * sign, 2e-6))
                #expect(abs(disk.uv.values[0].x - 0.6) < 1e-6 && abs(disk.uv.values[0].y - 0.333333403) < 1e-6)
                #expect(pluginClose(disk.pdf.values[0], 0.141471073, 1e-6))

                let cylinder = CylinderShape(p0: Vector3f(0.1, 0.2, -0.3), p1: Vector3f(0.5, -0.4, 1.2), radius: 0.7,
                                             toWorld: Self.cylinderToWorld, flipNormals: flip)
                    .samplePosition(sample, active: true)
                #expect(pluginClose(cylinder.p.values[0], Vector3f(0.69597435, -0.350013465, -0.682350993), 2e-6))
                #expect(pluginClose(cylinder.n.values[0], Vector3f(0.368197054, -0.77406776, -0.515024304) * sign,
                                    2e-6))
                #expect(cylinder.uv.values[0] == SIMD2(0.8, 0.3))
                #expect(pluginClose(cylinder.pdf.values[0], 0.136609912, 1e-6))
            }
            // Under a mirror Mitsuba samples an inward normal while its hits report outward ones; samples here
            // agree with hits (outward).
            let mirrored = CylinderShape(toWorld: .scale(-1, 1, 1)).samplePosition(Point2Array([SIMD2(0.5, 0.5)]),
                                                                                   active: true)
            #expect(pluginClose(mirrored.p.values[0], Vector3f(1, 0, 0.5), 1e-6))
            #expect(pluginClose(mirrored.n.values[0], Vector3f(1, 0, 0), 1e-6))
        }
    }

    @Test("mesh sample_position matches Mitsuba: triangle by area from sample.y, face or interpolated normals",
          arguments: Variant.allCases)
    func meshAgainstMitsuba(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let samples: [SIMD2<Float>] = [SIMD2(0.3, 0.8), SIMD2(0.9, 0.1), SIMD2(0, 0), SIMD2(0.5, 0.999),
                                           SIMD2(0.25, 0.55)]
            // Mitsuba 3.9.1 (llvm_ad_rgb) Mesh.sample_position: p is shared by both meshes.
            let points = [Vector3f(0.388055027, 1.09181738, 0.545908689), Vector3f(1.36754441, 0.102789842, 0.0513949208),
                          Vector3f(0, 0, 0), Vector3f(-0.702514648, 0.644150555, 0.286949545),
                          Vector3f(1.15331769, 0.657796741, 0.32889837)]
            let plain: [(n: Vector3f, uv: SIMD2<Float>)] = [
                (Vector3f(0, -0.44721359, 0.89442718), SIMD2(0.163339972, 0.765137494)),
                (Vector3f(0, -0.44721359, 0.89442718), SIMD2(0.683772206, 0.102789842)),
                (Vector3f(0, -0.44721359, 0.89442718), SIMD2(0, 0)),
                (Vector3f(-0.0446766987, -0.446767032, 0.893534064), SIMD2(0.292893231, 0.702514648)),
                (Vector3f(0, -0.44721359, 0.89442718), SIMD2(0.133974612, 0.389847517)),
            ]
            let attributed: [(n: Vector3f, uv: SIMD2<Float>)] = [
                (Vector3f(0.0362741649, -0.278094113, 0.95986867), SIMD2(0.234862506, 0.928477466)),
                (Vector3f(0.200784609, -0.0402446277, 0.978808463), SIMD2(0.683772206, 0.102789842)),
                (Vector3f(0, 0, 1), SIMD2(0, 0)),
                (Vector3f(-0.331326663, 0.0220209844, 0.94325912), SIMD2(0.351257324, 0.468521893)),
                (Vector3f(0.152869135, -0.139456555, 0.978357196), SIMD2(0.610152483, 0.523822129)),
            ]
            for (withAttributes, expected) in [(false, plain), (true, attributed)] {
                let sampler = try MeshSampler(referenceMesh(withAttributes: withAttributes))
                #expect(abs(sampler.surfaceArea - 3.63417) < 1e-5)
                let sample = sampler.samplePosition(Point2Array(samples), active: true)
                let p = sample.p.values, n = sample.n.values, uv = sample.uv.values, pdf = sample.pdf.values
                for i in samples.indices {
                    #expect(pluginClose(p[i], points[i], 2e-6), "sample \(i): p \(p[i]) vs \(points[i])")
                    #expect(pluginClose(n[i], expected[i].n, 2e-6), "sample \(i): n \(n[i]) vs \(expected[i].n)")
                    #expect(abs(uv[i].x - expected[i].uv.x) < 2e-6 && abs(uv[i].y - expected[i].uv.y) < 2e-6,
                            "sample \(i): uv \(uv[i]) vs \(expected[i].uv)")
                    #expect(pluginClose(pdf[i], 0.275166035, 1e-6))
                }
            }
            var flipped = referenceMesh(withAttributes: true)
            flipped.flipsNormals = true
            let n = try MeshSampler(flipped).samplePosition(Point2Array(samples), active: true).n.values
            #expect(pluginClose(n[0], -attributed[0].n, 2e-6))
            #expect(throws: SceneError.self) {
                try MeshSampler(TriangleMesh(name: "flat", positions: [0, 0, 0, 1, 0, 0, 2, 0, 0], indices: [0, 1, 2]))
            }
            #expect(throws: SceneError.self) {
                try MeshSampler(TriangleMesh(name: "bad", positions: [0, 0, 0], indices: [0, 1, 2]))
            }
        }
    }

    @Test("sphere, disk and cylinder sample_direction and pdf_direction match Mitsuba", arguments: Variant.allCases)
    func directionsAgainstMitsuba(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let sphere = SphereShape(center: Vector3f(0.2, -0.1, -1), radius: 0.45)
            // (reference, sample, p, n, d, dist, pdf) from Mitsuba 3.9.1 Sphere.sample_direction: near (cone), far
            // (the Taylor branch) and inside.
            let cases: [(Vector3f, SIMD2<Float>, Vector3f, Vector3f, Vector3f, Float, Float)] = [
                (Vector3f(1, 1, 1), SIMD2(0.3, 0.8), Vector3f(0.408605158, -0.098685734, -0.601274371),
                 Vector3f(0.463567048, 0.00292059965, 0.886057019), Vector3f(-0.291326165, -0.541222036, -0.788801491),
                 2.03000927, 9.11534691),
                (Vector3f(1, 1, 1), SIMD2(0.9, 0.1), Vector3f(0.552650332, 0.177485481, -1.03375673),
                 Vector3f(0.783667445, 0.616634429, -0.0750149339), Vector3f(-0.199804902, -0.367369086, -0.908360064),
                 2.23893237, 9.11534691),
                (Vector3f(100, 50, 30), SIMD2(0.3, 0.8), Vector3f(0.624793708, -0.158512473, -0.863520622),
                 Vector3f(0.943986058, -0.130027726, 0.303287476), Vector3f(-0.860274851, -0.434214026, -0.267180443),
                 115.515648, 21025.0137),
                (Vector3f(100, 50, 30), SIMD2(0.9, 0.1), Vector3f(0.393417627, 0.0745507553, -1.36690819),
                 Vector3f(0.429816931, 0.387890577, -0.815351605), Vector3f(-0.860537112, -0.431323916, -0.270990014),
                 115.749321, 21025.0137),
                (Vector3f(0.3, 0, -1.1), SIMD2(0.3, 0.8), Vector3f(0.0887538344, 0.242380321, -1.26999998),
                 Vector3f(-0.247213721, 0.760845184, -0.600000024), Vector3f(-0.580835283, 0.666440666, -0.467426062),
                 0.363693774, 0.0558262579),
                (Vector3f(0.3, 0, -1.1), SIMD2(0.9, 0.1), Vector3f(0.41843459, -0.25870201, -0.639999986),
                 Vector3f(0.485410184, -0.352671146, 0.800000012), Vector3f(0.21896559, -0.478296429, 0.850462556),
                 0.54088217, 0.120340742),
            ]
            let references = Vector3Array(cases.map(\.0))
            let sample = sphere.sampleDirection(from: references, sample: Point2Array(cases.map(\.1)), active: true)
            let pdfDirection = sphere.pdfDirection(from: references, to: sample.p, n: sample.n, active: true).values
            let p = sample.p.values, n = sample.n.values, d = sample.d.values
            let dist = sample.dist.values, pdf = sample.pdf.values
            for (i, expected) in cases.enumerated() {
                // Far away, p is the centre plus r times a direction known to float precision of the cone frame.
                let tolerance: Float = i < 2 || i > 3 ? 2e-5 : 2e-4
                #expect(pluginClose(p[i], expected.2, tolerance), "case \(i): p \(p[i]) vs \(expected.2)")
                #expect(pluginClose(n[i], expected.3, tolerance), "case \(i): n \(n[i]) vs \(expected.3)")
                #expect(pluginClose(d[i], expected.4, 2e-5), "case \(i): d \(d[i]) vs \(expected.4)")
                #expect(pluginClose(dist[i], expected.5, 2e-5), "case \(i): dist \(dist[i]) vs \(expected.5)")
                #expect(abs(pdf[i] - expected.6) <= 1e-4 * expected.6, "case \(i): pdf \(pdf[i]) vs \(expected.6)")
                #expect(abs(pdfDirection[i] - pdf[i]) <= 1e-4 * pdf[i])
            }

            // The default conversion (Shape::sample_direction) on a disk and a cylinder.
            let reference = Vector3Array([Vector3f(0.3, 2, -0.2)])
            let one = Point2Array([SIMD2<Float>(0.3, 0.8)])
            let disk = DiskShape(toWorld: .translate(0, 0, 1) * .scale(2, 1, 1))
            let diskSample = disk.sampleDirection(from: reference, sample: one, active: true)
            #expect(pluginClose(diskSample.p.values[0], Vector3f(-0.600000083, 0.519615233, 1), 2e-6))
            #expect(pluginClose(diskSample.d.values[0], Vector3f(-0.427047133, -0.702437818, 0.569396138), 2e-6))
            #expect(pluginClose(diskSample.dist.values[0], 2.10749602, 2e-6))
            #expect(pluginClose(diskSample.pdf.values[0], 1.24147832, 1e-5))
            #expect(pluginClose(disk.pdfDirection(from: reference, to: diskSample.p, n: diskSample.n, active: true)
                .values[0], 1.2414782, 1e-5))
            let cylinder = CylinderShape(p0: Vector3f(0, 0, -1), p1: Vector3f(0, 0, 1), radius: 0.5)
            let cylinderSample = cylinder.sampleDirection(from: reference, sample: one, active: true)
            #expect(pluginClose(cylinderSample.p.values[0], Vector3f(0.154508561, -0.47552824, -0.399999976), 2e-6))
            #expect(pluginClose(cylinderSample.n.values[0], Vector3f(0.309017092, -0.951056421, 0), 2e-6))
            #expect(pluginClose(cylinderSample.pdf.values[0], 1.06119001, 1e-5))
        }
    }

    @Test("area pdfs are 1/area, samples lie on the surface, sample_direction's pdf equals pdf_direction",
          arguments: Variant.allCases)
    func consistency(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let sphere = SphereShape(center: Vector3f(0.2, -0.1, -1), radius: 0.45)
            let rectangle = RectangleShape(toWorld: .translate(0, 1, 0) * .rotate(axis: Vector3f(1, 0, 0),
                                                                                   angleDegrees: 60) * .scale(1.5, 0.5, 1))
            let disk = DiskShape(toWorld: .translate(0, 0, 1) * .rotate(axis: Vector3f(0, 1, 0), angleDegrees: 20)
                                    * .scale(2, 1, 1))
            let cylinder = CylinderShape(p0: Vector3f(0.3, 0, -1), p1: Vector3f(0, 0.4, 1), radius: 0.5)
            let mesh = try MeshSampler(splitPyramid)
            let shapes: [(String, any AreaSampling, Float)] = [
                ("sphere", sphere, 4 * Float.pi * 0.45 * 0.45), ("rectangle", rectangle, 4 * 1.5 * 0.5),
                ("disk", disk, 2 * Float.pi), ("cylinder", cylinder, 2 * Float.pi * 0.5 * (0.09 + 0.16 + 4).squareRoot()),
                ("mesh", mesh, 4 * Float(2).squareRoot()),
            ]
            var sampler = Sampler(seed: 17, laneCount: 2000)
            let samples = sampler.next2D()
            let inactive = BoolArray((0..<2000).map { $0 % 10 != 3 })
            for (name, shape, area) in shapes {
                let position = shape.samplePosition(samples, active: inactive)
                let pdf = position.pdf.values
                #expect(pdf.enumerated().allSatisfy { $0.offset % 10 == 3 ? $0.element == 0
                    : abs($0.element * area - 1) < 1e-5 }, "\(name): pdf \(pdf[0]) vs 1/\(area)")
                #expect(position.n.values.enumerated().allSatisfy { $0.offset % 10 == 3 || abs($0.element.length - 1) < 1e-5 },
                        "\(name)")
                for reference in [Vector3f(0.5, 2.5, 2), Vector3f(0.25, -0.1, -0.9)] {
                    let origin = Vector3Array(repeating: reference, count: 1)
                    let sample = shape.sampleDirection(from: origin, sample: samples, active: true)
                    let pdfDirection = shape.pdfDirection(from: origin, to: sample.p, n: sample.n, active: true).values
                    let points = sample.p.values, directions = sample.d.values, dist = sample.dist.values
                    for (i, value) in sample.pdf.values.enumerated() where value.isFinite && value < 1e6 {
                        #expect(abs(pdfDirection[i] - value) <= 1e-4 * value,
                                "\(name) from \(reference), sample \(i): \(value) vs \(pdfDirection[i])")
                        #expect(pluginClose(reference + directions[i] * dist[i], points[i], 1e-5))
                    }
                }
            }
            // Points on the surfaces.
            let onSphere = sphere.samplePosition(samples, active: true)
            #expect(onSphere.p.values.allSatisfy { abs(($0 - sphere.center).length - 0.45) < 1e-6 })
            #expect(zip(onSphere.p.values, onSphere.n.values).allSatisfy {
                pluginClose(($0 - sphere.center) / 0.45, $1, 1e-5)
            })
            let onCylinder = cylinder.samplePosition(samples, active: true).p.values.map {
                cylinder.toWorld.inverted.applyPoint($0)
            }
            #expect(onCylinder.allSatisfy { abs(($0.x * $0.x + $0.y * $0.y) - 1) < 1e-5 && $0.z >= 0 && $0.z <= 1 })
            let onDisk = disk.samplePosition(samples, active: true).p.values.map { disk.toWorld.inverted.applyPoint($0) }
            #expect(onDisk.allSatisfy { abs($0.z) < 1e-6 && $0.x * $0.x + $0.y * $0.y <= 1 + 1e-5 })
        }
    }

    // The chi-square tests draw 60 000 samples per run, which the scalar interpreter takes half a minute over;
    // they run on LLVM only. Both backends are held to Mitsuba's values and to each other's formulas above.

    /// Runs the directional chi-square test of `shape` sampled from `reference` and checks its outcome.
    static func expectChiSquare(_ shape: some AreaSampling, from reference: Vector3f, cast: @escaping HostRayCast,
                                test: DirectionalChiSquare, count: Int = 60_000, integralTolerance: Double = 5e-3,
                                sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let sampled = sampledDirections(shape, from: reference, count: count, seed: 23)
        let result = test.run(samples: sampled.directions, density: directionDensity(shape, from: reference, cast: cast))
        #expect(result.pValue > 0.01, "\(result)", sourceLocation: sourceLocation)
        #expect(abs(result.integral - 1) < integralTolerance, "\(result)", sourceLocation: sourceLocation)
        #expect(result.outside == 0, "\(result)", sourceLocation: sourceLocation)
        #expect(result.degreesOfFreedom > 50, "\(result)", sourceLocation: sourceLocation)
    }

    @Test("sphere from outside: directions fit pdf_direction (chi-square), near and in the Taylor branch",
          arguments: [Variant.llvm])
    func sphereChiSquare(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let center = Vector3f(0.2, -0.1, -1), radius: Float = 0.45
            let sphere = SphereShape(center: center, radius: radius)
            for reference in [Vector3f(1, 1, 1), Vector3f(0.2, -0.1, -0.2), Vector3f(100, 50, 30)] {
                let toCenter = Point3d(center) - Point3d(reference)
                let sinThetaMax = Double(radius) / toCenter.length
                let cosThetaMax = (1 - sinThetaMax * sinThetaMax).squareRoot()
                let axis = toCenter / toCenter.length
                let test = DirectionalChiSquare(axis: Vector3f(Float(axis.x), Float(axis.y), Float(axis.z)),
                                                zMin: cosThetaMax, zBins: 10, phiBins: 20, resolution: 6)
                Self.expectChiSquare(sphere, from: reference, cast: castSphere(center: center, radius: radius),
                                     test: test)
            }
        }
    }

    @Test("sphere from inside: uniform area converted to solid angle fits pdf_direction (chi-square)",
          arguments: [Variant.llvm])
    func sphereInsideChiSquare(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let center = Vector3f(0.2, -0.1, -1), radius: Float = 0.45
            let test = DirectionalChiSquare(axis: Vector3f(0.3, 0.5, -0.8).normalized, zMin: -1, zBins: 10,
                                            phiBins: 20, resolution: 6)
            let sphere = SphereShape(center: center, radius: radius)
            Self.expectChiSquare(sphere, from: Vector3f(0.4, -0.15, -0.9),
                                 cast: castSphere(center: center, radius: radius), test: test)
            // A negative control: the same samples against the density seen from a point 0.1 away must be rejected.
            let sampled = sampledDirections(sphere, from: Vector3f(0.4, -0.15, -0.9), count: 60_000, seed: 23)
            let shifted = Vector3f(0.4, -0.05, -0.9)
            let wrong = test.run(samples: sampled.directions,
                                 density: directionDensity(sphere, from: shifted,
                                                           cast: castSphere(center: center, radius: radius)))
            #expect(wrong.pValue < 1e-6, "\(wrong)")
        }
    }

    @Test("mesh: directions sampled by area fit pdf_direction (chi-square)", arguments: [Variant.llvm])
    func meshChiSquare(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let mesh = try MeshSampler(splitPyramid)
            let test = DirectionalChiSquare(axis: Vector3f(0, 0, -1), zMin: 0.86, zBins: 10, phiBins: 20,
                                            resolution: 10)
            Self.expectChiSquare(mesh, from: Vector3f(0, 0, 2.5), cast: castMesh(splitPyramid), test: test,
                                 integralTolerance: 1e-2)
        }
    }

    @Test("disk: the default solid-angle conversion fits pdf_direction (chi-square)", arguments: [Variant.llvm])
    func diskChiSquare(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let toWorld = Transform4.translate(0, 0, -1) * Transform4.rotate(axis: Vector3f(1, 0, 0), angleDegrees: 30)
                * Transform4.scale(1.5, 1, 1)
            let reference = Vector3f(0.5, 0.3, 1)
            let center = Point3d(toWorld.applyPoint(.zero)) - Point3d(reference)
            let axis = center / center.length
            // The cap just containing the rim, so that most cells lie inside the disk's image.
            let rimCosines = (0..<720).map { step -> Double in
                let phi = Double(step) * Double.pi / 360
                let rim = applyPoint(toWorld, Point3d(cos(phi), sin(phi), 0)) - Point3d(reference)
                return rim.dot(axis) / rim.length
            }
            let test = DirectionalChiSquare(axis: Vector3f(Float(axis.x), Float(axis.y), Float(axis.z)),
                                            zMin: rimCosines.min()! - 1e-3, zBins: 10, phiBins: 20, resolution: 16)
            Self.expectChiSquare(DiskShape(toWorld: toWorld), from: reference, cast: castDisk(toWorld), test: test,
                                 integralTolerance: 1e-2)
        }
    }
}
