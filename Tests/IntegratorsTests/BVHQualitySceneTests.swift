// A scene file's BVH quality under `automatic`: medium for a large mesh and a short render, high for a long one.
import Foundation
import Testing

@testable import Integrators

@Suite("BVH quality of scene files", .enabled(if: EmbreeLibrary.isAvailable, "needs libembree3 (libembree-dev)"))
struct BVHQualitySceneTests {
    /// A binary little-endian PLY grid of `quads` x `quads` quads (2 triangles each) in the unit square.
    static func grid(quads: Int) -> Data {
        let side = quads + 1
        var data = Data("""
            ply
            format binary_little_endian 1.0
            element vertex \(side * side)
            property float x
            property float y
            property float z
            element face \(2 * quads * quads)
            property list uchar int vertex_indices
            end_header

            """.utf8)
        var vertices = [Float](); vertices.reserveCapacity(3 * side * side)
        for row in 0..<side {
            for column in 0..<side { vertices += [Float(column) / Float(quads), Float(row) / Float(quads), 0] }
        }
        vertices.withUnsafeBytes { data.append(contentsOf: $0) }
        var faces = Data(); faces.reserveCapacity(26 * quads * quads)
        for row in 0..<quads {
            for column in 0..<quads {
                let a = Int32(row * side + column), b = a + 1, c = a + Int32(side) + 1, d = a + Int32(side)
                for triangle in [[a, b, c], [a, c, d]] {
                    faces.append(3)
                    triangle.withUnsafeBytes { faces.append(contentsOf: $0) }
                }
            }
        }
        data.append(faces)
        return data
    }

    @Test("over a million triangles, automatic builds medium for the file's render and high for 12 samples per triangle")
    func automaticQuality() throws {
        try withTemporaryFolder("bvh") { directory in
            let quads = 708  // 1,002,528 triangles: just over the limit
            try Self.grid(quads: quads).write(to: directory.appendingPathComponent("grid.ply"))
            let url = directory.appendingPathComponent("scene.xml")
            try """
                <scene version="3.0.0"><sensor type="perspective"><film type="hdrfilm"><integer name="width" value="8"/>\
                <integer name="height" value="8"/></film><sampler type="independent"><integer name="sample_count" \
                value="4"/></sampler></sensor><shape type="ply"><string name="filename" value="grid.ply"/></shape></scene>
                """.write(to: url, atomically: true, encoding: .utf8)
            let triangles = 2 * quads * quads
            #expect(triangles > EmbreeBuildQuality.automaticHighLimit)
            let short = try Scene(contentsOf: url)
            #expect(short.meshes?.triangleCount == triangles)
            #expect(short.meshes?.accelerator.buildQuality == .medium, "64 pixels x 4 spp")
            // 64 pixels at this many samples each reach 12 samples per triangle.
            let perPixel = (EmbreeBuildQuality.automaticSamplesPerTriangle * triangles + 63) / 64
            let long = try Scene(contentsOf: url, expectedSamplesPerPixel: perPixel)
            #expect(long.meshes?.accelerator.buildQuality == .high)
            let fewer = try Scene(contentsOf: url, expectedSamplesPerPixel: perPixel - 1)
            #expect(fewer.meshes?.accelerator.buildQuality == .medium)
        }
    }
}
