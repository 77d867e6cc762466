// TriangleMesh+Normals: vertex normals recomputed exactly as Mitsuba's Mesh::recompute_vertex_normals does.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension TriangleMesh {
    /// Replaces `normals` with normals computed from the triangles (see `vertexNormals(positions:indices:)`).
    public mutating func recomputeVertexNormals() {
        normals = Self.vertexNormals(positions: positions, indices: indices)
    }

    /// Mitsuba's vertex normals (scalar variant of `Mesh::recompute_vertex_normals`, after Thürmer and
    /// Wüthrich 1998): each triangle adds its unit normal weighted by its angle at the vertex, and the sums are
    /// normalized. Degenerate triangles add nothing; a vertex with a zero sum gets (1, 0, 0), Mitsuba's
    /// placeholder. Indices must be below `positions.count / 3` (the loaders check this).
    public static func vertexNormals(positions: [Float], indices: [UInt32]) -> [Float] {
        let vertexCount = positions.count / 3
        var sums = [Float](repeating: 0, count: vertexCount * 3)
        positions.withUnsafeBufferPointer { p in
            sums.withUnsafeMutableBufferPointer { out in
                var face = 0
                while face + 2 < indices.count {
                    let i0 = Int(indices[face]), i1 = Int(indices[face + 1]), i2 = Int(indices[face + 2])
                    face += 3
                    guard i0 < vertexCount, i1 < vertexCount, i2 < vertexCount else { continue }
                    let v0 = (p[3 * i0], p[3 * i0 + 1], p[3 * i0 + 2])
                    let v1 = (p[3 * i1], p[3 * i1 + 1], p[3 * i1 + 2])
                    let v2 = (p[3 * i2], p[3 * i2 + 1], p[3 * i2 + 2])
                    let side0 = sub(v1, v0), side1 = sub(v2, v0)
                    var n = cross(side0, side1)
                    let lengthSquared = MeshTransformer.dot(n.0, n.1, n.2, n.0, n.1, n.2)
                    guard lengthSquared > 0 else { continue }
                    let scale = 1 / sqrtf(lengthSquared)
                    n = (n.0 * scale, n.1 * scale, n.2 * scale)
                    // The angle at each corner between its two outgoing edges, in Mitsuba's edge order.
                    let angle0 = unitAngle(side0, side1)
                    let angle1 = unitAngle(sub(v2, v1), sub(v0, v1))
                    let angle2 = unitAngle(sub(v0, v2), sub(v1, v2))
                    out[3 * i0] += n.0 * angle0; out[3 * i0 + 1] += n.1 * angle0; out[3 * i0 + 2] += n.2 * angle0
                    out[3 * i1] += n.0 * angle1; out[3 * i1 + 1] += n.1 * angle1; out[3 * i1 + 2] += n.2 * angle1
                    out[3 * i2] += n.0 * angle2; out[3 * i2 + 1] += n.1 * angle2; out[3 * i2 + 2] += n.2 * angle2
                }
                for vertex in 0..<vertexCount {
                    let x = out[3 * vertex], y = out[3 * vertex + 1], z = out[3 * vertex + 2]
                    let length = sqrtf(MeshTransformer.dot(x, y, z, x, y, z))
                    if length != 0 {
                        out[3 * vertex] = x / length
                        out[3 * vertex + 1] = y / length
                        out[3 * vertex + 2] = z / length
                    } else {
                        out[3 * vertex] = 1
                        out[3 * vertex + 1] = 0
                        out[3 * vertex + 2] = 0
                    }
                }
            }
        }
        return sums
    }

    @inline(__always)
    private static func sub(_ a: (Float, Float, Float), _ b: (Float, Float, Float)) -> (Float, Float, Float) {
        (a.0 - b.0, a.1 - b.1, a.2 - b.2)
    }

    /// Dr.Jit's `cross`: `fmsub(a.yzx, b.zxy, a.zxy * b.yzx)`.
    @inline(__always)
    private static func cross(_ a: (Float, Float, Float), _ b: (Float, Float, Float)) -> (Float, Float, Float) {
        (MeshTransformer.fmadd(a.1, b.2, -(a.2 * b.1)),
         MeshTransformer.fmadd(a.2, b.0, -(a.0 * b.2)),
         MeshTransformer.fmadd(a.0, b.1, -(a.1 * b.0)))
    }

    /// The angle between the directions of `a` and `b` (Dr.Jit's `unit_angle` on the normalized vectors):
    /// `2 asin(|b - a| / 2)`, or `pi - 2 asin(|a + b| / 2)` for obtuse angles, which stays accurate near 0 and pi.
    @inline(__always)
    private static func unitAngle(_ a: (Float, Float, Float), _ b: (Float, Float, Float)) -> Float {
        let u = MeshTransformer.normalized(a.0, a.1, a.2)
        let v = MeshTransformer.normalized(b.0, b.1, b.2)
        let dotUV = MeshTransformer.dot(u.0, u.1, u.2, v.0, v.1, v.2)
        if dotUV >= 0 {
            let d = sub(v, u)
            return 2 * asinf(0.5 * sqrtf(MeshTransformer.dot(d.0, d.1, d.2, d.0, d.1, d.2)))
        }
        let s = (u.0 + v.0, u.1 + v.1, u.2 + v.2)
        return Float.pi - 2 * asinf(0.5 * sqrtf(MeshTransformer.dot(s.0, s.1, s.2, s.0, s.1, s.2)))
    }
}
