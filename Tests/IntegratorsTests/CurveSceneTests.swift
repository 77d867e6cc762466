// Curves on Embree against Mitsuba 3.9.1: ray hits (surface records), a same-seed render, parameters and refusals.
import Foundation
import Testing
import Tracer
@testable import Integrators

@Suite("Curves against Mitsuba", .enabled(if: EmbreeLibrary.isAvailable, "needs libembree3 (libembree-dev)"))
struct CurveSceneTests {
    /// Fixtures/Curves: the curve files, the scene and Mitsuba's answers (written by make_curves.py).
    static func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/Curves/\(name)")
    }

    /// Mitsuba's surface interaction for each ray of curve_hits.json.
    struct MitsubaHits: Decodable {
        var valid: [Bool]
        var t: [Float]
        var p, n, s: [[Float]]
        var dp_du, dp_dv: [[Float]]
        var uv: [[Float]]
        var prim_index: [UInt32]
    }

    struct Fixture: Decodable {
        var origins, directions: [[Float]]
        var linearcurve, bsplinecurve: MitsubaHits
        var keys: [String]
    }

    static func loadFixture() throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: fixture("curve_hits.json")))
    }

    /// |a - b| within `tolerance`, relative above 1.
    static func close(_ a: [Float], _ b: [Float], _ tolerance: Float) -> Bool {
        zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * Swift.max(1, abs($1)) }
    }

    @Test("the rays hit, miss and are culled as in Mitsuba, with its t, p, n, uv, dp/du, dp/dv and shading frame",
          arguments: [CurveBasis.linear, .bspline], [Variant.llvm, .scalar])
    func hits(basis: CurveBasis, variant: Variant) throws {
        let fixture = try Self.loadFixture()
        let theirs = basis == .linear ? fixture.linearcurve : fixture.bsplinecurve
        let file = basis == .linear ? "linear.txt" : "bspline.txt"
        let curves = try CurveFileReader.read(contentsOf: Self.fixture(file), basis: basis)
        try TraceContext.with(CompileOptions(variant: variant)) {
            let geometry = try MeshGeometry(meshes: [], curves: [(curves, 0)])
            let ray = RayArray(origin: Vector3Array(fixture.origins.map { Vector3f($0[0], $0[1], $0[2]) }),
                               direction: Vector3Array(fixture.directions.map { Vector3f($0[0], $0[1], $0[2]) }),
                               maxT: FloatArray(repeating: .infinity))
            let (hit, surface) = geometry.resolve(geometry.intersect(ray, active: true), ray: ray)
            let valid = hit.isHit.values, t = hit.t.values, prim = hit.primitive.values
            let p = surface.p.values, n = surface.n.values, s = surface.frame.s.values
            let dpdu = surface.dpdu.values, dpdv = surface.dpdv.values
            let u = surface.uv.x.values, v = surface.uv.y.values
            #expect(valid == theirs.valid)
            #expect(valid.filter { $0 }.count >= 12)
            func array(_ v: Vector3f) -> [Float] { [v.x, v.y, v.z] }
            // A value the same on every lane (a linear curve's dp/du = 0) is one broadcast element.
            func lane<T>(_ values: [T], _ i: Int) -> T { values.count == 1 ? values[0] : values[i] }
            for i in valid.indices where valid[i] && theirs.valid[i] {
                #expect(Self.close([t[i]], [theirs.t[i]], 1e-4), "ray \(i): t \(t[i]) vs \(theirs.t[i])")
                #expect(prim[i] == theirs.prim_index[i], "ray \(i)")
                #expect(Self.close(array(lane(p, i)), theirs.p[i], 1e-4), "ray \(i): p \(p[i]) vs \(theirs.p[i])")
                #expect(Self.close(array(lane(n, i)), theirs.n[i], 2e-4), "ray \(i): n \(n[i]) vs \(theirs.n[i])")
                #expect(Self.close(array(lane(s, i)), theirs.s[i], 2e-3), "ray \(i): s \(s[i]) vs \(theirs.s[i])")
                // u is an angle in turns: 0 and 1 are the same place.
                let du = abs(u[i] - theirs.uv[i][0])
                #expect(Swift.min(du, 1 - du) <= 1e-4, "ray \(i): u \(u[i]) vs \(theirs.uv[i][0])")
                #expect(abs(v[i] - theirs.uv[i][1]) <= 1e-4, "ray \(i): v \(v[i]) vs \(theirs.uv[i][1])")
                #expect(Self.close(array(lane(dpdu, i)), theirs.dp_du[i], 2e-3), "ray \(i): dp_du \(lane(dpdu, i)) vs \(theirs.dp_du[i])")
                #expect(Self.close(array(lane(dpdv, i)), theirs.dp_dv[i], 2e-3), "ray \(i): dp_dv \(lane(dpdv, i)) vs \(theirs.dp_dv[i])")
            }
        }
    }

    @Test("rays leaving a linear curve from inside are culled, as Mitsuba culls them; shadow rays are not")
    func culling() throws {
        let curves = try CurveFileReader.read(Data("0 0 0 0.5\n0 0 2 0.5\n".utf8), name: "tube", basis: .linear)
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let geometry = try MeshGeometry(meshes: [], curves: [(curves, 0)])
            let ray = RayArray(origin: Vector3Array([Vector3f(0, 0, 1), Vector3f(0, 3, 1)]),
                               direction: Vector3Array([Vector3f(0, 1, 0), Vector3f(0, -1, 0)]),
                               maxT: FloatArray(repeating: .infinity))
            let (hit, surface) = geometry.resolve(geometry.intersect(ray, active: true), ray: ray)
            #expect(hit.isHit.values == [false, true])
            #expect(Self.close([hit.t.values[1]], [2.5], 1e-5))
            #expect(Self.close([surface.n.values[1].y], [1], 1e-5))
        }
    }

    @Test("curves between top-level meshes and instances: each hit names its shape, instance and surface")
    func mixedWithMeshesAndInstances() throws {
        let tube = try CurveFileReader.read(Data("0 -1 0 0.5\n0 1 0 0.5\n".utf8), name: "tube", basis: .linear)
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let geometry = try MeshGeometry(
                meshes: [(TriangleMesh.cube(toWorld: .translate(-3, 0, 0)), 0)], curves: [(tube, 1)],
                groups: [[(TriangleMesh.cube(), 2)]], instances: [(0, .translate(3, 0, 0))])
            let ray = RayArray(origin: Vector3Array([Vector3f(-3, 0.2, 5), Vector3f(0, 0.2, 5), Vector3f(3, 0.2, 5)]),
                               direction: Vector3Array(Vector3f(0, 0, -1), count: 3),
                               maxT: FloatArray(repeating: .infinity))
            let (hit, surface) = geometry.resolve(geometry.intersect(ray, active: true), ray: ray)
            #expect(hit.isHit.values == [true, true, true])
            #expect(geometry.shapeIndex(of: hit).values == [0, 1, 2])
            #expect(geometry.sceneInstance(of: hit).values == [.max, .max, 0])
            #expect(Self.close(hit.t.values, [4, 4.5, 4], 1e-5))
            #expect(surface.n.values.map(\.z).allSatisfy { abs($0 - 1) < 1e-5 })
        }
    }

    @Test("with Mitsuba's seed, a linear and a B-spline curve file render Mitsuba's image")
    func sameSeedAsMitsuba() throws {
        try SameSeedImage.expectMatches(scene: Self.fixture("curves.xml"), mitsuba: Self.fixture("curves_mitsuba_spp16.npy"),
                                        samplesPerPixel: 16, seed: 5)
    }

    @Test("PRB gradients of the image mean for each curve shape's texture colour lie in Mitsuba's seed-to-seed spread",
          arguments: ["hair.bsdf.reflectance.color0.value", "fur.bsdf.reflectance.color1.value"])
    func gradientsAgainstMitsuba(key: String) throws {
        let spreads = try JSONDecoder().decode([String: [[Float]]].self,
                                               from: Data(contentsOf: Self.fixture("curve_gradients.json")))
        let gradient = try sceneGradient(of: key, scene: Self.fixture("curves.xml"), samplesPerPixel: 64)
        try MeshSceneTests.expectInSpread(gradient, try #require(spreads[key]), key: key)
    }

    @Test("mi.traverse's curve keys are listed, not differentiable")
    func parameters() throws {
        let fixture = try Self.loadFixture()
        let scene = try Scene(contentsOf: Self.fixture("curves.xml"))
        let fixed = scene.fixedParameters.map(\.key)
        for key in fixture.keys where key.hasSuffix("control_points") || key.hasSuffix("segment_indices")
            || key.hasSuffix("control_point_count") {
            #expect(fixed.contains(key), "\(key) is not listed")
        }
        let points = try #require(scene.fixedParameters.first { $0.key == "fur.control_points" })
        #expect(points.values.count == 4 * 9)
        #expect(scene.fixedParameters.first { $0.key == "hair.segment_indices" }?.values == [0, 1, 2, 4])
        for key in ["fur.control_points", "hair.segment_indices", "hair.control_point_count"] {
            do {
                try scene.parameters.set(key, to: FloatArray([0]))
                Issue.record("\(key) was set")
            } catch {
                #expect("\(error)".contains("curve shape's geometry"), "\(error)")
            }
        }
    }

    @Test("an area light on curves and curves inside a shapegroup are refused with the shape named")
    func refusals() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("refract-curves-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "0 0 0 0.1\n1 0 0 0.1\n".write(to: directory.appendingPathComponent("c.txt"), atomically: true, encoding: .utf8)
        let lit = """
            <scene version="3.0.0"><sensor type="perspective"><film type="hdrfilm"><integer name="width" value="4"/><integer name="height" value="4"/></film></sensor><shape type="linearcurve" id="glow"><string name="filename" value="c.txt"/>
            <emitter type="area"><rgb name="radiance" value="1"/></emitter></shape></scene>
            """
        let grouped = """
            <scene version="3.0.0"><sensor type="perspective"><film type="hdrfilm"><integer name="width" value="4"/><integer name="height" value="4"/></film></sensor><shape type="shapegroup" id="g"><shape type="linearcurve">
            <string name="filename" value="c.txt"/></shape></shape>
            <shape type="instance"><ref id="g"/></shape></scene>
            """
        for (name, text, expected) in [("lit.xml", lit, "cannot carry an area emitter"),
                                       ("grouped.xml", grouped, "inside a shapegroup")] {
            let url = directory.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            do {
                _ = try Scene(contentsOf: url)
                Issue.record("\(name) loaded")
            } catch {
                #expect("\(error)".contains(expected), "\(error)")
            }
        }
    }
}
