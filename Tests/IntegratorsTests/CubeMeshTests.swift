// TriangleMesh.cube against the buffers of Mitsuba 3.9.1's `cube` (read with mi.traverse).
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("Cube mesh")
struct CubeMeshTests {
    @Test("positions, normals, texcoords and faces match Mitsuba's cube under a transform")
    func againstMitsuba() {
        let toWorld = Transform4.translate(1, 2, 3) * Transform4.rotate(axis: Vector3f(0, 0, 1), angleDegrees: 30)
            * Transform4.scale(1, 2, 0.5)
        let mesh = TriangleMesh.cube(toWorld: toWorld)
        // mi.traverse(mi.load_dict({'type': 'cube', 'to_world': T().translate([1, 2, 3]) @ T().rotate([0, 0, 1], 30)
        // @ T().scale([1, 2, 0.5])})) in Mitsuba 3.9.1: the six distinct corner positions and face normals.
        let a: Float = 2.866025447845459, b: Float = 0.7679492235183716, c: Float = 1.133974552154541
        let e: Float = -0.23205077648162842, f: Float = 0.866025447845459, g: Float = 4.232050895690918
        let h: Float = -0.8660253882408142, k: Float = 3.232050895690918
        let positions: [Float] = [
            a, b, 2.5, a, b, 3.5, c, e, 3.5, c, e, 2.5, f, g, 2.5, h, k, 2.5, h, k, 3.5, f, g, 3.5,
            a, b, 2.5, f, g, 2.5, f, g, 3.5, a, b, 3.5, a, b, 3.5, f, g, 3.5, h, k, 3.5, c, e, 3.5,
            c, e, 3.5, h, k, 3.5, h, k, 2.5, c, e, 2.5, f, g, 2.5, a, b, 2.5, c, e, 2.5, h, k, 2.5,
        ]
        let s: Float = 0.866025447845459
        let faceNormals: [[Float]] = [[0.5, -s, 0], [-0.5, s, 0], [s, 0.5, 0], [0, 0, 1], [-s, -0.5, 0], [0, 0, -1]]
        let normals = faceNormals.flatMap { normal in (0..<4).flatMap { _ in normal } }
        let texcoords = (0..<6).flatMap { _ in [Float](arrayLiteral: 0, 1, 1, 1, 1, 0, 0, 0) }
        let faces: [UInt32] = [0, 1, 2, 3, 0, 2, 4, 5, 6, 7, 4, 6, 8, 9, 10, 11, 8, 10, 12, 13, 14, 15, 12, 14, 16, 17,
                               18, 19, 16, 18, 20, 21, 22, 23, 20, 22]
        #expect(mesh.vertexCount == 24 && mesh.triangleCount == 12 && mesh.name == "cube")
        #expect(zip(mesh.positions, positions).allSatisfy { abs($0 - $1) < 1e-6 }, "\(mesh.positions)")
        #expect(zip(mesh.normals!, normals).allSatisfy { abs($0 - $1) < 1e-6 }, "\(mesh.normals!)")
        #expect(mesh.texcoords! == texcoords && mesh.indices == faces && !mesh.flipsNormals)
    }

    @Test("the untransformed cube: outward normals agree with the winding; flip_normals only sets the flag")
    func windingAndFlip() throws {
        let mesh = TriangleMesh.cube()
        for face in 0..<mesh.triangleCount {
            let p = (0..<3).map { mesh.position(Int(mesh.indices[3 * face + $0])) }
            let geometric = (p[1] - p[0]).cross(p[2] - p[0]).normalized
            let vertex = Int(mesh.indices[3 * face])
            let stored = Vector3f(mesh.normals![3 * vertex], mesh.normals![3 * vertex + 1], mesh.normals![3 * vertex + 2])
            #expect(pluginClose(geometric, stored, 1e-6), "triangle \(face): \(geometric) vs \(stored)")
        }
        let flipped = TriangleMesh.cube(flipNormals: true)
        #expect(flipped.flipsNormals && flipped.normals == mesh.normals && flipped.positions == mesh.positions)
        let sampler = try MeshSampler(TriangleMesh.cube(toWorld: .scale(1, 2, 0.5)))
        #expect(abs(sampler.surfaceArea - 28) < 1e-5)
    }
}
