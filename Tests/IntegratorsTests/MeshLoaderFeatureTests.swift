// MeshLoaderFeatureTests: mesh loader features checked against hand-computed values, and the mesh helpers.

import CImageCodecs
import Foundation
import Testing
@testable import Integrators

/// Builds Mitsuba serialized files for tests: one zlib stream per shape and the offset dictionary at the end.
enum SerializedTestWriter {
    struct Shape {
        var name = ""
        var positions: [Float]
        var normals: [Float]? = nil
        var texcoords: [Float]? = nil
        var colors: [Float]? = nil
        var indices: [UInt32]
        var doublePrecision = false
        /// Overrides the stored vertex count (to write lying headers).
        var claimedVertexCount: UInt64? = nil
    }

    static func zlib(_ bytes: [UInt8]) -> [UInt8] {
        var buffer = imagecodec_buffer()
        var message = [CChar](repeating: 0, count: 512)
        let status = imagecodec_zlib_compress(bytes, bytes.count, -1, &buffer, &message, message.count)
        precondition(status == 0)
        defer { imagecodec_free(buffer.bytes) }
        return Array(UnsafeBufferPointer(start: buffer.bytes, count: buffer.length))
    }

    static func file(_ shapes: [Shape], version: UInt16) -> Data {
        var out: [UInt8] = []
        var offsets: [UInt64] = []
        func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        for shape in shapes {
            offsets.append(UInt64(out.count))
            var flags: UInt32 = shape.doublePrecision ? 0x2000 : 0x1000
            if shape.normals != nil { flags |= 1 }
            if shape.texcoords != nil { flags |= 2 }
            if shape.colors != nil { flags |= 8 }
            var payload: [UInt8] = []
            append(flags, to: &payload)
            if version == 4 { payload += Array(shape.name.utf8) + [0] }
            append(shape.claimedVertexCount ?? UInt64(shape.positions.count / 3), to: &payload)
            append(UInt64(shape.indices.count / 3), to: &payload)
            for array in [shape.positions, shape.normals, shape.texcoords, shape.colors].compactMap({ $0 }) {
                for value in array {
                    if shape.doublePrecision { append(Double(value).bitPattern, to: &payload) }
                    else { append(value.bitPattern, to: &payload) }
                }
            }
            for index in shape.indices { append(index, to: &payload) }
            append(UInt16(0x041C), to: &out)
            append(version, to: &out)
            out += zlib(payload)
        }
        for offset in offsets {
            if version == 4 { append(offset, to: &out) } else { append(UInt32(offset), to: &out) }
        }
        append(UInt32(shapes.count), to: &out)
        return Data(out)
    }
}

@Suite("Mesh loader features")
struct MeshLoaderFeatureTests {
    @Test("recomputed normals weight each face by its angle at the vertex (hand-computed)")
    func angleWeightedNormals() {
        // Face A lies in z = 0 (normal +z), face B in y = 0 (normal +y). At v1 face A's angle is 45 degrees
        // and face B's is atan(2); v5 is unused and gets Mitsuba's placeholder (1, 0, 0).
        let positions: [Float] = [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 2, 9, 9, 9]
        let normals = TriangleMesh.vertexNormals(positions: positions, indices: [0, 1, 2, 0, 4, 1])
        let a = Float.pi / 4, b = atan2f(2, 1), length = (a * a + b * b).squareRoot()
        let expected: [Float] = [0, Float(0.5).squareRoot(), Float(0.5).squareRoot(),  // v0: 90 degrees in both faces
                                 0, b / length, a / length,              // v1: 45 degrees in A, atan(2) in B
                                 0, 0, 1,                                // v2: face A only
                                 1, 0, 0,                                // v3: unused
                                 0, 1, 0,                                // v4: face B only
                                 1, 0, 0]                                // v5: unused
        MeshTestSupport.expectClose(normals, expected, tolerance: 1e-6, "normals")
    }

    @Test("OBJ deduplicates identical (v, vt) pairs and splits different ones, in first-use order")
    func objDeduplication() throws {
        let text = "v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nvt 0 0\nvt 1 0\nvt 1 1\nvt 0 1\n"
            + "f 1/1 2/2 3/3\nf 1/1 3/3 4/4\nf 1/2 3/3 4/4\r\n"
        let mesh = try TriangleMesh(objData: Data(text.utf8), name: "d.obj")
        #expect(mesh.vertexCount == 5)
        #expect(mesh.indices == [0, 1, 2, 0, 2, 3, 4, 2, 3])
        #expect(Array(mesh.positions[12..<15]) == [0, 0, 0])
        #expect(Array(mesh.texcoords![8..<10]) == [1, 1])  // vt 2 = (1, 0), flipped
    }

