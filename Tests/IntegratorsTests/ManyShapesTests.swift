// A thousand mesh files in one scene: every shape is found by its hits and shades with its own shared material.
import Foundation
import Integrators
import Testing
import Tracer

@Suite("Many shapes", .enabled(if: EmbreeLibrary.isAvailable, "needs libembree3 (libembree-dev)"))
struct ManyShapesTests {
    static let columns = 40, rows = 25
    static let albedos: [Vector3f] = [Vector3f(0.8, 0.3, 0.2), Vector3f(0.2, 0.7, 0.3), Vector3f(0.3, 0.4, 0.8),
                                      Vector3f(0.9, 0.9, 0.1)]

    /// 1,000 OBJ files, each a unit quad of the plane z = 0, tiling [-20, 20] x [-12.5, 12.5], seen by a camera
    /// whose pixels are exactly the quads (fov 90 from z = 20 spans x in [-20, 20] over 40 pixels), with four
    /// materials shared by reference.
    static func writeScene(to folder: URL) throws -> URL {
        var shapes = ""
        for index in 0..<(columns * rows) {
            let (column, row) = (index % columns, index / columns)
            let (x, y) = (Float(column) - 20, Float(row) - 12.5)
            let obj = "v \(x) \(y) 0\nv \(x + 1) \(y) 0\nv \(x + 1) \(y + 1) 0\nv \(x) \(y + 1) 0\nf 1 2 3 4\n"
            try Data(obj.utf8).write(to: folder.appendingPathComponent("quad_\(index).obj"))
            shapes += """
                <shape type="obj"><string name="filename" value="quad_\(index).obj"/><ref id="m\(index % 4)"/></shape>

                """
        }
        let materials = albedos.enumerated().map { index, rho in
            "<bsdf type=\"diffuse\" id=\"m\(index)\"><rgb name=\"reflectance\" value=\"\(rho.x), \(rho.y), \(rho.z)\"/></bsdf>\n"
        }.joined()
        let xml = """
            <scene version="3.0.0">
                <integrator type="aov"><string name="aovs" value="pp:position,si:shape_index,alb:albedo"/></integrator>
                <sensor type="perspective">
                    <float name="fov" value="90"/>
                    <transform name="to_world"><lookat origin="0, 0, 20" target="0, 0, 0" up="0, 1, 0"/></transform>
                    <film type="hdrfilm">
                        <integer name="width" value="\(columns)"/><integer name="height" value="\(rows)"/>
                        <rfilter type="box"/>
                    </film>
                </sensor>
                <emitter type="constant"/>
            \(materials)\(shapes)</scene>
            """
        let file = folder.appendingPathComponent("many.xml")
        try Data(xml.utf8).write(to: file)
        return file
    }

    @Test("1,000 OBJ files: each pixel's hit is the quad under it, with that quad's shape index and material")
    func thousandShapes() throws {
        let scene = try withTemporaryFolder("many") { folder in try Scene(contentsOf: Self.writeScene(to: folder)) }
        #expect(scene.shapes.count == 1000 && scene.meshes?.triangleCount == 2000)
        #expect(scene.materials.count == 4, "a BSDF shared by reference is one material")
        let image = scene.renderAOVs(samplesPerPixel: 4, seed: 3)
        let stride = image.channels.count
        let (px, py, si, red, blue) = (try image.channelIndex("pp.X"), try image.channelIndex("pp.Y"),
                                       try image.channelIndex("si.I"), try image.channelIndex("alb.R"),
                                       try image.channelIndex("alb.B"))
        var seen = Set<Int>()
        var problems: [String] = []
        for pixel in 0..<(Self.columns * Self.rows) {
            let values = Array(image.values[(pixel * stride)..<(pixel * stride + stride)])
            // The hit position names the quad: its column from x, its row from y.
            let column = Int((values[px] + 20).rounded(.down)), row = Int((values[py] + 12.5).rounded(.down))
            let expected = row * Self.columns + column
            let shapeIndex = Int(values[si].rounded()) - 1
            let rho = Self.albedos[expected % 4]
            if shapeIndex != expected || abs(values[red] - rho.x) > 1e-5 || abs(values[blue] - rho.z) > 1e-5 {
                problems.append("pixel \(pixel): shape \(shapeIndex), expected \(expected), albedo \(values[red]), \(values[blue])")
            }
            seen.insert(shapeIndex)
        }
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        #expect(seen.count == 1000, "every quad fills exactly one pixel")
    }
}
