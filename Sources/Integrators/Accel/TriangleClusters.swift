// A small scene's triangles in runs of 16 with boxes: what its ray queries test in place of Embree's BVH.
import CEmbree

/// The triangles of a small scene (no instances, no curves) split by the surface-area heuristic into clusters of
/// at most 16, each with a box and its triangles in structure-of-arrays form. A packet of rays is
/// tested against every box; where many lanes reach one, each triangle is tested against the packet, and where few
/// do, each of those lanes against all 16 triangles at once (`embree_clusters_avx512.c`). For a few hundred
/// triangles that beats a BVH, whose per-ray traversal costs more than the triangles it skips.
final class TriangleClusters: @unchecked Sendable {
    // Sendable: immutable after init; the C queries only read it.

    /// The most triangles in one cluster: one vector of them, for a ray tested against all at once.
    static let clusterSize = 16

    let triangleCount: Int
    private let triangles: UnsafeMutableBufferPointer<RefractClusterTriangles>
    private let clusters: UnsafeMutableBufferPointer<RefractTriangleCluster>
    /// What query contexts point to.
    let scene: UnsafeMutablePointer<RefractTriangleClusters>

    /// One triangle as the builder handles it: v0, e1 = v0 - v1, e2 = v2 - v0, ng = e2 x e1, and its ids.
    private struct Triangle {
        var v0, e1, e2, ng: SIMD3<Float>
        var geometry, primitive: UInt32
        var vertices: [SIMD3<Float>] { [v0, v0 - e1, v0 + e2] }
        /// Its box, exactly.
        var bounds: (lower: SIMD3<Float>, upper: SIMD3<Float>) {
            let v1 = v0 - e1, v2 = v0 + e2
            return (pointwiseMin(pointwiseMin(v0, v1), v2), pointwiseMax(pointwiseMax(v0, v1), v2))
        }
    }

    /// The clusters of `meshes` (world space; geometry id = index in `meshes`, primitive id = triangle index).
    init(meshes: [TriangleMesh]) {
        var flat: [Triangle] = []
        flat.reserveCapacity(meshes.reduce(0) { $0 + $1.triangleCount })
        for (geometry, mesh) in meshes.enumerated() {
            for primitive in 0..<mesh.triangleCount {
                flat.append(Self.triangle(of: mesh, primitive: primitive, geometry: geometry))
            }
        }
        let runs = Self.partition(flat)
        triangleCount = flat.count
        let clusterCount = runs.count
        triangles = .allocate(capacity: max(clusterCount, 1))
        clusters = .allocate(capacity: max(clusterCount, 1))
        for (c, members) in runs.enumerated() {
            let run = ArraySlice(members.map { flat[$0] })
            triangles[c] = Self.block(of: run)
            clusters[c] = Self.cluster(of: run)
        }
        scene = .allocate(capacity: 1)
        scene.initialize(to: RefractTriangleClusters(clusters: clusters.baseAddress, triangles: triangles.baseAddress,
                                                     clusterCount: UInt32(clusterCount)))
    }

    deinit {
        triangles.deallocate()
        clusters.deallocate()
        scene.deallocate()
    }

    private static func triangle(of mesh: TriangleMesh, primitive: Int, geometry: Int) -> Triangle {
        let p = mesh.positions, i = mesh.indices
        func vertex(_ corner: Int) -> SIMD3<Float> {
            let v = Int(i[3 * primitive + corner]) * 3
            return SIMD3(p[v], p[v + 1], p[v + 2])
        }
        let v0 = vertex(0), v1 = vertex(1), v2 = vertex(2)
        // Embree's form: the normal of v0, v1, v2 counter-clockwise, computed as Embree does.
        let e1 = v0 - v1, e2 = v2 - v0
        let ng = SIMD3(e2.y * e1.z - e2.z * e1.y, e2.z * e1.x - e2.x * e1.z, e2.x * e1.y - e2.y * e1.x)
        return Triangle(v0: v0, e1: e1, e2: e2, ng: ng, geometry: UInt32(geometry), primitive: UInt32(primitive))
    }

