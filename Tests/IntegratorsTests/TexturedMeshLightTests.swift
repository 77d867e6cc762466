// A textured area light on a triangle mesh: uv placed through the mesh's uv layout, against Mitsuba 3.9.1.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("Textured area lights on meshes")
struct TexturedMeshLightTests {
    /// Fixtures/TexturedMeshLight (written by make_textured_mesh_light.py).
    static func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/TexturedMeshLight/\(name)")
    }

    @Test("rendered with Mitsuba's seed, the image is Mitsuba's (the light sampled by its texture)")
    func sameSeedAsMitsuba() throws {
        let mitsuba = try Bitmap(contentsOf: Self.fixture("scene_mitsuba_spp32.npy")).pixels
        let scene = try Scene(contentsOf: Self.fixture("scene.xml"))
        let ours = TraceContext.with(CompileOptions(variant: .llvm)) { scene.render(samplesPerPixel: 32, seed: 5).values }
        #expect(ours.count == mitsuba.count)
        let differing = zip(ours, mitsuba).filter { abs($0 - $1) > 1e-3 * Swift.max(1, abs($1)) }.count
        let meanError = zip(ours, mitsuba).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(mitsuba.count)
        #expect(differing <= mitsuba.count / 200, "\(differing) of \(mitsuba.count) values differ from Mitsuba's")
        #expect(meanError < 2e-5, "mean absolute error \(meanError)")
    }

    @Test("a uv finds the strip's point there, with the strip's normal and dp/du; outside the uv map, none",
          arguments: Variant.allCases)
    func pointsFromTextureCoordinates(variant: Variant) throws {
        var mesh = try TriangleMesh(objContentsOf: Self.fixture("strip.obj"))
        mesh.flipsNormals = true
        try TraceContext.with(CompileOptions(variant: variant)) {
            let map = try MeshParameterization(mesh, sampler: try MeshSampler(mesh))
            // u = 0.4 is the strip's fifth column of vertices (φ = π/4), v = 0.5 its middle row; u = 0.9 is off the map.
            let (surface, valid) = map.surface(at: Point2Array([SIMD2(0.4, 0.5), SIMD2(0.9, 0.5), SIMD2(0.1, 0.25)]),
                                               active: BoolArray(repeating: true, count: 3))
            #expect(valid.values == [true, false, true])
            let p = surface.p.values, n = surface.n.values, uv = surface.uv.x.values
            let root = Float(0.5).squareRoot()
            #expect((p[0] - Vector3f(root, 0.5, root)).length < 1e-5, "\(p[0])")
            #expect(abs(uv[0] - 0.4) < 1e-6 && abs(uv[2] - 0.1) < 1e-6)
            // Flipped normals point toward the cylinder's axis. The point at u = 0.1 lies on the first facet, and
            // at height 0.75: an OBJ's v is flipped on loading (Mitsuba's flip_tex_coords).
            #expect(n[0].dot(Vector3f(root, 0, root)) < -0.99)
            #expect(abs(p[2].y - 0.75) < 1e-6 && abs(Vector3f(p[2].x, 0, p[2].z).length - 1) < 0.02)
            // dp/du points along the strip: a step in u of 0.1 is a step in φ of π/16.
            let dpdu = surface.dpdu.values[0]
            #expect(abs(dpdu.length - Float.pi / 16 / 0.1) < 0.02 * dpdu.length, "\(dpdu)")
        }
    }

    @Test("a mesh without texture coordinates cannot carry a textured light: the error says why")
    func meshWithoutTextureCoordinates() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("refract-textured-mesh-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n".write(to: directory.appendingPathComponent("bare.obj"), atomically: true,
                                                          encoding: .utf8)
        let xml = """
            <scene version="3.0.0"><sensor type="perspective"><float name="fov" value="45"/></sensor>
            <shape type="obj"><string name="filename" value="bare.obj"/>
            <emitter type="area"><texture type="checkerboard" name="radiance"/></emitter></shape></scene>
            """
        let url = directory.appendingPathComponent("scene.xml")
        try xml.write(to: url, atomically: true, encoding: .utf8)
        #expect {
            _ = try Scene(contentsOf: url)
        } throws: { error in
            "\(error)".contains("has no texture coordinates") && "\(error)".contains("scene.xml:3")
        }
    }
}
