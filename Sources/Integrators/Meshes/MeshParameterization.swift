// Finding the point of a triangle mesh at a uv (Mitsuba's Mesh::eval_parameterization), for textured area lights.
import Tracer

/// A triangle mesh's surface looked up by texture coordinates, as Mitsuba's `Mesh::eval_parameterization` does:
/// the mesh laid out flat in uv space (vertex i at (u_i, v_i, 0)) in an Embree scene of its own, a ray from
/// (u, v, −1) along +z finds the triangle and barycentrics there, and the world mesh's surface at those
/// barycentrics is the answer. Where no triangle covers the uv (outside the map) the point does not exist.
struct MeshParameterization: SurfaceParameterization {
    /// The world-space mesh's buffers (those its area light samples).
    let sampler: MeshSampler
    /// The uv layout of the mesh.
    let uvScene: EmbreeScene

    /// The parameterisation of `mesh` (world space), whose buffers `sampler` holds. Throws a `SceneError` when the
    /// mesh has no texture coordinates (Mitsuba refuses those too), or `EmbreeError` when Embree is missing.
    init(_ mesh: TriangleMesh, sampler: MeshSampler) throws {
        guard let texcoords = mesh.texcoords else {
            throw SceneError("mesh '\(mesh.name)' has no texture coordinates, so a texture cannot place its area "
                             + "light's samples on it (Mitsuba's eval_parameterization needs them too)", at: nil)
        }
        var flat = [Float](repeating: 0, count: mesh.vertexCount * 3)
        for vertex in 0..<mesh.vertexCount {
            flat[3 * vertex] = texcoords[2 * vertex]
            flat[3 * vertex + 1] = texcoords[2 * vertex + 1]
        }
        self.sampler = sampler
        uvScene = try EmbreeScene(meshes: [TriangleMesh(name: mesh.name + "_param", positions: flat,
                                                        indices: mesh.indices)])
    }

    func surface(at uv: Point2Array, active: BoolArray) -> (geometry: SurfaceGeometry, valid: BoolArray) {
        let lanes = Swift.max(uv.x.count, uv.y.count)
        let ray = RayArray(origin: Vector3Array(x: uv.x, y: uv.y, z: FloatArray(repeating: -1, count: lanes)),
                           direction: Vector3Array(repeating: Vector3f(0, 0, 1), count: lanes),
                           maxT: FloatArray(repeating: .greatestFiniteMagnitude, count: lanes))
        let hit = uvScene.intersect(ray, active: active)
        let found = active & hit.isHit
        let corner = hit.primitive * UInt32(3)
        let i0 = sampler.indices.gather(corner, mask: found)
        let i1 = sampler.indices.gather(corner + UInt32(1), mask: found)
        let i2 = sampler.indices.gather(corner + UInt32(2), mask: found)
        func gather(_ points: Point2Array, _ index: UInt32Array) -> Point2Array {
            Point2Array(x: points.x.gather(index, mask: found), y: points.y.gather(index, mask: found))
        }
        var corners = TriangleCorners(p0: sampler.positions.gather(i0, mask: found),
                                      p1: sampler.positions.gather(i1, mask: found),
                                      p2: sampler.positions.gather(i2, mask: found))
        if let texcoords = sampler.texcoords {
            corners.texcoords = (gather(texcoords, i0), gather(texcoords, i1), gather(texcoords, i2), found)
        }
        if let normals = sampler.normals {
            corners.normals = (normals.gather(i0, mask: found), normals.gather(i1, mask: found),
                               normals.gather(i2, mask: found), found)
        }
        let flips = sampler.flipsNormals ? BoolArray(repeating: true, count: lanes) : nil
        return (corners.surface(b1: hit.u, b2: hit.v, flips: flips), found)
    }
}