    /// A run of at most 16 triangles in structure-of-arrays form; slots past the run keep ng = 0 (never hit).
    private static func block(of run: ArraySlice<Triangle>) -> RefractClusterTriangles {
        var block = RefractClusterTriangles()  // zeroed
        withUnsafeMutableBytes(of: &block) { bytes in
            let floats = bytes.bindMemory(to: Float.self), words = bytes.bindMemory(to: UInt32.self)
            for (slot, t) in run.enumerated() {
                for (field, vector) in [t.v0, t.e1, t.e2, t.ng].enumerated() {
                    for axis in 0..<3 { floats[(3 * field + axis) * 16 + slot] = vector[axis] }
                }
                words[12 * 16 + slot] = t.geometry
                words[13 * 16 + slot] = t.primitive
            }
        }
        return block
    }

    /// The box of a run of triangles, enlarged by a little more than the rounding of the box test: it only culls.
    private static func cluster(of run: ArraySlice<Triangle>) -> RefractTriangleCluster {
        var lower = SIMD3<Float>(repeating: .infinity), upper = SIMD3<Float>(repeating: -.infinity)
        for triangle in run {
            lower = pointwiseMin(lower, triangle.bounds.lower)
            upper = pointwiseMax(upper, triangle.bounds.upper)
        }
        let margin = pointwiseMax(pointwiseMax(lower, -lower), pointwiseMax(upper, -upper)).max() * 0x1p-16
            + .leastNormalMagnitude
        lower -= SIMD3(repeating: margin)
        upper += SIMD3(repeating: margin)
        return RefractTriangleCluster(lower: (lower.x, lower.y, lower.z), upper: (upper.x, upper.y, upper.z),
                                      count: UInt32(run.count), unused: 0)
    }

    /// The triangles' indices in runs of at most `clusterSize` with small boxes: the set is split in two where the
    /// surface-area heuristic says (along the axis and at the place, in centroid order, that minimise each side's
    /// box area times its triangle count), and each side again until it fits in a cluster. Why not runs of a Morton
    /// order: in a room, a run mixes a wall with the objects near it, so its box spans the room and every ray tests
    /// its triangles; split by area, the objects get boxes of their own that most rays miss.
    private static func partition(_ triangles: [Triangle]) -> [[Int]] {
        let centroids = triangles.map { $0.vertices.reduce(.zero, +) / 3 }
        let boxes = triangles.map(\.bounds)
        func area(_ lower: SIMD3<Float>, _ upper: SIMD3<Float>) -> Float {
            let d = pointwiseMax(upper - lower, .zero)
            return d.x * d.y + d.y * d.z + d.z * d.x
        }
        var runs: [[Int]] = []
        var pending: [[Int]] = triangles.isEmpty ? [] : [Array(triangles.indices)]
        while let part = pending.popLast() {
            guard part.count > clusterSize else {
                runs.append(part)
                continue
            }
            var best: (cost: Float, order: [Int], split: Int)?
            for axis in 0..<3 {
                let order = part.sorted { (centroids[$0][axis], $0) < (centroids[$1][axis], $1) }
                // suffix[k]: the area of the box of order[k...].
                var suffix = [Float](repeating: 0, count: order.count + 1)
                var lower = SIMD3<Float>(repeating: .infinity), upper = -lower
                for k in order.indices.reversed() {
                    lower = pointwiseMin(lower, boxes[order[k]].lower)
                    upper = pointwiseMax(upper, boxes[order[k]].upper)
                    suffix[k] = area(lower, upper)
                }
                lower = SIMD3(repeating: .infinity)
                upper = -lower
                for k in 1..<order.count {
                    lower = pointwiseMin(lower, boxes[order[k - 1]].lower)
                    upper = pointwiseMax(upper, boxes[order[k - 1]].upper)
                    let cost = area(lower, upper) * Float(k) + suffix[k] * Float(order.count - k)
                    // Equal costs (triangles without area) go to the most even split, not to runs of one.
                    let evenness = abs(2 * k - order.count)
                    if best == nil || cost < best!.cost
                        || (cost == best!.cost && evenness < abs(2 * best!.split - order.count)) {
                        best = (cost, order, k)
                    }
                }
            }
            let (_, order, split) = best!
            // The far side first onto the stack, so that runs come out in the order of the splits.
            pending.append(Array(order[split...]))
            pending.append(Array(order[..<split]))
        }
        return runs
    }
}
