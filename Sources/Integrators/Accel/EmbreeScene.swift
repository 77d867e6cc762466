// An Embree 3 scene (BVH) over triangle meshes, curves and instances of mesh groups, built once, queried from kernels.
import CEmbree
import Foundation
import Tracer

/// The acceleration structure of a scene's triangle meshes: an Embree 3 scene built once (`buildQuality`: high, as
/// Mitsuba 3 builds its own, up to a million triangles by default), whose ray queries (`intersect`, `isOccluded`) run inside kernels as native calls.
///
/// Top-level meshes are in world space; their geometry ids are their indices in `meshes`. Curve shapes (Mitsuba's
/// `linearcurve` and `bsplinecurve`, Embree's round curves) follow them: curve set c has id `meshCount + c`. Each
/// group is a child scene of its own meshes (ids: indices within the group), and each instance places one group
/// with a transform, Mitsuba's `shapegroup` and `instance`.
///
/// The scene owns copies of the mesh data. A pending query keeps it alive (the native call holds it) until the
/// query has run, so a scene may be released while results that depend on it are still to be evaluated.
public final class EmbreeScene: @unchecked Sendable {
    // Sendable: Embree scenes are immutable once committed and their queries thread-safe; the only mutable state,
    // the query contexts by width, is behind `lock`.

    /// The most triangles of a scene whose queries test clusters instead of Embree's BVH (see `TriangleClusters`),
    /// for kernels of `vectorWidth` lanes: 8,192 at W = 16 (AVX-512, where clusters are also tested ray-major), 512
    /// elsewhere (packet-major only). Each is below the crossover with Embree measured for its queries
    /// (ARCHITECTURE.md, "Small scenes without a BVH").
    public static func defaultClusterLimit(vectorWidth: Int) -> Int {
        vectorWidth == 16 ? 8_192 : 512
    }

    /// The number of top-level meshes (their geometry ids are 0..<meshCount).
    public let meshCount: Int
    /// The number of curve shapes (geometry ids meshCount..<meshCount + curveCount).
    public let curveCount: Int
    /// The number of meshes in each group.
    public let groupMeshCounts: [Int]
    /// The number of instances.
    public let instanceCount: Int
    /// The total number of triangles, counting each instance's group once per instance.
    public let triangleCount: Int
    /// The quality the BVH was built at: `high` or `medium` (`automatic` resolved by the triangles built).
    public let buildQuality: EmbreeBuildQuality

    let library: EmbreeLibrary
    let scene: RTCScene
    /// The same triangles in clusters, which queries of the widths that `refract_triangle_clusters_supported`
    /// test instead of calling Embree; nil when the scene has curves or instances or more than `clusterLimit`
    /// triangles.
    let clusters: TriangleClusters?
    /// The groups' child scenes, released after `scene` (whose instances reference them).
    private let groupScenes: [RTCScene]
    private let lock = NSLock()
    /// The contexts handed to native calls, one per kernel vector width; freed in deinit.
    private var queries: [Int: UnsafeMutablePointer<RefractEmbreeQuery>] = [:]

