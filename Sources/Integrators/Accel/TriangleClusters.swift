// A small scene's triangles in runs of 16 with boxes: what its ray queries test in place of Embree's BVH.
import CEmbree

/// The triangles of a small scene (no instances, no curves) split by the surface-area heuristic into clusters of
/// at most 16, each with a box and its triangles in structure-of-arrays form, and groups of clusters with boxes
/// of their own. A packet of rays is tested against the boxes in depth-first order, passing over a group none of
/// its lanes reaches; where many lanes reach a cluster, each triangle is tested against the packet, and where few
/// do, each of those lanes against all 16 triangles at once (`embree_clusters_avx512.c`). For a few hundred
/// triangles that beats a BVH, whose per-ray traversal costs more than the triangles it skips.
final class TriangleClusters: @unchecked Sendable {
    // Sendable: immutable after init; the C queries only read it.

    /// The most triangles in one cluster: one vector of them, for a ray tested against all at once.
    static let clusterSize = 16

    let triangleCount: Int
    private let triangles: UnsafeMutableBufferPointer<RefractClusterTriangles>
    private let clusters: UnsafeMutableBufferPointer<RefractTriangleCluster>
    /// The clusters in depth-first order with the groups worth a box test of their own (see `nodes(of:clusters:)`).
    private let nodes: UnsafeMutableBufferPointer<RefractClusterNode>
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
        let tree = Self.partition(flat)
        let runs = tree?.runs ?? []
        triangleCount = flat.count
        let clusterCount = runs.count
        let triangles = UnsafeMutableBufferPointer<RefractClusterTriangles>.allocate(capacity: max(clusterCount, 1))
        let clusters = UnsafeMutableBufferPointer<RefractTriangleCluster>.allocate(capacity: max(clusterCount, 1))
        for (c, members) in runs.enumerated() {
            let run = ArraySlice(members.map { flat[$0] })
            triangles[c] = Self.block(of: run)
            clusters[c] = Self.cluster(of: run)
        }
        self.triangles = triangles
        self.clusters = clusters
        let nodeList = tree.map { Self.nodes(of: $0, clusters: UnsafeBufferPointer(clusters)) } ?? []
        nodes = .allocate(capacity: max(nodeList.count, 1))
        _ = nodes.initialize(from: nodeList)
        scene = .allocate(capacity: 1)
        scene.initialize(to: RefractTriangleClusters(clusters: clusters.baseAddress, triangles: triangles.baseAddress,
                                                     clusterCount: UInt32(clusterCount),
                                                     nodeCount: UInt32(nodeList.count), nodes: nodes.baseAddress))
    }

    deinit {
        triangles.deallocate()
        clusters.deallocate()
        nodes.deallocate()
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

    /// Half the surface area of a box (what the heuristic and the groups compare); 0 for an empty one.
    private static func surfaceArea(_ lower: SIMD3<Float>, _ upper: SIMD3<Float>) -> Float {
        let d = pointwiseMax(upper - lower, .zero)
        return d.x * d.y + d.y * d.z + d.z * d.x
    }

    /// How the surface-area heuristic split the triangles: a run of at most `clusterSize` (their indices), or two
    /// parts. Its runs, left to right, are the clusters.
    private indirect enum Split {
        case run([Int])
        case pair(Split, Split)

        var runs: [[Int]] {
            switch self {
            case .run(let members): return [members]
            case .pair(let near, let far): return near.runs + far.runs
            }
        }
    }

    /// A group's box area over its parent's above which it gets no node: a packet that reaches the parent would
    /// nearly always reach it too, so its test would rarely save the tests of its members.
    /// Measured (forward, 256x256 spp 64, Zen 4): 0.25-0.5 alike, 0.7 and 0.85 1-3% slower, groups for every split
    /// 3% slower than that.
    static let groupAreaRatio: Float = 0.5

    /// The tree's nodes in depth-first order: each cluster's box, and a group node for every split below the root
    /// whose box is at most `groupAreaRatio` of the nearest enclosing group's (or the whole scene's) in area. A
    /// group's box is the union of its clusters' (enlarged) boxes, so a ray that misses it misses each of theirs in
    /// float arithmetic too (the slab test is monotone in the planes): passing over it changes no answer.
    private static func nodes(of tree: Split, clusters: UnsafeBufferPointer<RefractTriangleCluster>)
        -> [RefractClusterNode] {
        var nodes: [RefractClusterNode] = []
        var next = 0  // the next cluster, in the order of the runs
        // The box of `split`'s clusters, the first of which is cluster `first`.
        func box(of split: Split, from first: Int) -> (lower: SIMD3<Float>, upper: SIMD3<Float>) {
            var lower = SIMD3<Float>(repeating: .infinity), upper = -lower
            for c in first..<first + split.runs.count {
                lower = pointwiseMin(lower, SIMD3(clusters[c].lower.0, clusters[c].lower.1, clusters[c].lower.2))
                upper = pointwiseMax(upper, SIMD3(clusters[c].upper.0, clusters[c].upper.1, clusters[c].upper.2))
            }
            return (lower, upper)
        }
        func emit(_ split: Split, enclosingArea: Float, isRoot: Bool) {
            switch split {
            case .run:
                let c = clusters[next]
                nodes.append(RefractClusterNode(lower: c.lower, upper: c.upper, cluster: UInt32(next),
                                                skip: UInt32(nodes.count + 1)))
                next += 1
            case .pair(let near, let far):
                let (lower, upper) = box(of: split, from: next)
                let groupArea = surfaceArea(lower, upper)
                guard !isRoot, groupArea <= groupAreaRatio * enclosingArea else {
                    let enclosing = isRoot ? groupArea : enclosingArea
                    emit(near, enclosingArea: enclosing, isRoot: false)
                    emit(far, enclosingArea: enclosing, isRoot: false)
                    return
                }
                let index = nodes.count
                nodes.append(RefractClusterNode(lower: (lower.x, lower.y, lower.z), upper: (upper.x, upper.y, upper.z),
                                                cluster: REFRACT_CLUSTER_GROUP, skip: 0))
                emit(near, enclosingArea: groupArea, isRoot: false)
                emit(far, enclosingArea: groupArea, isRoot: false)
                nodes[index].skip = UInt32(nodes.count)
            }
        }
        emit(tree, enclosingArea: .infinity, isRoot: true)
        return nodes
    }

    /// The triangles' indices split in two where the surface-area heuristic says (the order and the place in it
    /// that minimise each side's box area times its triangle count), and each side again until it fits in a
    /// cluster. The orders: the centroids along each axis, and the triangles' own box areas, largest first. Why not
    /// runs of a Morton order: in a room, a run mixes a wall with the objects near it, so its box spans the room and
    /// every ray tests its triangles; split by area, the objects get boxes of their own that most rays miss. Why the
    /// order by size: in a closed room the walls lie on both sides of the objects along every axis, so no centroid
    /// order separates them, and the walls' clusters took the objects' triangles with them (the Cornell box's two
    /// clusters of 16 both spanned the room); largest first, the walls split off whole and the objects are split
    /// among themselves.
    private static func partition(_ triangles: [Triangle]) -> Split? {
        let centroids = triangles.map { $0.vertices.reduce(.zero, +) / 3 }
        let boxes = triangles.map(\.bounds)
        let sizes = boxes.map { surfaceArea($0.lower, $0.upper) }
        func split(_ part: [Int]) -> Split {
            guard part.count > clusterSize else { return .run(part) }
            var best: (cost: Float, order: [Int], split: Int)?
            let orders = (0..<3).map { axis in part.sorted { (centroids[$0][axis], $0) < (centroids[$1][axis], $1) } }
                + [part.sorted { (sizes[$0], $1) > (sizes[$1], $0) }]
            for order in orders {
                // suffix[k]: the area of the box of order[k...].
                var suffix = [Float](repeating: 0, count: order.count + 1)
                var lower = SIMD3<Float>(repeating: .infinity), upper = -lower
                for k in order.indices.reversed() {
                    lower = pointwiseMin(lower, boxes[order[k]].lower)
                    upper = pointwiseMax(upper, boxes[order[k]].upper)
                    suffix[k] = surfaceArea(lower, upper)
                }
                lower = SIMD3(repeating: .infinity)
                upper = -lower
                for k in 1..<order.count {
                    lower = pointwiseMin(lower, boxes[order[k - 1]].lower)
                    upper = pointwiseMax(upper, boxes[order[k - 1]].upper)
                    let cost = surfaceArea(lower, upper) * Float(k) + suffix[k] * Float(order.count - k)
                    // Equal costs (triangles without area) go to the most even split, not to runs of one.
                    let evenness = abs(2 * k - order.count)
                    if best == nil || cost < best!.cost
                        || (cost == best!.cost && evenness < abs(2 * best!.split - order.count)) {
                        best = (cost, order, k)
                    }
                }
            }
            let (_, order, at) = best!
            return .pair(split(Array(order[..<at])), split(Array(order[at...])))
        }
        return triangles.isEmpty ? nil : split(Array(triangles.indices))
    }
}