    @Test("OBJ ignores o, g, s, usemtl, mtllib, comments and unknown statements; fans polygons")
    func objIgnoredLines() throws {
        let text = "# comment\nmtllib x.mtl\no a\ng b\nusemtl m\ns off\nvp 1 2\n  v 0 0 0 1\nv 1 0 0\nv 1 1 0\nv 0 1 0\nv 0 2 0\n"
            + "f 1 2 3 4 5\nl 1 2\n"
        let mesh = try TriangleMesh(objData: Data(text.utf8), name: "p.obj")
        #expect(mesh.indices == [0, 1, 2, 0, 2, 3, 0, 3, 4])
        #expect(mesh.texcoords == nil)
        #expect(mesh.normals?.count == 15)
    }

    /// A little-endian binary PLY: uchar colours, int list counts, a quad and a triangle, a face property.
    static func binaryPLY(bigEndian: Bool) -> Data {
        let format = bigEndian ? "binary_big_endian" : "binary_little_endian"
        var bytes = Array("""
        ply
        format \(format) 1.0
        element vertex 4
        property float x
        property float y
        property float z
        property uchar red
        property uchar green
        property uchar blue
        property ushort u
        property ushort v
        element face 2
        property uchar material
        property list int ushort vertex_indices
        end_header

        """.utf8)
        func put<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: bigEndian ? value.bigEndian : value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        let corners: [[Float]] = [[0, 0, 0], [2, 0, 0], [2, 1, 0], [0, 1, 0]]
        for (i, p) in corners.enumerated() {
            for value in p { put(value.bitPattern) }
            bytes += [UInt8(10 * i), 128, 255]
            put(UInt16(65535)); put(UInt16(0))
        }
        bytes.append(7); put(Int32(4)); for i: UInt16 in [0, 1, 2, 3] { put(i) }
        bytes.append(8); put(Int32(3)); for i: UInt16 in [0, 2, 1] { put(i) }
        return Data(bytes)
    }

    @Test("PLY binary, both byte orders: int list counts, ushort indices, quads fanned, uchar colours as Mitsuba",
          arguments: [false, true])
    func plyBinary(bigEndian: Bool) throws {
        let mesh = try TriangleMesh(plyData: Self.binaryPLY(bigEndian: bigEndian), name: "q.ply")
        #expect(mesh.positions == [0, 0, 0, 2, 0, 0, 2, 1, 0, 0, 1, 0])
        #expect(mesh.indices == [0, 1, 2, 0, 2, 3, 0, 2, 1])
        // Mitsuba 3.9.1 keeps uchar values as they are (0...255) and turns ushort into sRGB-decoded [0, 1].
        #expect(mesh.colors == [0, 128, 255, 10, 128, 255, 20, 128, 255, 30, 128, 255])
        #expect(mesh.texcoords == [1, 0, 1, 0, 1, 0, 1, 0])
    }

    @Test("PLY ascii: polygons, texture_u/texture_v, lists of any length skipped, faces before vertices")
    func plyAsciiPolygons() throws {
        let text = """
        ply
        format ascii 1.0
        obj_info written by hand
        element face 2
        property list uchar uint vertex_index
        property list ushort float weights
        element material 2
        property list uchar char name
        property float shininess
        element vertex 5
        property float x
        property float y
        property float z
        property float texture_u
        property float texture_v
        end_header
        5 0 1 2 3 4 0
        3 4 3 2 2 0.5 0.5
        3 65 66 67 0.5
        0 1.0
        0 0 0 0 0
        1 0 0 1 0
        1 1 0 1 1
        0.5 1.5 0 0.5 1
        0 1 0 0 1

        """
        let mesh = try TriangleMesh(plyData: Data(text.utf8), name: "poly.ply")
        #expect(mesh.indices == [0, 1, 2, 0, 2, 3, 0, 3, 4, 4, 3, 2])
        #expect(mesh.texcoords == [0, 0, 1, 0, 1, 1, 0.5, 1, 0, 1])
        #expect(mesh.normals.map { Array($0[0..<3]) } == [0, 0, 1])
    }

    @Test("PLY integer properties convert as Mitsuba's struct converter: scaled by the type's maximum, then sRGB-decoded")
    func plyIntegerConversion() {
        #expect(PLYReader.mitsubaFloat(100, .uint8) == 100)
        #expect(PLYReader.mitsubaFloat(-5, .int64) == -5)
        #expect(abs(PLYReader.mitsubaFloat(100, .int8) - 0.58269352) < 1e-6)
        #expect(abs(PLYReader.mitsubaFloat(-1000, .int16) - (-0.0023621137)) < 1e-9)
        #expect(abs(PLYReader.mitsubaFloat(2000, .uint16) - 0.0023620776) < 1e-9)
        #expect(abs(PLYReader.mitsubaFloat(2_000_000_000, .int32) - 0.85082352) < 1e-6)
        #expect(PLYReader.mitsubaFloat(0.1, .float64) == 0.1)
    }

