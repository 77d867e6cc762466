// A scene's triangle meshes and curves on the Tracer: one Embree scene for ray queries, and buffers for hit records.
import Tracer

/// A scene whose meshes do not fit in the memory limit.
public struct MeshMemoryError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The triangle meshes of a scene, ready to be traced: an `EmbreeScene` built once over all of them (found hits:
/// distance, barycentrics, mesh, triangle and instance), and their vertex data concatenated into traced buffers,
/// from which the surface at a hit is computed as Mitsuba's `Mesh::compute_surface_interaction` computes it (and,
/// for a hit in an instance, transformed to world space as Mitsuba's `Instance` does).
///
/// The buffers hold the world-space meshes first (Embree's top-level geometry m is entry m), then one empty entry
/// per curve shape (its geometry id; `curves` holds its data), then each shape group's meshes in their group's
/// space (an instance's geometry g is entry `groupFirstEntry[group] + g`).
public final class MeshGeometry: @unchecked Sendable {
    // Sendable: every stored property is immutable after init; traced buffers are evaluated and only read.

    /// The acceleration structure over all meshes, curves and instances.
    public let accelerator: EmbreeScene
    /// The curve shapes (Mitsuba's `linearcurve`, `bsplinecurve`), or nil when the scene has none.
    let curves: CurveGeometry?
    /// The scene's shape index of each mesh entry (world-space meshes, then the groups' meshes).
    public let shapeIndices: [Int]
    /// Triangles and vertices stored (a group's mesh counted once, however many instances place it).
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
    /// Per entry: the index of its first triangle in `faces` (divided by 3).
    private let firstTriangle: UInt32Array
    /// Per entry: its shape's index in the scene.
    private let shapeIndexTable: UInt32Array
    /// Per entry: `hasNormals`, `hasTexcoords` and `flipsNormals` as bits 0, 1 and 2.
    private let flags: UInt32Array
    /// Whether any mesh flips its normals.
    private let anyFlips: Bool
    /// Per instance: the entry of its group's first mesh; nil when the scene has no instances.
    private let instanceFirstEntry: UInt32Array?
    /// Per instance: the rows of its group-to-world matrix (3 x 4) and of the normal matrix (the inverse's
    /// transpose, 3 x 3), as arrays over instances.
    private let instanceMatrix: [FloatArray]
    private let instanceNormalMatrix: [FloatArray]
    /// Per Embree instance, its index among the scene's instances, where some of those placed no meshes (nil:
    /// the same numbering).
    private var sceneInstanceTable: UInt32Array?

    private static let hasNormalsBit: UInt32 = 1, hasTexcoordsBit: UInt32 = 2, flipsBit: UInt32 = 4

    /// The meshes of `shapes` (world-space meshes and shape groups' meshes) and the `instances` of the groups; nil
    /// when there are none. Throws `EmbreeError` when a mesh or an instance is invalid or Embree is missing.
    /// `memoryLimit` bounds the estimated bytes of the buffers and of Embree's scene: a scene above it is refused
    /// with the estimate before anything is built. `quality` is the BVH's (`EmbreeBuildQuality`), for a render of
    /// `expectedSamples` samples when known.
    public convenience init?(shapes: [SceneShape], instances: [SceneInstance] = [], memoryLimit: Int? = nil,
                             quality: EmbreeBuildQuality = .automatic, expectedSamples: Int? = nil,
                             context: TraceContext = .current) throws {
        let world = shapes.indices.compactMap { index in shapes[index].mesh.map { (mesh: $0, shape: index) } }
        let curves = shapes.indices.compactMap { index in shapes[index].curves.map { (curves: $0, shape: index) } }
        let groupCount = (shapes.compactMap { $0.groupMesh?.group }.max() ?? -1) + 1
        var groups = [[(mesh: TriangleMesh, shape: Int)]](repeating: [], count: groupCount)
        for (index, shape) in shapes.enumerated() {
            if let (mesh, group) = shape.groupMesh { groups[group].append((mesh, index)) }
        }
        // Only instances of groups with meshes reach Embree (a group of analytic shapes only is placed by copies of
        // its shapes, `SceneShape.placedBy`); hits name their instance by its index in `instances`.
        let placing = instances.indices.filter { groups.indices.contains(instances[$0].group)
            && !groups[instances[$0].group].isEmpty }
        guard !world.isEmpty || !curves.isEmpty || !placing.isEmpty else { return nil }
        if let memoryLimit {
            let stored = world.map(\.mesh) + groups.joined().map(\.mesh)
            let estimate = MeshMemory.tracingBytes(vertices: stored.reduce(0) { $0 + $1.vertexCount },
                                                   triangles: stored.reduce(0) { $0 + $1.triangleCount })
            if estimate > memoryLimit {
                throw MeshMemoryError("tracing the scene's \(stored.count) meshes would take about "
                                      + "\(RenderMemory.gibibytes(estimate)), more than the memory limit of "
                                      + "\(RenderMemory.gibibytes(memoryLimit)) (--memory-limit)")
            }
        }
        try self.init(meshes: world, curves: curves, groups: groups, instances: placing.map { (instances[$0].group, instances[$0].toWorld) },
                      quality: quality, expectedSamples: expectedSamples, context: context)
        if placing.count != instances.count {
            sceneInstanceTable = UInt32Array(placing.map { UInt32($0) }, context: context)
        }
    }

    /// Builds the Embree scene and the buffers: `meshes` and `curves` in world space, `groups` of meshes in their
    /// own space placed by `instances`; each mesh and curve set with its shape's index in the scene.
    public init(meshes: [(mesh: TriangleMesh, shape: Int)], curves: [(curves: CurveSet, shape: Int)] = [],
                groups: [[(mesh: TriangleMesh, shape: Int)]] = [],
                instances: [(group: Int, toWorld: Transform4)] = [], quality: EmbreeBuildQuality = .automatic,
                expectedSamples: Int? = nil, context: TraceContext = .current) throws {
        accelerator = try EmbreeScene(meshes: meshes.map(\.mesh), curves: curves.map(\.curves),
                                      groups: groups.map { $0.map(\.mesh) }, instances: instances,
                                      vectorWidth: context.vectorWidth, quality: quality,
                                      expectedSamples: expectedSamples)
        self.curves = curves.isEmpty ? nil
            : CurveGeometry(curves.map(\.curves), firstGeometryID: meshes.count, context: context)
        // A curve shape's entry holds no triangles: it only maps its geometry id to its shape.
        let curveEntries = curves.map { (mesh: TriangleMesh(name: $0.curves.name, positions: [], indices: []),
                                         shape: $0.shape) }
        let entries = meshes + curveEntries + groups.joined()
        shapeIndices = entries.map(\.shape)
        vertexCount = entries.reduce(0) { $0 + $1.mesh.vertexCount }
        triangleCount = entries.reduce(0) { $0 + $1.mesh.triangleCount }
        let buffers = MeshBuffers(entries.map(\.mesh), vertexCount: vertexCount, triangleCount: triangleCount)
        // A scene of curves only has no vertex: one unused zero keeps the traced buffers non-empty.
        func nonEmpty<T: Numeric>(_ values: [T]) -> [T] { values.isEmpty ? [0] : values }
        positions = Vector3Array(x: FloatArray(nonEmpty(buffers.px), context: context),
                                 y: FloatArray(nonEmpty(buffers.py), context: context),
                                 z: FloatArray(nonEmpty(buffers.pz), context: context))
        normals = buffers.nx.isEmpty ? nil
            : Vector3Array(x: FloatArray(buffers.nx, context: context), y: FloatArray(buffers.ny, context: context),
                           z: FloatArray(buffers.nz, context: context))
        texcoords = buffers.tu.isEmpty ? nil
            : Point2Array(x: FloatArray(buffers.tu, context: context), y: FloatArray(buffers.tv, context: context))
        faces = UInt32Array(nonEmpty(buffers.faces), context: context)
        firstTriangle = UInt32Array(buffers.firstTriangle, context: context)
        shapeIndexTable = UInt32Array(shapeIndices.map(UInt32.init), context: context)
        flags = UInt32Array(entries.map { entry in
            (entry.mesh.normals != nil ? Self.hasNormalsBit : 0) | (entry.mesh.texcoords != nil ? Self.hasTexcoordsBit : 0)
                | (entry.mesh.flipsNormals ? Self.flipsBit : 0)
        }, context: context)
        anyFlips = entries.contains { $0.mesh.flipsNormals }

        guard !instances.isEmpty else {
            instanceFirstEntry = nil
            instanceMatrix = []
            instanceNormalMatrix = []
            return
        }
        var groupFirstEntry: [UInt32] = []
        var next = meshes.count + curves.count
        for group in groups {
            groupFirstEntry.append(UInt32(next))
            next += group.count
        }
        instanceFirstEntry = UInt32Array(instances.map { groupFirstEntry[$0.group] }, context: context)
        instanceMatrix = (0..<3).flatMap { row in
            (0..<4).map { column in FloatArray(instances.map { $0.toWorld.matrix[row, column] }, context: context) }
        }
        // The normal matrix is the inverse's transpose: its (row, column) is the inverse's (column, row).
        instanceNormalMatrix = (0..<3).flatMap { row in
            (0..<3).map { column in FloatArray(instances.map { $0.toWorld.inverse[column, row] }, context: context) }
        }
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
        shapeIndexTable.gather(entry(of: hit), mask: hit.isHit)
    }

    /// The index among the scene's instances of each hit's instance (UInt32.max outside instances).
    public func sceneInstance(of hit: EmbreeHit) -> UInt32Array {
        guard let sceneInstanceTable else { return hit.instance }
        let inside = hit.isHit & (hit.instance .!= UInt32.max)
        return select(inside, sceneInstanceTable.gather(hit.instance, mask: inside), hit.instance)
    }

    /// The buffer entry of each hit's mesh: its geometry id, offset by the instance's group where it is in one.
    private func entry(of hit: EmbreeHit) -> UInt32Array {
        guard let instanceFirstEntry else { return hit.geometry }
        let inInstance = hit.isHit & (hit.instance .!= UInt32.max)
        return select(inInstance, instanceFirstEntry.gather(hit.instance, mask: inInstance) + hit.geometry,
                      hit.geometry)
    }

    /// The surface at each hit, as Mitsuba's mesh computes it (`TriangleCorners.surface`, with each mesh's
    /// texture coordinates, normals and `flip_normals`). In an instance, p, dp/du and dp/dv go through the
    /// instance's transform, the normals through its normal matrix (normalised), and the frame is rebuilt. Values
    /// on lanes that missed are unspecified.
    public func surface(of hit: EmbreeHit) -> SurfaceGeometry {
        triangleSurface(of: hit, lanes: hit.isHit)
    }

    /// `surface(of:)` on the lanes `lanes`, which must be triangle hits.
    func triangleSurface(of hit: EmbreeHit, lanes: BoolArray) -> SurfaceGeometry {
        let entry = entry(of: hit)
        let triangle = firstTriangle.gather(entry, mask: lanes) + hit.primitive
        let corner = triangle * UInt32(3)
        let i0 = faces.gather(corner, mask: lanes)
        let i1 = faces.gather(corner + UInt32(1), mask: lanes)
        let i2 = faces.gather(corner + UInt32(2), mask: lanes)
        let p0 = positions.gather(i0, mask: lanes), p1 = positions.gather(i1, mask: lanes)
        let p2 = positions.gather(i2, mask: lanes)
        let meshFlags = flags.gather(entry, mask: lanes)
        var corners = TriangleCorners(p0: p0, p1: p1, p2: p2)
        if let texcoords {
            let textured = lanes & ((meshFlags & Self.hasTexcoordsBit) .!= 0)
            corners.texcoords = (gather(texcoords, i0, textured), gather(texcoords, i1, textured),
                                 gather(texcoords, i2, textured), textured)
        }
        if let normals {
            let smooth = lanes & ((meshFlags & Self.hasNormalsBit) .!= 0)
            corners.normals = (normals.gather(i0, mask: smooth), normals.gather(i1, mask: smooth),
                               normals.gather(i2, mask: smooth), smooth)
        }
        var surface = corners.surface(b1: hit.u, b2: hit.v,
                                      flips: anyFlips ? (meshFlags & Self.flipsBit) .!= 0 : nil)
        if instanceFirstEntry != nil {
            let inInstance = lanes & (hit.instance .!= UInt32.max)
            surface = select(inInstance, toWorld(surface, instance: hit.instance, mask: inInstance), surface)
        }
        return surface
    }

    /// A group-space surface in world space, through each lane's instance.
    private func toWorld(_ local: SurfaceGeometry, instance: UInt32Array, mask: BoolArray) -> SurfaceGeometry {
        let m = instanceMatrix.map { $0.gather(instance, mask: mask) }
        let nm = instanceNormalMatrix.map { $0.gather(instance, mask: mask) }
        func linear(_ v: Vector3Array) -> Vector3Array {
            Vector3Array(x: fma(m[0], v.x, fma(m[1], v.y, m[2] * v.z)), y: fma(m[4], v.x, fma(m[5], v.y, m[6] * v.z)),
                         z: fma(m[8], v.x, fma(m[9], v.y, m[10] * v.z)))
        }
        func normal(_ v: Vector3Array) -> Vector3Array {
            Vector3Array(x: fma(nm[0], v.x, fma(nm[1], v.y, nm[2] * v.z)), y: fma(nm[3], v.x, fma(nm[4], v.y, nm[5] * v.z)),
                         z: fma(nm[6], v.x, fma(nm[7], v.y, nm[8] * v.z))).normalized()
        }
        let p = linear(local.p) + Vector3Array(x: m[3], y: m[7], z: m[11])
        let dpdu = linear(local.dpdu)
        let shadingNormal = normal(local.frame.n)
        return SurfaceGeometry(p: p, n: normal(local.n), frame: Frame(normal: shadingNormal, dpdu: dpdu), uv: local.uv,
                               dpdu: dpdu, dpdv: linear(local.dpdv))
    }

    private func gather(_ values: Point2Array, _ index: UInt32Array, _ mask: BoolArray) -> Point2Array {
        Point2Array(x: values.x.gather(index, mask: mask), y: values.y.gather(index, mask: mask))
    }
}
