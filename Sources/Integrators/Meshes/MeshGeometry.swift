// A scene's triangle meshes on the Tracer: one Embree scene for ray queries, and the mesh buffers for hit records.
import Tracer

/// The triangle meshes of a scene, ready to be traced: an `EmbreeScene` built once over all of them (found hits:
/// distance, barycentrics, mesh and triangle), and their vertex data concatenated into traced buffers, from which
/// the surface at a hit is computed as Mitsuba's `Mesh::compute_surface_interaction` computes it.
///
/// Mesh m of `meshes` is Embree's geometry m; `shapeIndices[m]` is its shape's index in the scene.
public final class MeshGeometry: @unchecked Sendable {
    // Sendable: every stored property is immutable after init; traced buffers are evaluated and only read.

    /// The acceleration structure over all meshes.
    public let accelerator: EmbreeScene
    /// The scene's shape index of each mesh.
    public let shapeIndices: [Int]
    /// Total triangles and vertices over all meshes.
    public let triangleCount: Int
    public let vertexCount: Int

    /// Every mesh's vertex positions, one after the other.
    private let positions: Vector3Array
    /// Vertex normals (zeros for meshes without them), or nil when no mesh has any.
    private let normals: Vector3Array?
    /// Texture coordinates (zeros for meshes without them), or nil when no mesh has any.
    private let texcoords: Point2Array?
    /// Three vertex indices per triangle, into the concatenated vertex buffers.
    private let faces: UInt32Array
    /// Per mesh: the index of its first triangle in `faces` (divided by 3).
    private let firstTriangle: UInt32Array
    /// Per mesh: its shape's index in the scene.
    private let shapeIndexTable: UInt32Array
    /// Per mesh: `hasNormals`, `hasTexcoords` and `flipsNormals` as bits 0, 1 and 2.
    private let flags: UInt32Array
    /// Whether any mesh flips its normals.
    private let anyFlips: Bool

    private static let hasNormalsBit: UInt32 = 1, hasTexcoordsBit: UInt32 = 2, flipsBit: UInt32 = 4

    /// Builds the Embree scene and the buffers. Throws `EmbreeError` when a mesh is invalid or Embree is missing.
    public init(meshes: [TriangleMesh], shapeIndices: [Int], context: TraceContext = .current) throws {
        precondition(meshes.count == shapeIndices.count, "MeshGeometry: one shape index per mesh")
        accelerator = try EmbreeScene(meshes: meshes, vectorWidth: context.vectorWidth)
        self.shapeIndices = shapeIndices
        vertexCount = meshes.reduce(0) { $0 + $1.vertexCount }
        triangleCount = meshes.reduce(0) { $0 + $1.triangleCount }

        var px = [Float](), py = [Float](), pz = [Float]()
        px.reserveCapacity(vertexCount); py.reserveCapacity(vertexCount); pz.reserveCapacity(vertexCount)
        let anyNormals = meshes.contains { $0.normals != nil }
        let anyTexcoords = meshes.contains { $0.texcoords != nil }
        var nx = [Float](), ny = [Float](), nz = [Float](), tu = [Float](), tv = [Float]()
        if anyNormals { nx.reserveCapacity(vertexCount); ny.reserveCapacity(vertexCount); nz.reserveCapacity(vertexCount) }
        if anyTexcoords { tu.reserveCapacity(vertexCount); tv.reserveCapacity(vertexCount) }
        var faceIndices = [UInt32]()
        faceIndices.reserveCapacity(3 * triangleCount)
        var first = [UInt32](), meshFlags = [UInt32]()
        var vertexOffset: UInt32 = 0, triangleOffset: UInt32 = 0
        for mesh in meshes {
            for i in 0..<mesh.vertexCount {
                px.append(mesh.positions[3 * i]); py.append(mesh.positions[3 * i + 1]); pz.append(mesh.positions[3 * i + 2])
            }
            if anyNormals {
                if let n = mesh.normals {
                    for i in 0..<mesh.vertexCount { nx.append(n[3 * i]); ny.append(n[3 * i + 1]); nz.append(n[3 * i + 2]) }
                } else {
                    nx.append(contentsOf: repeatElement(0, count: mesh.vertexCount))
                    ny.append(contentsOf: repeatElement(0, count: mesh.vertexCount))
                    nz.append(contentsOf: repeatElement(0, count: mesh.vertexCount))
                }
            }
            if anyTexcoords {
                if let uv = mesh.texcoords {
                    for i in 0..<mesh.vertexCount { tu.append(uv[2 * i]); tv.append(uv[2 * i + 1]) }
                } else {
                    tu.append(contentsOf: repeatElement(0, count: mesh.vertexCount))
                    tv.append(contentsOf: repeatElement(0, count: mesh.vertexCount))
                }
            }
            faceIndices.append(contentsOf: mesh.indices.lazy.map { $0 + vertexOffset })
            first.append(triangleOffset)
            meshFlags.append((mesh.normals != nil ? Self.hasNormalsBit : 0)
                             | (mesh.texcoords != nil ? Self.hasTexcoordsBit : 0)
                             | (mesh.flipsNormals ? Self.flipsBit : 0))
            vertexOffset += UInt32(mesh.vertexCount)
            triangleOffset += UInt32(mesh.triangleCount)
        }
        positions = Vector3Array(x: FloatArray(px, context: context), y: FloatArray(py, context: context),
                                 z: FloatArray(pz, context: context))
        normals = anyNormals ? Vector3Array(x: FloatArray(nx, context: context), y: FloatArray(ny, context: context),
                                            z: FloatArray(nz, context: context)) : nil
        texcoords = anyTexcoords ? Point2Array(x: FloatArray(tu, context: context), y: FloatArray(tv, context: context))
                                 : nil
        faces = UInt32Array(faceIndices, context: context)
        firstTriangle = UInt32Array(first, context: context)
        shapeIndexTable = UInt32Array(shapeIndices.map(UInt32.init), context: context)
        flags = UInt32Array(meshFlags, context: context)
        anyFlips = meshes.contains { $0.flipsNormals }
    }