    /// Builds the scene. `meshes` are in world space; `groups` are lists of meshes in their own space, placed by
    /// `instances` (each names a group and its object-to-world transform, which must be affine and invertible).
    /// `vectorWidth` is the vector width of the kernels expected to query the scene (the current trace context's
    /// by default); kernels of other widths, the scalar backend's included, work as well. `quality` is resolved by
    /// the triangles built (each group's once) and the `expectedSamples` of the render, when known. A scene of
    /// meshes alone with at most `clusterLimit` triangles (nil: `defaultClusterLimit(vectorWidth:)`) is also cut
    /// into `TriangleClusters`, which its queries test instead of Embree's BVH where the CPU has the vector code
    /// for their width (0: never). Throws `EmbreeError` when an input is invalid (checked before Embree is loaded)
    /// or Embree is not installed.
    public init(meshes: [TriangleMesh], curves: [CurveSet] = [], groups: [[TriangleMesh]] = [],
                instances: [(group: Int, toWorld: Transform4)] = [],
                vectorWidth: Int = TraceContext.current.vectorWidth,
                quality: EmbreeBuildQuality = .automatic, expectedSamples: Int? = nil,
                clusterLimit: Int? = nil) throws {
        // Phase 1: every input checked, so that a bad file is reported whether or not Embree is installed.
        for (index, mesh) in meshes.enumerated() { try Self.validate(mesh, location: "meshes[\(index)]") }
        for (index, curve) in curves.enumerated() { try Self.validate(curve, location: "curves[\(index)]") }
        for (group, members) in groups.enumerated() {
            for (index, mesh) in members.enumerated() { try Self.validate(mesh, location: "groups[\(group)][\(index)]") }
        }
        try Self.validate(instances: instances, groupCount: groups.count)
        precondition((1...Int(REFRACT_EMBREE_MAX_WIDTH)).contains(vectorWidth),
                     "EmbreeScene: vector width \(vectorWidth) is not in 1...\(REFRACT_EMBREE_MAX_WIDTH)")
        let library = try EmbreeLibrary.shared()
        let api = library.api, device = library.device
        let built = (meshes + groups.joined()).reduce(0) { $0 + $1.triangleCount }
        let quality = quality.resolved(triangleCount: built, samples: expectedSamples)

        // Phase 2: the groups' scenes, then the top-level scene. Whatever is made is released if a step throws.
        var made: [RTCScene] = []
        var succeeded = false
        defer { if !succeeded { for scene in made.reversed() { api.releaseScene(scene) } } }
        func newScene() throws -> RTCScene {
            guard let scene = api.newScene(device) else {
                try library.check("create a scene")
                throw EmbreeError.embreeFailure(operation: "create a scene", code: -1, message: "")
            }
            made.append(scene)
            // Mitsuba sets high quality on its top-level scene; its groups keep the default (medium). Groups are
            // traced as often as the top level, so they get the top level's quality: the build cost is paid once.
            api.setSceneBuildQuality(scene, quality.embreeQuality)
            api.setSceneFlags(scene, RTC_SCENE_FLAG_NONE)
            return scene
        }
        var groupScenes: [RTCScene] = []
        for (group, members) in groups.enumerated() {
            let child = try newScene()
            for (index, mesh) in members.enumerated() {
                try Self.attach(mesh, to: child, expectedID: index, library: library,
                                location: "groups[\(group)][\(index)]")
            }
            api.commitScene(child)
            try library.check("build the BVH of groups[\(group)]")
            groupScenes.append(child)
        }
        let scene = try newScene()
        for (index, mesh) in meshes.enumerated() {
            try Self.attach(mesh, to: scene, expectedID: index, library: library, location: "meshes[\(index)]")
        }
        for (index, curve) in curves.enumerated() {
            try Self.attach(curve, to: scene, expectedID: meshes.count + index, library: library,
                            location: "curves[\(index)]")
        }
        for (index, instance) in instances.enumerated() {
            try Self.attach(instance: groupScenes[instance.group], toWorld: instance.toWorld, to: scene,
                            expectedID: meshes.count + curves.count + index, library: library, index: index)
        }
        api.commitScene(scene)
        try library.check("build the BVH of the scene")
        succeeded = true

        self.library = library
        self.scene = scene
        self.groupScenes = groupScenes
        meshCount = meshes.count
        curveCount = curves.count
        groupMeshCounts = groups.map(\.count)
        instanceCount = instances.count
        buildQuality = quality
        let limit = clusterLimit ?? Self.defaultClusterLimit(vectorWidth: vectorWidth)
        clusters = curves.isEmpty && instances.isEmpty && built <= limit ? TriangleClusters(meshes: meshes) : nil
        triangleCount = meshes.reduce(0) { $0 + $1.triangleCount }
            + instances.reduce(0) { total, instance in
                total + groups[instance.group].reduce(0) { $0 + $1.triangleCount }
            }
        _ = query(width: vectorWidth)
    }

    deinit {
        for query in queries.values { query.deallocate() }
        library.api.releaseScene(scene)
        for child in groupScenes { library.api.releaseScene(child) }
    }

    /// The bounding box of everything in the scene (instances included), as Embree computed it.
    public var bounds: (lower: Vector3f, upper: Vector3f) {
        var box = RTCBounds()
        library.api.getSceneBounds(scene, &box)
        return (Vector3f(box.lower_x, box.lower_y, box.lower_z), Vector3f(box.upper_x, box.upper_y, box.upper_z))
    }

    /// The native-call context for kernels of `width` lanes, made on first use.
    func query(width: Int) -> UnsafeMutablePointer<RefractEmbreeQuery> {
        precondition((1...Int(REFRACT_EMBREE_MAX_WIDTH)).contains(width),
                     "EmbreeScene: vector width \(width) is not in 1...\(REFRACT_EMBREE_MAX_WIDTH)")
        return lock.withLock {
            if let query = queries[width] { return query }
            let api = library.api
            let query = UnsafeMutablePointer<RefractEmbreeQuery>.allocate(capacity: 1)
            query.initialize(to: RefractEmbreeQuery(
                scene: scene, width: UInt32(width), instanceBase: UInt32(meshCount + curveCount),
                intersect1: api.intersect1, intersect4: api.intersect4, intersect8: api.intersect8,
                intersect16: api.intersect16, occluded1: api.occluded1, occluded4: api.occluded4,
                occluded8: api.occluded8, occluded16: api.occluded16,
                clusters: refract_triangle_clusters_supported(UInt32(width)) != 0 ? clusters?.scene : nil))
            queries[width] = query
            return query
        }
    }

