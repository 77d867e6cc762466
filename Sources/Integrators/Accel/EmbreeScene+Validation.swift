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

    /// Throws unless `curve` has whole control points, at least one segment, finite values, radii of 0 or more and
    /// segments whose control points exist. `location` names it in the message (`curves[0]`).
    static func validate(_ curve: CurveSet, location: String) throws {
        func fail(_ reason: String) -> EmbreeError {
            .invalidMesh(location: location, name: curve.name, reason: reason)
        }
        guard curve.controlPoints.count % 4 == 0 else {
            throw fail("\(curve.controlPoints.count) control point values, not a multiple of 4 (x, y, z, radius)")
        }
        guard curve.segmentCount > 0 else { throw fail("no segments (at least one is needed)") }
        guard curve.controlPointCount <= Int(UInt32.max), curve.segmentCount < Int(UInt32.max) else {
            throw fail("\(curve.controlPointCount) control points, more than 32-bit ids hold")
        }
        if let bad = curve.controlPoints.firstIndex(where: { !$0.isFinite }) {
            throw fail("control point \(bad / 4) has a non-finite value (\(curve.controlPoints[bad]))")
        }
        if let bad = stride(from: 3, to: curve.controlPoints.count, by: 4).first(where: { curve.controlPoints[$0] < 0 }) {
            throw fail("control point \(bad / 4) has a negative radius (\(curve.controlPoints[bad]))")
        }
        let span = UInt32(curve.basis.pointsPerSegment - 1), count = UInt32(curve.controlPointCount)
        if let bad = curve.segmentIndices.firstIndex(where: { $0 >= count || count - $0 <= span }) {
            throw fail("segment \(bad) starts at control point \(curve.segmentIndices[bad]), but a segment spans "
                       + "\(span + 1) of the \(count) control points")
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
