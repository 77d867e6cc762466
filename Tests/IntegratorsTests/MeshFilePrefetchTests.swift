// Mesh files read ahead of a scene's shapes: the same meshes, names and errors as reading them shape by shape.
import Foundation
import Testing

@testable import Integrators

@Suite("Mesh files read ahead", .enabled(if: EmbreeLibrary.isAvailable, "needs libembree3 (libembree-dev)"))
struct MeshFilePrefetchTests {
    /// An ASCII PLY quad of two triangles, offset by `x`.
    static func quad(x: Float) -> String {
        """
        ply
        format ascii 1.0
        element vertex 4
        property float x
        property float y
        property float z
        element face 2
        property list uchar int vertex_indices
        end_header
        \(x) 0 0
        \(x + 1) 0 0
        \(x + 1) 1 0
        \(x) 1 0
        3 0 1 2
        3 0 2 3

        """
    }

    static func scene(_ shapes: String) -> String {
        """
        <scene version="3.0.0"><sensor type="perspective"><film type="hdrfilm"><integer name="width" value="4"/>\
        <integer name="height" value="4"/></film></sensor>\(shapes)</scene>
        """
    }

    static func ply(_ file: String, id: String, extra: String = "") -> String {
        #"<shape type="ply" id="\#(id)"><string name="filename" value="\#(file)"/>\#(extra)</shape>"#
    }

    /// A temporary folder holding three quads (a.ply, b.ply, c.ply) and a broken PLY file (bad.ply).
    func withFolder<T>(_ body: (URL) throws -> T) throws -> T {
        try withTemporaryFolder("prefetch") { directory in
            for (name, x) in [("a.ply", Float(0)), ("b.ply", 5), ("c.ply", 10)] {
                try Self.quad(x: x).write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
            try "ply\nformat ascii 1.0\nelement vertex 4\nproperty float x\nend_header\n1 2\n"
                .write(to: directory.appendingPathComponent("bad.ply"), atomically: true, encoding: .utf8)
            return try body(directory)
        }
    }

    @Test("shapes get their own files, transforms and names, in document order, whether files are shared or not")
    func meshes() throws {
        try withFolder { folder in
            let moved = #"<transform name="to_world"><translate y="3"/></transform>"#
            let text = Self.scene(Self.ply("a.ply", id: "first") + Self.ply("b.ply", id: "second")
                                  + Self.ply("a.ply", id: "again") + Self.ply("a.ply", id: "moved", extra: moved)
                                  + #"<shape type="shapegroup" id="g">"# + Self.ply("c.ply", id: "member") + "</shape>"
                                  + #"<shape type="instance"><ref id="g"/></shape>"#)
            let url = folder.appendingPathComponent("scene.xml")
            try text.write(to: url, atomically: true, encoding: .utf8)
            let scene = try Scene(contentsOf: url)
            let meshes = scene.shapes.compactMap { $0.mesh ?? $0.groupMesh?.mesh }
            #expect(meshes.map(\.name) == ["member", "first", "second", "again", "moved"])
            let lowestX = meshes.map { mesh in stride(from: 0, to: mesh.positions.count, by: 3).map { mesh.positions[$0] }.min()! }
            let lowestY = meshes.map { mesh in stride(from: 1, to: mesh.positions.count, by: 3).map { mesh.positions[$0] }.min()! }
            #expect(lowestX == [10, 0, 5, 0, 0])
            #expect(lowestY == [0, 0, 0, 0, 3])
        }
    }

    @Test("a file that does not load is reported at its shape, after the errors of the shapes before it")
    func errors() throws {
        try withFolder { folder in
            let cases: [(String, String)] = [
                (Self.ply("a.ply", id: "fine") + Self.ply("bad.ply", id: "broken") + Self.ply("b.ply", id: "later"),
                 "cannot load the mesh"),
                // The unknown property of the first shape comes before the broken file of the second.
                (Self.ply("a.ply", id: "odd", extra: #"<float name="bogus" value="1"/>"#)
                    + Self.ply("bad.ply", id: "broken") + Self.ply("b.ply", id: "later"), "bogus"),
            ]
            for (index, (shapes, expected)) in cases.enumerated() {
                let url = folder.appendingPathComponent("case\(index).xml")
                try Self.scene(shapes).write(to: url, atomically: true, encoding: .utf8)
                do {
                    _ = try Scene(contentsOf: url)
                    Issue.record("case \(index) loaded")
                } catch {
                    #expect("\(error)".contains(expected), "case \(index): \(error)")
                    if index == 0 { #expect("\(error)".contains("bad.ply"), "\(error)") }
                }
            }
        }
    }
}