    /// Attaches `mesh` as a triangle geometry whose id must come out as `expectedID`. The data is copied into
    /// buffers Embree allocates (padded as its vector loads need), so the scene does not depend on the mesh's life.
    private static func attach(_ mesh: TriangleMesh, to scene: RTCScene, expectedID: Int, library: EmbreeLibrary,
                               location: String) throws {
        let api = library.api
        guard let geometry = api.newGeometry(library.device, RTC_GEOMETRY_TYPE_TRIANGLE) else {
            try library.check("create the geometry of \(location)")
            throw EmbreeError.embreeFailure(operation: "create the geometry of \(location)", code: -1, message: "")
        }
        defer { api.releaseGeometry(geometry) }  // the scene holds its own reference once attached
        guard let vertices = api.setNewGeometryBuffer(geometry, RTC_BUFFER_TYPE_VERTEX, 0, RTC_FORMAT_FLOAT3,
                                                      12, mesh.vertexCount),
              let indices = api.setNewGeometryBuffer(geometry, RTC_BUFFER_TYPE_INDEX, 0, RTC_FORMAT_UINT3,
                                                     12, mesh.triangleCount) else {
            try library.check("allocate the buffers of \(location) (\(mesh.name))")
            throw EmbreeError.embreeFailure(operation: "allocate the buffers of \(location)", code: -1, message: "")
        }
        mesh.positions.withUnsafeBytes { vertices.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        mesh.indices.withUnsafeBytes { indices.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        try commit(geometry, into: scene, expectedID: expectedID, library: library, location: location,
                   name: mesh.name)
    }

    /// Attaches `curve` as a round linear or B-spline curve geometry (as Mitsuba's Embree scene does: float4
    /// control points x, y, z, radius and one index per segment, its first control point) whose id
    /// must come out as `expectedID`. The data is copied into buffers Embree allocates.
    private static func attach(_ curve: CurveSet, to scene: RTCScene, expectedID: Int, library: EmbreeLibrary,
                               location: String) throws {
        let api = library.api
        let type = curve.basis == .linear ? RTC_GEOMETRY_TYPE_ROUND_LINEAR_CURVE : RTC_GEOMETRY_TYPE_ROUND_BSPLINE_CURVE
        guard let geometry = api.newGeometry(library.device, type) else {
            try library.check("create the geometry of \(location)")
            throw EmbreeError.embreeFailure(operation: "create the geometry of \(location)", code: -1, message: "")
        }
        defer { api.releaseGeometry(geometry) }
        guard let points = api.setNewGeometryBuffer(geometry, RTC_BUFFER_TYPE_VERTEX, 0, RTC_FORMAT_FLOAT4, 16,
                                                    curve.controlPointCount),
              let indices = api.setNewGeometryBuffer(geometry, RTC_BUFFER_TYPE_INDEX, 0, RTC_FORMAT_UINT, 4,
                                                     curve.segmentCount) else {
            try library.check("allocate the buffers of \(location) (\(curve.name))")
            throw EmbreeError.embreeFailure(operation: "allocate the buffers of \(location)", code: -1, message: "")
        }
        curve.controlPoints.withUnsafeBytes { points.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        curve.segmentIndices.withUnsafeBytes { indices.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        // Back-face hits rejected during traversal, so a ray from inside a tube finds what lies beyond it
        // (`embree_curve_filter.c` says why).
        api.setGeometryIntersectFilterFunction(geometry, refract_embree_cull_back_faces)
        api.setGeometryOccludedFilterFunction(geometry, refract_embree_cull_back_faces)
        try commit(geometry, into: scene, expectedID: expectedID, library: library, location: location,
                   name: curve.name)
    }

    /// Attaches an instance of `group` placed by `toWorld`, whose geometry id must come out as `expectedID`.
    private static func attach(instance group: RTCScene, toWorld: Transform4, to scene: RTCScene, expectedID: Int,
                               library: EmbreeLibrary, index: Int) throws {
        let api = library.api
        guard let geometry = api.newGeometry(library.device, RTC_GEOMETRY_TYPE_INSTANCE) else {
            try library.check("create instances[\(index)]")
            throw EmbreeError.embreeFailure(operation: "create instances[\(index)]", code: -1, message: "")
        }
        defer { api.releaseGeometry(geometry) }
        api.setGeometryInstancedScene(geometry, group)
        // RTC_FORMAT_FLOAT3X4_COLUMN_MAJOR: the top three rows of the 4x4 matrix, column after column.
        var columns = [Float](repeating: 0, count: 12)
        for column in 0..<4 {
            for row in 0..<3 { columns[column * 3 + row] = toWorld.matrix[row, column] }
        }
        api.setGeometryTransform(geometry, 0, RTC_FORMAT_FLOAT3X4_COLUMN_MAJOR, columns)
        try commit(geometry, into: scene, expectedID: expectedID, library: library, location: "instances[\(index)]",
                   name: nil)
    }

    /// Commits `geometry` and attaches it to `scene`, checking that its id comes out as `expectedID` (the ids the
    /// hit records name). `location` and `name` name it in errors.
    private static func commit(_ geometry: RTCGeometry, into scene: RTCScene, expectedID: Int, library: EmbreeLibrary,
                               location: String, name: String?) throws {
        let api = library.api
        api.commitGeometry(geometry)
        let id = api.attachGeometry(scene, geometry)
        try library.check("add \(location)\(name.map { " (\($0))" } ?? "") to the scene")
        guard id == UInt32(expectedID) else {
            throw EmbreeError.embreeFailure(operation: "add \(location) to the scene", code: -1,
                                            message: "it got geometry id \(id), not \(expectedID)")
        }
    }
}
