// MeshLoaderErrorTests: malformed and lying mesh files give errors naming the file and place, never a crash.

import Foundation
import Testing
@testable import Integrators

@Suite("Mesh loader errors")
struct MeshLoaderErrorTests {
    /// The MeshLoadError that `body` throws, recording an issue when it throws nothing or something else.
    private func loadError(_ body: () throws -> TriangleMesh) -> MeshLoadError? {
        do {
            _ = try body()
            Issue.record("expected a MeshLoadError")
        } catch let error as MeshLoadError {
            return error
        } catch {
            Issue.record("expected a MeshLoadError, got \(error)")
        }
        return nil
    }

    private func obj(_ text: String) -> MeshLoadError? {
        loadError { try TriangleMesh(objData: Data(text.utf8), name: "bad.obj") }
    }

    private func ply(_ text: String) -> MeshLoadError? {
        loadError { try TriangleMesh(plyData: Data(text.utf8), name: "bad.ply") }
    }

    @Test("OBJ errors name the file, the line and what was expected")
    func objErrors() {
        let v = "v 0 0 0\nv 1 0 0\nv 0 1 0\n"
        #expect(obj(v + "v 1 x 0\n")?.description == "bad.obj: line 4: expected a number for a vertex position, found 'x'")
        #expect(obj(v + "vt 0.5\n")?.description == "bad.obj: line 4: expected 2 numbers for a texture coordinate, found 1")
        #expect(obj(v + "f 1 2 4\n")?.description == "bad.obj: line 4: vertex index 4 is out of range (3 defined before this line)")
        #expect(obj(v + "f 1 2 -4\n")?.description == "bad.obj: line 4: vertex index -4 is out of range (3 defined before this line)")
        #expect(obj(v + "f 0 1 2\n")?.description == "bad.obj: line 4: vertex index 0 is invalid (OBJ indices start at 1)")
        #expect(obj(v + "f 1/1 2/1 3/1\n")?.description == "bad.obj: line 4: texture coordinate index 1 is out of range (0 in the file)")
        #expect(obj(v + "f 1 2\n")?.description == "bad.obj: line 4: expected a face with at least 3 vertices, found 2")
        #expect(obj(v + "vt 0 0\nvn 0 0 1\nf 1/1/1/1 2 3\n")?.description
                    == "bad.obj: line 6: expected v, v/vt, v//vn or v/vt/vn, found '1/1/1/1'")
        #expect(obj(v + "f a b c\n")?.description == "bad.obj: line 4: expected an integer index, found 'a'")
        #expect(obj(v + "f 99999999999999999999 2 3\n")?.location == "line 4")
        #expect(obj("v 0 0 0\nv nan 0 0\n")?.description == "bad.obj: line 2: vertex position is not finite ('nan')")
        #expect(obj("v 0 0 1e39\n")?.description == "bad.obj: line 1: vertex position is not finite ('1e39')")
        #expect(obj(v + "vn 0 0 0\nf 1//1 2//1 3//1\n")?.description == "bad.obj: line 4: vertex normal (0, 0, 0) has no direction")
        #expect(obj("vt inf 0\n")?.location == "line 1")
    }

    @Test("OBJ errors are found in the right place when the file is parsed in parallel runs")
    func objErrorLineInLargeFile() {
        var text = ""
        for i in 0..<60_000 { text += "v \(i) 0.25 -1.5\n" }
        text += "f 1 2 60001\n"
        #expect(obj(text)?.description == "bad.obj: line 60001: vertex index 60001 is out of range (60000 defined before this line)")
    }

    static let plyHeader = "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\n"
        + "element face 1\nproperty list uchar int vertex_indices\nend_header\n"

    @Test("PLY errors name the file, the element and record, and what was expected")
    func plyErrors() {
        let h = Self.plyHeader
        #expect(ply(h + "0 0 0\n1 0 0\n0 1 0\n3 0 1 3\n")?.description
                    == "bad.ply: face 0: vertex index 3 is out of range (there are 3 vertices)")
        #expect(ply(h + "0 0 0\n1 zero 0\n0 1 0\n3 0 1 2\n")?.description
                    == "bad.ply: vertex 1: expected property y, found 'zero'")
        #expect(ply(h + "0 0 0\n1 0 0\n0 1 inf\n3 0 1 2\n")?.description
                    == "bad.ply: vertex 2: position (0.0, 1.0, inf) is not finite")
        #expect(ply(h + "0 0 0\n1 0 0\n0 1 0\n3 0 1\n")?.description
                    == "bad.ply: face 0: the file ends early (expected property vertex_indices)")
        #expect(ply(h + "0 0 0\n1 0 0\n0 1 0\n2 0 1\n")?.description
                    == "bad.ply: face 0: expected at least 3 vertex indices, found 2")
        #expect(ply(h + "0 0 0\n1 0 0\n0 1 0\n300 0 1 2\n")?.description
                    == "bad.ply: face 0: '300' does not fit the property's type uint8")
        #expect(ply(h + "0 0 0\n1 0 0\n0 1 0\n3 0 1 2 7\n")?.description
                    == "bad.ply: unexpected text after the last element")
        #expect(ply("ply\nformat ascii 2.0\n")?.description == "bad.ply: header line 2: unknown PLY version \"2.0\", expected 1.0")
        #expect(ply("ply\nformat ascii 1.0\nelement vertex 1\nproperty float32x x\nend_header\n")?.description
                    == "bad.ply: header line 4: unknown type \"float32x\"")
        #expect(ply("ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\n")?.description
                    == "bad.ply: the PLY header has no end_header line")
        #expect(ply("solid cube\n")?.description == "bad.ply: not a PLY file (expected \"ply\" on the first line)")
        #expect(ply("ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nend_header\n1\n")?.description
                    == "bad.ply: element vertex: expected scalar properties x, y and z")
    }

    @Test("lying PLY counts are refused before anything is allocated", arguments: ["ascii", "binary_little_endian"])
    func plyLyingCounts(format: String) {
        let header = "ply\nformat \(format) 1.0\nelement vertex 4000000000\nproperty float x\nproperty float y\n"
            + "property float z\nend_header\n"
        let error = ply(header + "0 0 0\n")
        #expect(error?.location == "element vertex")
        #expect(error?.reason.contains("4000000000 records") == true)
        let skipped = ply("ply\nformat \(format) 1.0\nelement junk 9223372036854775807\nproperty double a\nend_header\n")
        #expect(skipped?.location == "element junk")
        // A list count that the bytes left cannot hold fails at once.
        var binary = Array("ply\nformat binary_little_endian 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uint int vertex_indices\nend_header\n".utf8)
        binary += [UInt8](repeating: 0, count: 12) + [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0]
        let list = loadError { try TriangleMesh(plyData: Data(binary), name: "bad.ply") }
        #expect(list?.location == "face 0")
    }

    @Test("binary PLY trailing bytes and truncation are errors")
    func plyBinaryTrailing() {
        var data = MeshLoaderFeatureTests.binaryPLY(bigEndian: false)
        data.append(0)
        #expect(loadError { try TriangleMesh(plyData: data, name: "t.ply") }?.description
                    == "t.ply: 1 bytes of trailing data after the last element")
        let cut = MeshLoaderFeatureTests.binaryPLY(bigEndian: false).dropLast(3)
        #expect(loadError { try TriangleMesh(plyData: Data(cut), name: "t.ply") }?.location == "face 1")
    }

    @Test("serialized errors: tag, version, shape index, lying counts, truncated and corrupt streams")
    func serializedErrors() throws {
        let shape = SerializedTestWriter.Shape(positions: [0, 0, 0, 1, 0, 0, 0, 1, 0], indices: [0, 1, 2])
        let good = SerializedTestWriter.file([shape, shape], version: 4)
        func load(_ data: Data, _ index: Int = 0) -> MeshLoadError? {
            loadError { try TriangleMesh(serializedData: data, name: "m.serialized", shapeIndex: index) }
        }
        #expect(load(Data([1, 2, 3, 4]))?.description == "m.serialized: not a serialized mesh (expected the format tag 0x041C)")
        #expect(load(Data([0x1C, 0x04, 5, 0]))?.description == "m.serialized: unsupported serialized version 5, expected 3 or 4")
        #expect(load(good, 2)?.description == "m.serialized: shape 2: the shape index is out of range (the file has 2 shapes)")
        #expect(load(good, -1)?.description == "m.serialized: shape -1: the shape index must be 0 or more")
        var liar = shape
        liar.claimedVertexCount = 4_000_000_000
        #expect(load(SerializedTestWriter.file([liar], version: 4))?.reason.contains("more than") == true)
        liar.claimedVertexCount = 1_000
        #expect(load(SerializedTestWriter.file([liar], version: 3))?.reason.hasPrefix("the compressed data ends") == true)
        var corrupt = good
        corrupt[10] ^= 0xFF
        #expect(load(corrupt) != nil)
        var badOffset = good
        badOffset.replaceSubrange((good.count - 12)..<(good.count - 4), with: [UInt8](repeating: 0xFF, count: 8))
        #expect(load(badOffset, 1)?.reason.hasPrefix("the dictionary points past") == true)
        var badIndex = SerializedTestWriter.Shape(positions: [0, 0, 0, 1, 0, 0, 0, 1, 0], indices: [0, 1, 3])
        #expect(load(SerializedTestWriter.file([badIndex], version: 4))?.reason
                    == "triangle 0 uses vertex 3, but there are 3 vertices")
        badIndex = SerializedTestWriter.Shape(positions: [0, 0, .nan, 1, 0, 0, 0, 1, 0], indices: [0, 1, 2])
        #expect(load(SerializedTestWriter.file([badIndex], version: 4))?.location == "vertex 0")
    }

    @Test("a missing file is an error naming it")
    func missingFile() {
        let url = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/gone.obj")
        #expect(loadError { try TriangleMesh(objContentsOf: url) }?.fileName == "gone.obj")
    }

    /// Deterministic xorshift so that failures replay.
    private struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
    }

    @Test("truncated and mutated files never crash or hang", arguments: ["obj", "ply-ascii", "ply-binary", "serialized"])
    func mutations(kind: String) {
        let seed: Data
        switch kind {
        case "obj": seed = Data(MeshLoaderFixtures.objB.utf8)
        case "ply-ascii": seed = Data(MeshLoaderFixtures.plyA.utf8)
        case "ply-binary": seed = MeshLoaderFixtures.plyB
        default: seed = MeshLoaderFixtures.serializedV4
        }
        var random = Random(state: 0x9E37_79B9_7F4A_7C15 ^ UInt64(kind.utf8.count))
        for round in 0..<400 {
            var bytes = [UInt8](seed)
            if round < 100 {
                bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count + 1))))
            } else {
                for _ in 0..<(1 + Int(random.next() % 4)) where !bytes.isEmpty {
                    let at = Int(random.next() % UInt64(bytes.count))
                    let choices: [UInt8] = [0, 0xFF, UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: " "), UInt8(ascii: "\n"),
                                            UInt8(truncatingIfNeeded: random.next())]
                    bytes[at] = choices[Int(random.next() % UInt64(choices.count))]
                }
            }
            let data = Data(bytes)
            let index = Int(random.next() % 4)
            switch kind {
            case "obj": _ = try? TriangleMesh(objData: data, name: "m.obj")
            case "serialized": _ = try? TriangleMesh(serializedData: data, name: "m.serialized", shapeIndex: index)
            default: _ = try? TriangleMesh(plyData: data, name: "m.ply")
            }
        }
    }
}
