// Area-light sampling on a triangle mesh: a triangle by area, then a uniform point in it (Mitsuba's Mesh sampling).
import Tracer

/// A world-space triangle mesh prepared for sampling points on it, as Mitsuba's `Mesh::sample_position`: the
/// vertex buffers as traced arrays and a discrete distribution over the triangles' areas.
public struct MeshSampler: AreaSampling {
    /// The vertex positions.
    public let positions: Vector3Array
    /// The per-vertex normals, or nil (then the face normal is used).
    public let normals: Vector3Array?
    /// The per-vertex texture coordinates, or nil (then uv are the barycentric coordinates (b1, b2)).
    public let texcoords: Point2Array?
    /// Three vertex indices per triangle, flat.
    public let indices: UInt32Array
    /// The distribution over triangles, proportional to their areas.
    public let distribution: DiscreteDistribution
    /// Whether normals are turned around (`flip_normals`).
    public let flipsNormals: Bool

    /// A sampler over `mesh`, whose buffers must already be in world space. Throws when the mesh has no triangle,
    /// an index out of range, or no area.
    public init(_ mesh: TriangleMesh) throws {
        guard mesh.triangleCount > 0 else {
            throw SceneError("mesh '\(mesh.name)' has no triangles to sample", at: nil)
        }
        if let bad = mesh.indices.first(where: { Int($0) >= mesh.vertexCount }) {
            throw SceneError("mesh '\(mesh.name)': vertex index \(bad) is out of range (\(mesh.vertexCount) vertices)",
                             at: nil)
        }
        do {
            distribution = try DiscreteDistribution(Self.triangleAreas(mesh))
        } catch let error as DiscreteDistributionError {
            throw SceneError("mesh '\(mesh.name)' cannot be sampled by area: \(error.description)", at: nil)
        }
        positions = Self.vectors(mesh.positions)
        normals = mesh.normals.map(Self.vectors)
        texcoords = mesh.texcoords.map { values in
            Point2Array(x: FloatArray(stride(from: 0, to: values.count, by: 2).map { values[$0] }),
                        y: FloatArray(stride(from: 1, to: values.count, by: 2).map { values[$0] }))
        }
        indices = UInt32Array(mesh.indices)
        flipsNormals = mesh.flipsNormals
    }

    /// The area of each triangle, ½ |(p1 − p0) × (p2 − p0)|, in float32 as Mitsuba's JIT variants compute it.
    static func triangleAreas(_ mesh: TriangleMesh) -> [Float] {
        (0..<mesh.triangleCount).map { face in
            let p0 = mesh.position(Int(mesh.indices[3 * face]))
            let p1 = mesh.position(Int(mesh.indices[3 * face + 1]))
            let p2 = mesh.position(Int(mesh.indices[3 * face + 2]))
            return 0.5 * (p1 - p0).cross(p2 - p0).length
        }
    }

    /// A flat xyz buffer as traced vectors.
    private static func vectors(_ flat: [Float]) -> Vector3Array {
        Vector3Array(x: FloatArray(stride(from: 0, to: flat.count, by: 3).map { flat[$0] }),
                     y: FloatArray(stride(from: 1, to: flat.count, by: 3).map { flat[$0] }),
                     z: FloatArray(stride(from: 2, to: flat.count, by: 3).map { flat[$0] }))
    }

    /// The total surface area.
    public var surfaceArea: Float { distribution.sum }

    /// Mitsuba's `Mesh::sample_position`: a triangle chosen by area from sample.y (which is then rescaled and
    /// reused), barycentrics (b1, b2) from `squareToUniformTriangle`, p = p0 + b1 e0 + b2 e1, uv and n
    /// interpolated from the vertices when the mesh has them (n = e0 × e1 otherwise), n normalised and flipped if
    /// asked, pdf = 1/total area.
    public func samplePosition(_ sample: Point2Array, active: BoolArray) -> PositionSample {
        let (face, reused) = distribution.sampleReuse(sample.y, active: active)
        let first = face * 3
        let i0 = indices.gather(first, mask: active)
        let i1 = indices.gather(first + 1, mask: active)
        let i2 = indices.gather(first + 2, mask: active)
        let p0 = positions.gather(i0, mask: active)
        let e0 = positions.gather(i1, mask: active) - p0
        let e1 = positions.gather(i2, mask: active) - p0
        let b = squareToUniformTriangle(Point2Array(x: sample.x, y: reused))
        let b0 = 1 - b.x - b.y
        let p = fma(e0, b.x, fma(e1, b.y, p0))

        var uv = b
        if let texcoords {
            let uv0 = gather(texcoords, i0, active), uv1 = gather(texcoords, i1, active)
            let uv2 = gather(texcoords, i2, active)
            uv = Point2Array(x: fma(uv0.x, b0, fma(uv1.x, b.x, uv2.x * b.y)),
                             y: fma(uv0.y, b0, fma(uv1.y, b.x, uv2.y * b.y)))
        }
        var n: Vector3Array
        if let normals {
            let n0 = normals.gather(i0, mask: active), n1 = normals.gather(i1, mask: active)
            let n2 = normals.gather(i2, mask: active)
            n = fma(n0, b0, fma(n1, b.x, n2 * b.y))
        } else {
            n = e0.cross(e1)
        }
        n = n.normalized()
        if flipsNormals { n = -n }
        return PositionSample(p: p, n: n, uv: uv,
                              pdf: uniformDensity(distribution.normalization, lanes: sample.count, active: active))
    }

    /// 1/total area wherever active.
    public func pdfPosition(_ position: PositionSample, active: BoolArray) -> FloatArray {
        uniformDensity(distribution.normalization, lanes: position.p.count, active: active)
    }

    private func gather(_ points: Point2Array, _ index: UInt32Array, _ active: BoolArray) -> Point2Array {
        Point2Array(x: points.x.gather(index, mask: active), y: points.y.gather(index, mask: active))
    }
}
