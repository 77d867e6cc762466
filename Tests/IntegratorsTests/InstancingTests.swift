// Analytic shapes in shape groups, placed by instances: renders, hits and parameter keys against Mitsuba 3.9.1.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("Analytic shapes in shape groups")
struct InstancingTests {
    /// Fixtures/Instancing: the scene and Mitsuba's render and keys (written by make_instancing.py).
    static func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/Instancing/\(name)")
    }

    /// The keys `mi.traverse` lists for the group and its instances, as make_instancing.py printed them.
    static let mitsubaKeys = [
        "group.ball.bsdf.reflectance.value", "group.ball.silhouette_sampling_weight", "group.ball.to_world",
        "group.shape.bsdf.reflectance.value", "group.shape.silhouette_sampling_weight", "group.shape.to_world",
        "group.shape_1.bsdf.alpha.value", "group.shape_1.bsdf.eta.value", "group.shape_1.bsdf.k.value",
        "group.shape_1.silhouette_sampling_weight", "group.shape_1.to_world", "group.shape_2.bsdf.reflectance.value",
        "group.shape_2.silhouette_sampling_weight", "group.shape_2.to_world", "group.shape_3.bsdf.reflectance.value",
        "group.shape_3.silhouette_sampling_weight", "group.shape_3.faces", "group.shape_3.vertex_positions",
        "group.shape_3.vertex_normals", "group.shape_3.vertex_texcoords", "plain.to_world", "turned.to_world",
        "mirrored.to_world",
    ]

    @Test("with Mitsuba's seed, the instanced sphere, rectangle, disk, cylinder and mesh render Mitsuba's image")
    func sameSeedAsMitsuba() throws {
        let mitsuba = try Bitmap(contentsOf: Self.fixture("shapes_mitsuba_spp16.npy")).pixels
        let scene = try Scene(contentsOf: Self.fixture("shapes.xml"))
        // Five members, four analytic: each instance adds four world-space copies.
        #expect(scene.shapes.filter { $0.placedBy != nil }.count == 12)
        let ours = TraceContext.with(CompileOptions(variant: .llvm)) { scene.render(samplesPerPixel: 16, seed: 3).values }
        #expect(ours.count == mitsuba.count)
        let differing = zip(ours, mitsuba).filter { abs($0 - $1) > 1e-3 * Swift.max(1, abs($1)) }.count
        let meanError = zip(ours, mitsuba).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(mitsuba.count)
        #expect(differing <= mitsuba.count / 200, "\(differing) of \(mitsuba.count) values differ from Mitsuba's")
        #expect(meanError < 5e-5, "mean absolute error \(meanError)")
    }

    @Test("members keep their keys under the group, listed once however many instances place them")
    func parameterKeys() throws {
        let scene = try Scene(contentsOf: Self.fixture("shapes.xml"))
        let keys = scene.parameters.keys + scene.fixedParameters.map(\.key)
        let ours = keys.filter { key in ["group.", "plain.", "turned.", "mirrored."].contains { key.hasPrefix($0) } }
        #expect(ours.count == Set(ours).count, "a key is listed twice: \(ours)")
        #expect(Set(ours) == Set(Self.mitsubaKeys), "ours: \(ours.sorted())")
    }

    @Test("a hit on a placed copy names the member and the instance that placed it", arguments: Variant.allCases)
    func hitsNameTheirInstance(variant: Variant) throws {
        let scene = try Scene(contentsOf: Self.fixture("shapes.xml"))
        try TraceContext.with(CompileOptions(variant: variant)) {
            // Straight down onto the ball of the plain instance (centre x = −2.2) and of the mirrored one (x = 2.5,
            // z = 0.8), and onto the floor between them.
            let origins = [Vector3f(-2.2, 3, 0), Vector3f(2.5, 3, 0.8), Vector3f(0, 3, 3)]
            let ray = RayArray(origin: Vector3Array(origins), direction: Vector3Array(repeating: Vector3f(0, -1, 0), count: 3),
                               maxT: FloatArray(repeating: 100, count: 3))
            let si = scene.intersect(ray, active: BoolArray(repeating: true, count: 3))
            let shapes = si.shapeIndex.values, instances = try #require(si.instanceIndex).values, t = si.t.values
            #expect(scene.shapes[Int(shapes[0])].id == "ball" && scene.instances[Int(instances[0])].id == "plain")
            #expect(scene.shapes[Int(shapes[1])].id == "ball" && scene.instances[Int(instances[1])].id == "mirrored")
            #expect(scene.shapes[Int(shapes[2])].id == "floor" && instances[2] == .max)
            #expect(abs(t[0] - 2.2) < 1e-5 && abs(t[1] - 2.2) < 1e-5, "\(t)")
        }
    }

    @Test("groups of analytic shapes need no Embree, and hits in meshes still name their instance", arguments: Variant.allCases)
    func analyticOnlyGroups(variant: Variant) throws {
        func scene(_ shapes: String) throws -> Scene {
            try Scene(document: SceneDocument(xml: """
                <scene version="3.0.0"><sensor type="perspective"><float name="fov" value="45"/></sensor>
                <shape type="shapegroup" id="a"><shape type="sphere" id="s"/></shape>
                \(shapes)
                </scene>
                """, url: URL(fileURLWithPath: "/tmp/instancing.xml")))
        }
        let analytic = try scene(#"<shape type="instance" id="ia"><ref id="a"/></shape>"#)
        #expect(analytic.meshes == nil && analytic.shapes.count == 2)
        // The first instance places no mesh, so Embree's instance 0 is the scene's instance 1.
        let mixed = try scene("""
            <shape type="shapegroup" id="m"><shape type="cube" id="c"/></shape>
            <shape type="instance" id="ia"><ref id="a"/></shape>
            <shape type="instance" id="im"><ref id="m"/><transform name="to_world"><translate x="5"/></transform></shape>
            """)
        try TraceContext.with(CompileOptions(variant: variant)) {
            let ray = RayArray(origin: Vector3Array([Vector3f(5, 3, 0), Vector3f(0, 3, 0)]),
                               direction: Vector3Array(repeating: Vector3f(0, -1, 0), count: 2),
                               maxT: FloatArray(repeating: 100, count: 2))
            let si = mixed.intersect(ray, active: BoolArray(repeating: true, count: 2))
            let instances = try #require(si.instanceIndex).values, shapes = si.shapeIndex.values
            #expect(mixed.instances[Int(instances[0])].id == "im" && mixed.shapes[Int(shapes[0])].id == "c")
            #expect(mixed.instances[Int(instances[1])].id == "ia" && mixed.shapes[Int(shapes[1])].id == "s")
        }
    }

    @Test("an instance that would make a sphere an ellipsoid is an error naming the instance and the member")
    func unevenScaleIsAnError() throws {
        let xml = """
            <scene version="3.0.0"><sensor type="perspective"><float name="fov" value="45"/></sensor>
            <shape type="shapegroup" id="g"><shape type="sphere" id="s"/></shape>
            <shape type="instance" id="squashed"><ref id="g"/><transform name="to_world"><scale y="0.5"/></transform></shape>
            </scene>
            """
        #expect {
            _ = try Scene(document: SceneDocument(xml: xml, url: URL(fileURLWithPath: "/tmp/instancing.xml")))
        } throws: { error in
            let text = "\(error)"
            return text.contains("instance 'squashed' cannot place g.s") && text.contains("uniform scale")
                && text.contains("instancing.xml:3")
        }
    }
}
