// The surface record of the nearest analytic shape, computed by a dispatch over the analytic shapes alone, in a
// scene whose meshes come before and between them (so a shape's index is not its case number).
import Foundation
import Integrators
import Testing
import Tracer

@Suite("Analytic surfaces among meshes", .enabled(if: EmbreeLibrary.isAvailable, "needs libembree3 (libembree-dev)"))
struct AnalyticSurfaceDispatchTests {
    struct Sphere { var center: Vector3f; var radius: Float }
    static let spheres = [Sphere(center: Vector3f(-1.2, 0, 0), radius: 0.6),
                          Sphere(center: Vector3f(1.1, 0.2, 0.3), radius: 0.8)]

    /// A back wall (OBJ), the first sphere, a small OBJ quad, the second sphere, each with a material of its own.
    static func writeScene(to folder: URL) throws -> URL {
        try Data("v -5 -5 -2\nv 5 -5 -2\nv 5 5 -2\nv -5 5 -2\nf 1 2 3 4\n".utf8)
            .write(to: folder.appendingPathComponent("wall.obj"))
        try Data("v -0.3 -1.5 1\nv 0.3 -1.5 1\nv 0.3 -1 1\nv -0.3 -1 1\nf 1 2 3 4\n".utf8)
            .write(to: folder.appendingPathComponent("tile.obj"))
        func sphere(_ s: Sphere, _ rho: String) -> String {
            """
            <shape type="sphere"><point name="center" x="\(s.center.x)" y="\(s.center.y)" z="\(s.center.z)"/>
                <float name="radius" value="\(s.radius)"/>
                <bsdf type="diffuse"><rgb name="reflectance" value="\(rho)"/></bsdf></shape>
            """
        }
        let xml = """
            <scene version="3.0.0">
                <integrator type="aov"><string name="aovs" value="pp:position,nn:sh_normal,si:shape_index"/></integrator>
                <sensor type="perspective">
                    <float name="fov" value="60"/>
                    <transform name="to_world"><lookat origin="0, 0, 5" target="0, 0, 0" up="0, 1, 0"/></transform>
                    <film type="hdrfilm"><integer name="width" value="48"/><integer name="height" value="32"/>
                        <rfilter type="box"/></film>
                </sensor>
                <emitter type="constant"/>
                <shape type="obj"><string name="filename" value="wall.obj"/>
                    <bsdf type="diffuse"><rgb name="reflectance" value="0.5, 0.5, 0.5"/></bsdf></shape>
                \(sphere(spheres[0], "0.8, 0.2, 0.2"))
                <shape type="obj"><string name="filename" value="tile.obj"/>
                    <bsdf type="diffuse"><rgb name="reflectance" value="0.2, 0.8, 0.2"/></bsdf></shape>
                \(sphere(spheres[1], "0.2, 0.2, 0.8"))
            </scene>
            """
        let file = folder.appendingPathComponent("mixed.xml")
        try Data(xml.utf8).write(to: file)
        return file
    }

    @Test("each sphere's hits carry that sphere's normal (p - c) / r, whatever place the meshes take in the file")
    func spheresAmongMeshes() throws {
        let scene = try withTemporaryFolder("mixed") { folder in try Scene(contentsOf: Self.writeScene(to: folder)) }
        let image = scene.renderAOVs(samplesPerPixel: 1, seed: 1)
        let stride = image.channels.count
        let position = [try image.channelIndex("pp.X"), try image.channelIndex("pp.Y"), try image.channelIndex("pp.Z")]
        let normal = [try image.channelIndex("nn.X"), try image.channelIndex("nn.Y"), try image.channelIndex("nn.Z")]
        let shape = try image.channelIndex("si.I")
        // Shape indices in file order (meshes included): wall 0, first sphere 1, tile 2, second sphere 3.
        let sphereOfShape = [1: 0, 3: 1]
        var hits = [0, 0]
        var problems: [String] = []
        for pixel in 0..<(image.values.count / stride) {
            let values = Array(image.values[(pixel * stride)..<(pixel * stride + stride)])
            // One sample per pixel: its shape index plus 1 (0 where the ray left the scene).
            let index = Int((values[shape] - 1).rounded())
            guard let which = sphereOfShape[index] else { continue }
            let s = Self.spheres[which]
            let p = Vector3f(values[position[0]], values[position[1]], values[position[2]])
            let n = Vector3f(values[normal[0]], values[normal[1]], values[normal[2]])
            let expected = (p - s.center) / s.radius
            if (n - expected).length > 1e-4 || abs((p - s.center).length - s.radius) > 1e-4 {
                problems.append("pixel \(pixel), sphere \(which): n \(n), expected \(expected)")
            }
            hits[which] += 1
        }
        #expect(problems.isEmpty, "\(problems.prefix(4))")
        #expect(hits[0] > 20 && hits[1] > 20, "both spheres fill pixels: \(hits)")
    }
}