    /// Bytes held per triangle by the traced buffers (vertex data and indices; Embree's BVH and its copy of the
    /// meshes come on top).
    public var bufferBytesPerTriangle: Double {
        guard triangleCount > 0 else { return 0 }
        let perVertex = 3 + (normals != nil ? 3 : 0) + (texcoords != nil ? 2 : 0)
        return Double(4 * (perVertex * vertexCount + 3 * triangleCount)) / Double(triangleCount)
    }

    /// The closest mesh hit of each active ray (Embree's query, fused into the calling kernel).
    public func intersect(_ ray: RayArray, active: BoolArray) -> EmbreeHit {
        accelerator.intersect(ray, active: active)
    }

    /// Whether a mesh lies on each active ray before its `maxT`.
    public func isOccluded(_ ray: RayArray, active: BoolArray) -> BoolArray {
        accelerator.isOccluded(ray, active: active)
    }

    /// The scene's shape index of each hit's mesh (0 where `hit.isHit` is false).
    public func shapeIndex(of hit: EmbreeHit) -> UInt32Array {
        shapeIndexTable.gather(hit.geometry, mask: hit.isHit)
    }

    /// The surface at each hit, as Mitsuba's mesh computes it: p re-interpolated from the barycentrics, the face
    /// normal, uv and dp/du, dp/dv from the texture coordinates when the mesh has them (the barycentric
    /// parameterisation otherwise, `coordinate_system(n)` where the uv mapping is degenerate), the interpolated
    /// vertex normal as the shading normal when the mesh has normals, both normals negated for `flip_normals`,
    /// and the shading frame from the shading normal and dp/du. Values on lanes that missed are unspecified.
    public func surface(of hit: EmbreeHit) -> SurfaceGeometry {
        let lanes = hit.isHit
        let triangle = firstTriangle.gather(hit.geometry, mask: lanes) + hit.primitive
        let corner = triangle * UInt32(3)
        let i0 = faces.gather(corner, mask: lanes)
        let i1 = faces.gather(corner + UInt32(1), mask: lanes)
        let i2 = faces.gather(corner + UInt32(2), mask: lanes)
        let p0 = positions.gather(i0, mask: lanes), p1 = positions.gather(i1, mask: lanes)
        let p2 = positions.gather(i2, mask: lanes)
        let b1 = hit.u, b2 = hit.v, b0 = 1 - b1 - b2
        let p = fma(p0, b0, fma(p1, b1, p2 * b2))
        let dp0 = p1 - p0, dp1 = p2 - p0
        var n = dp0.cross(dp1).normalized()
        var uv = Point2Array(x: b1, y: b2)
        var dpdu = dp0, dpdv = dp1
        let meshFlags = flags.gather(hit.geometry, mask: lanes)

        if let texcoords {
            let textured = lanes & ((meshFlags & Self.hasTexcoordsBit) .!= 0)
            let uv0 = gather(texcoords, i0, textured), uv1 = gather(texcoords, i1, textured)
            let uv2 = gather(texcoords, i2, textured)
            let interpolated = Point2Array(x: fma(uv2.x, b2, fma(uv1.x, b1, uv0.x * b0)),
                                           y: fma(uv2.y, b2, fma(uv1.y, b1, uv0.y * b0)))
            let duv0 = uv1 - uv0, duv1 = uv2 - uv0
            let det = fma(duv0.x, duv1.y, -(duv0.y * duv1.x))
            let inverse = 1 / det
            let regular = det .!= 0
            let fallback = Frame(normal: n)
            let solvedU = (dp0 * duv1.y - dp1 * duv0.y) * inverse
            let solvedV = (dp1 * duv0.x - dp0 * duv1.x) * inverse
            uv = select(textured, interpolated, uv)
            dpdu = select(textured, select(regular, solvedU, fallback.s), dpdu)
            dpdv = select(textured, select(regular, solvedV, fallback.t), dpdv)
        }

        var shadingNormal = n
        if let normals {
            let smooth = lanes & ((meshFlags & Self.hasNormalsBit) .!= 0)
            let n0 = normals.gather(i0, mask: smooth), n1 = normals.gather(i1, mask: smooth)
            let n2 = normals.gather(i2, mask: smooth)
            shadingNormal = select(smooth, fma(n2, b2, fma(n1, b1, n0 * b0)).normalized(), n)
        }
        if anyFlips {
            let flips = (meshFlags & Self.flipsBit) .!= 0
            n = select(flips, -n, n)
            shadingNormal = select(flips, -shadingNormal, shadingNormal)
        }
        return SurfaceGeometry(p: p, n: n, frame: Frame(normal: shadingNormal, dpdu: dpdu), uv: uv,
                               dpdu: dpdu, dpdv: dpdv)
    }

    private func gather(_ values: Point2Array, _ index: UInt32Array, _ mask: BoolArray) -> Point2Array {
        Point2Array(x: values.x.gather(index, mask: mask), y: values.y.gather(index, mask: mask))
    }
}
