// The scale benchmark's scene: 1,000 binary PLY tori of 5,000 triangles each (5 M triangles), written to a folder.
import Foundation

/// A Mitsuba scene file of `shapeCount` distinct mesh files on a cubic grid, lit by a constant environment, with
/// four diffuse materials shared by reference. Mitsuba renders the same file (`mitsuba_bench.py --scene`).
enum ScaleScene {
    static let shapeCount = 1000
    /// Quads around the tube and along the ring of each torus: 2 x 50 x 50 = 5,000 triangles, 2,500 vertices.
    static let segments = 50
    static var trianglesPerShape: Int { 2 * segments * segments }
    static var triangleCount: Int { shapeCount * trianglesPerShape }

    /// Writes scale.xml and meshes/torus_NNNN.ply into `folder` (created if needed); returns the scene file.
    @discardableResult
    static func write(to folder: URL) throws -> URL {
        let meshes = folder.appendingPathComponent("meshes")
        try FileManager.default.createDirectory(at: meshes, withIntermediateDirectories: true)
        var shapes = ""
        for index in 0..<shapeCount {
            let name = String(format: "torus_%04d.ply", index)
            // Each file is its own torus (radii vary), so the loader parses 1,000 different files.
            try torusPLY(ringRadius: 0.25 + 0.1 * Float(index % 7) / 7, tubeRadius: 0.06 + 0.04 * Float(index % 5) / 5)
                .write(to: meshes.appendingPathComponent(name))
            // A 10 x 10 x 10 grid, one unit apart, receding from the camera.
            let (x, y, z) = (index % 10, (index / 10) % 10, index / 100)
            shapes += """
                <shape type="ply">
                    <string name="filename" value="meshes/\(name)"/>
                    <transform name="to_world">
                        <rotate x="1" angle="\(index * 37 % 180)"/>
                        <translate x="\(Float(x) - 4.5)" y="\(Float(y) - 4.5)" z="\(-Float(z))"/>
                    </transform>
                    <ref id="material_\(index % 4)"/>
                </shape>

            """
        }
        let materials = (0..<4).map { index in
            let rgb = ["0.8, 0.3, 0.2", "0.2, 0.7, 0.3", "0.3, 0.4, 0.8", "0.7, 0.7, 0.6"][index]
            return """
                <bsdf type="diffuse" id="material_\(index)">
                    <rgb name="reflectance" value="\(rgb)"/>
                </bsdf>

            """
        }.joined()
        let xml = """
            <!-- Written by Refract's Benchmarks (ScaleScene.swift): \(shapeCount) PLY tori, \(triangleCount) triangles. -->
            <scene version="3.0.0">
                <default name="spp" value="16"/>
                <default name="res" value="256"/>
                <integrator type="path">
                    <integer name="max_depth" value="4"/>
                </integrator>
                <sensor type="perspective">
                    <float name="fov" value="60"/>
                    <transform name="to_world">
                        <lookat origin="0, 0, 9" target="0, 0, 0" up="0, 1, 0"/>
                    </transform>
                    <sampler type="independent">
                        <integer name="sample_count" value="$spp"/>
                    </sampler>
                    <film type="hdrfilm">
                        <integer name="width" value="$res"/>
                        <integer name="height" value="$res"/>
                        <rfilter type="box"/>
                    </film>
                </sensor>
                <emitter type="constant">
                    <rgb name="radiance" value="1.0"/>
                </emitter>
            \(materials)\(shapes)</scene>

            """
        let file = folder.appendingPathComponent("scale.xml")
        try Data(xml.utf8).write(to: file)
        return file
    }

    /// A binary little-endian PLY torus around the z axis: positions and normals, `segments`² quads split in two.
    static func torusPLY(ringRadius: Float, tubeRadius: Float) -> Data {
        let n = segments
        var data = Data("""
            ply
            format binary_little_endian 1.0
            element vertex \(n * n)
            property float x
            property float y
            property float z
            property float nx
            property float ny
            property float nz
            element face \(2 * n * n)
            property list uchar int vertex_indices
            end_header

            """.utf8)
        var floats = [Float]()
        floats.reserveCapacity(6 * n * n)
        for i in 0..<n {
            let u = 2 * Float.pi * Float(i) / Float(n)
            for j in 0..<n {
                let v = 2 * Float.pi * Float(j) / Float(n)
                let normal = (cos(v) * cos(u), cos(v) * sin(u), sin(v))
                floats += [(ringRadius + tubeRadius * cos(v)) * cos(u), (ringRadius + tubeRadius * cos(v)) * sin(u),
                           tubeRadius * sin(v), normal.0, normal.1, normal.2]
            }
        }
        floats.withUnsafeBytes { data.append(contentsOf: $0) }
        var faces = Data(capacity: 13 * 2 * n * n)
        func vertex(_ i: Int, _ j: Int) -> Int32 { Int32((i % n) * n + j % n) }
        for i in 0..<n {
            for j in 0..<n {
                for triangle in [[vertex(i, j), vertex(i + 1, j), vertex(i + 1, j + 1)],
                                 [vertex(i, j), vertex(i + 1, j + 1), vertex(i, j + 1)]] {
                    faces.append(3)
                    triangle.withUnsafeBytes { faces.append(contentsOf: $0) }
                }
            }
        }
        data.append(faces)
        return data
    }
}