    @Test("half floats convert exactly both ways")
    func halfFloats() {
        #expect(PLYValueReader.halfToFloat(0x3C00) == 1)
        #expect(PLYValueReader.halfToFloat(0xC000) == -2)
        #expect(PLYValueReader.halfToFloat(0x0001) == 0x1p-24)
        #expect(PLYValueReader.halfToFloat(PLYValueReader.floatToHalf(0.333)) == 0.3330078125)
        #expect(PLYValueReader.floatToHalf(65504) == 0x7BFF)
        #expect(PLYValueReader.floatToHalf(1e6) == 0x7C00)
    }

    @Test("serialized v4 written here: colours kept, shape_index picks each shape, face_normals drops normals")
    func serializedWriter() throws {
        let quad = SerializedTestWriter.Shape(
            name: "quad", positions: [0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0], normals: [0, 0, 2, 0, 0, 1, 0, 0, 1, 0, 0, 1],
            colors: [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1], indices: [0, 1, 2, 0, 2, 3])
        let tri = SerializedTestWriter.Shape(positions: [0, 0, 0, 0, 1, 0, 0, 0, 1], indices: [0, 1, 2],
                                             doublePrecision: true)
        for version: UInt16 in [3, 4] {
            let data = SerializedTestWriter.file([tri, quad, tri], version: version)
            let mesh = try TriangleMesh(serializedData: data, name: "s.serialized", shapeIndex: 1)
            #expect(mesh.name == (version == 4 ? "quad" : "s.serialized@1"))
            #expect(mesh.normals == [0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1])
            #expect(mesh.colors == quad.colors)
            #expect(mesh.indices == quad.indices)
            let last = try TriangleMesh(serializedData: data, name: "s.serialized", shapeIndex: 2)
            #expect(last.normals == [1, 0, 0, 1, 0, 0, 1, 0, 0])
            let faceted = try TriangleMesh(serializedData: data, name: "s.serialized", shapeIndex: 1,
                                           options: MeshLoadOptions(faceNormals: true, flipTexCoords: false))
            #expect(faceted.normals == nil)
        }
    }

    @Test("files load through URLs with the file's name")
    func fromFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mesh-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let obj = folder.appendingPathComponent("a.obj"), ply = folder.appendingPathComponent("b.ply")
        let serialized = folder.appendingPathComponent("c.serialized")
        try Data(MeshLoaderFixtures.objA.utf8).write(to: obj)
        try MeshLoaderFixtures.plyB.write(to: ply)
        try MeshLoaderFixtures.serializedV3.write(to: serialized)
        #expect(try TriangleMesh(objContentsOf: obj).name == "a.obj")
        #expect(try TriangleMesh(plyContentsOf: ply).triangleCount == 2)
        #expect(try TriangleMesh(serializedContentsOf: serialized, shapeIndex: 1).name == "c.serialized@1")
    }

    @Test("transformed(by:), bounds and surfaceArea")
    func geometryHelpers() throws {
        let mesh = TriangleMesh(name: "quad", positions: [0, 0, 0, 2, 0, 0, 2, 1, 0, 0, 1, 0],
                                normals: [0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1], indices: [0, 1, 2, 0, 2, 3])
        #expect(mesh.surfaceArea == 2)
        #expect(mesh.bounds?.min == Vector3f(0, 0, 0))
        #expect(mesh.bounds?.max == Vector3f(2, 1, 0))
        let moved = mesh.transformed(by: .translate(1, 2, 3) * .scale(1, 3, 2))
        #expect(moved.positions == [1, 2, 3, 3, 2, 3, 3, 5, 3, 1, 5, 3])
        #expect(moved.normals == mesh.normals)
        #expect(moved.surfaceArea == 6)
        // A shear turns normals by the inverse transpose: the plane x = y keeps its normal perpendicular.
        let shear = Transform4(matrix: [1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])
        let plane = TriangleMesh(name: "p", positions: [0, 0, 0, 1, 1, 0, 0, 0, 1],
                                 normals: [Float(0.5).squareRoot(), -Float(0.5).squareRoot(), 0], indices: [0, 1, 2])
        let sheared = plane.transformed(by: shear)
        let n = sheared.normals!, p = sheared.positions
        #expect(abs(n[0] * (p[3] - p[0]) + n[1] * (p[4] - p[1]) + n[2] * (p[5] - p[2])) < 1e-6)
        #expect(TriangleMesh(name: "e", positions: [], indices: []).bounds == nil)
    }
}
