// MeshLoaderTests: obj, ply and serialized loading against Mitsuba 3.9.1's buffers and hand-computed cases.

import Foundation
import Testing
@testable import Integrators

/// Shared helpers: close comparison of float buffers and the fixtures' to_world.
enum MeshTestSupport {
    static var toWorld: Transform4 { Transform4(matrix: MeshLoaderFixtures.toWorld) }

    /// Records an issue when `actual` and `expected` differ in length or by more than `tolerance` anywhere.
    static func expectClose(_ actual: [Float]?, _ expected: [Float], tolerance: Float, _ what: String,
                            sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        guard let actual else {
            #expect(expected.isEmpty, "\(what): missing", sourceLocation: sourceLocation)
            return
        }
        #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)",
                sourceLocation: sourceLocation)
        guard actual.count == expected.count else { return }
        let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= tolerance, "\(what): differs by \(worst)\n\(actual)\n\(expected)",
                sourceLocation: sourceLocation)
    }

    static func expectMatches(_ mesh: TriangleMesh, _ expected: MeshLoaderFixtures.Expected,
                              sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        // Positions match Mitsuba bit for bit (same parsing, same fused multiply-adds); normals within 1e-6
        // (Mitsuba's own asin and summation order differ in the last bits).
        expectClose(mesh.positions, expected.positions, tolerance: 0, "positions", sourceLocation: sourceLocation)
        expectClose(mesh.normals, expected.normals, tolerance: 1e-6, "normals", sourceLocation: sourceLocation)
        expectClose(mesh.texcoords, expected.texcoords, tolerance: 0, "texcoords", sourceLocation: sourceLocation)
        #expect(mesh.indices == expected.faces, sourceLocation: sourceLocation)
    }
}

@Suite("Mesh loaders against Mitsuba 3.9.1")
struct MeshLoaderMitsubaTests {
    typealias F = MeshLoaderFixtures

    @Test("OBJ: polygons fanned, (v, vt) deduplicated, texcoords flipped, normals recomputed")
    func objPolygons() throws {
        let mesh = try TriangleMesh(objData: Data(F.objA.utf8), name: "a.obj")
        MeshTestSupport.expectMatches(mesh, F.objAExpected)
        #expect(mesh.name == "a.obj")
    }

    @Test("OBJ: face_normals drops normals; flip_tex_coords false keeps v")
    func objFaceNormals() throws {
        let mesh = try TriangleMesh(objData: Data(F.objA.utf8), name: "a.obj",
                                    options: MeshLoadOptions(faceNormals: true, flipTexCoords: false))
        #expect(mesh.normals == nil)
        MeshTestSupport.expectClose(mesh.texcoords, F.objAFaceNormalsExpected.texcoords, tolerance: 0, "texcoords")
        #expect(mesh.indices == F.objAFaceNormalsExpected.faces)
    }

    @Test("OBJ: v//vn and v/vt/vn, vertices split by normal, file normals normalized")
    func objNormals() throws {
        let mesh = try TriangleMesh(objData: Data(F.objBPositive.utf8), name: "b.obj")
        MeshTestSupport.expectMatches(mesh, F.objBExpected)
    }

    @Test("OBJ: negative indices load like their positive twins")
    func objNegativeIndices() throws {
        let relative = try TriangleMesh(objData: Data(F.objB.utf8), name: "b.obj")
        let absolute = try TriangleMesh(objData: Data(F.objBPositive.utf8), name: "b.obj")
        #expect(relative == absolute)
    }

    @Test("OBJ: to_world moves positions and turns normals by the inverse transpose")
    func objTransformed() throws {
        let mesh = try TriangleMesh(objData: Data(F.objBPositive.utf8), name: "b.obj",
                                    options: MeshLoadOptions(flipTexCoords: true, toWorld: MeshTestSupport.toWorld))
        MeshTestSupport.expectMatches(mesh, F.objBTransformedExpected)
    }

    @Test("PLY ascii: s/t texcoords, an extra element skipped, normals recomputed")
    func plyAscii() throws {
        let mesh = try TriangleMesh(plyData: Data(F.plyA.utf8), name: "a.ply")
        MeshTestSupport.expectMatches(mesh, F.plyAExpected)
        let moved = try TriangleMesh(plyData: Data(F.plyA.utf8), name: "a.ply",
                                     options: MeshLoadOptions(flipTexCoords: true, toWorld: MeshTestSupport.toWorld))
        MeshTestSupport.expectMatches(moved, F.plyATransformedExpected)
    }

    @Test("PLY binary big-endian: double x, texture_u/v, vertex_index, lists and face properties skipped")
    func plyBigEndian() throws {
        let mesh = try TriangleMesh(plyData: F.plyB, name: "b.ply")
        MeshTestSupport.expectMatches(mesh, F.plyBExpected)
    }

    @Test("serialized v4: shapes 1 and 2 through the dictionary, names stored in the file")
    func serializedV4() throws {
        let one = try TriangleMesh(serializedData: F.serializedV4, name: "v4.serialized", shapeIndex: 1)
        MeshTestSupport.expectMatches(one, F.serializedV4Shape1Expected)
        #expect(one.name == "second")
        let two = try TriangleMesh(serializedData: F.serializedV4, name: "v4.serialized", shapeIndex: 2,
                                   options: MeshLoadOptions(flipTexCoords: false, toWorld: MeshTestSupport.toWorld))
        MeshTestSupport.expectMatches(two, F.serializedV4Shape2Expected)
        let zero = try TriangleMesh(serializedData: F.serializedV4, name: "v4.serialized")
        #expect(zero.name == "first")
        #expect(zero.triangleCount == 1)
    }

    @Test("serialized v3: double precision, names are file@index")
    func serializedV3() throws {
        let zero = try TriangleMesh(serializedData: F.serializedV3, name: "v3.serialized", shapeIndex: 0)
        MeshTestSupport.expectMatches(zero, F.serializedV3Shape0Expected)
        #expect(zero.name == "v3.serialized@0")
        let two = try TriangleMesh(serializedData: F.serializedV3, name: "v3.serialized", shapeIndex: 2)
        MeshTestSupport.expectMatches(two, F.serializedV3Shape2Expected)
    }
}
