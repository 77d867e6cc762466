// Checks of the meshes, groups and instances given to an Embree scene, before anything is built.

extension EmbreeScene {
    /// Throws unless `mesh` has whole vertices and triangles, at least one triangle, finite positions and indices
    /// of existing vertices. `location` names it in the message (`meshes[2]`).
    static func validate(_ mesh: TriangleMesh, location: String) throws {
        func fail(_ reason: String) -> EmbreeError {
            .invalidMesh(location: location, name: mesh.name, reason: reason)
        }
        guard mesh.positions.count % 3 == 0 else {
            throw fail("\(mesh.positions.count) position values, not a multiple of 3 (x, y, z per vertex)")
        }
        guard mesh.indices.count % 3 == 0 else {
            throw fail("\(mesh.indices.count) indices, not a multiple of 3 (three per triangle)")
        }
        guard mesh.triangleCount > 0 else { throw fail("no triangles (at least one is needed)") }
        // Embree's buffers count items in 32-bit ids.
        guard mesh.vertexCount <= Int(UInt32.max), mesh.triangleCount < Int(UInt32.max) else {
            throw fail("\(mesh.vertexCount) vertices and \(mesh.triangleCount) triangles, more than 32-bit ids hold")
        }
        if let bad = mesh.positions.firstIndex(where: { !$0.isFinite }) {
            throw fail("vertex \(bad / 3) has a non-finite coordinate (\(mesh.positions[bad]))")
        }
        let vertexCount = UInt32(mesh.vertexCount)
        if let bad = mesh.indices.firstIndex(where: { $0 >= vertexCount }) {
            throw fail("triangle \(bad / 3) refers to vertex \(mesh.indices[bad]), but there are \(vertexCount) vertices")
        }
    }

    /// Throws unless every instance names an existing group and has a finite, invertible affine transform.
    static func validate(instances: [(group: Int, toWorld: Transform4)], groupCount: Int) throws {
        for (index, instance) in instances.enumerated() {
            guard (0..<groupCount).contains(instance.group) else {
                throw EmbreeError.invalidInstance(
                    index: index, reason: "group \(instance.group) does not exist (there are \(groupCount) groups)")
            }
            let matrix = instance.toWorld.matrix
            guard matrix.isFinite else {
                throw EmbreeError.invalidInstance(index: index, reason: "the transform has non-finite entries")
            }
            // Embree takes the top three rows; a projective last row would be dropped silently.
            guard matrix[3] == SIMD4<Float>(0, 0, 0, 1) else {
                throw EmbreeError.invalidInstance(
                    index: index, reason: "the transform is not affine (last row \(matrix[3]), expected 0 0 0 1)")
            }
            guard matrix.inverted() != nil else {
                throw EmbreeError.invalidInstance(index: index, reason: "the transform is singular")
            }
        }
    }
}
