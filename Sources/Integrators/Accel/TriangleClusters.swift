// A small scene's triangles in runs of 16 with boxes: what its ray queries test in place of Embree's BVH.
import CEmbree

/// The triangles of a small scene (no instances, no curves) sorted along a Morton curve of their centroids and cut
/// into clusters of at most 16, each with a box. A packet of rays is tested against every box and, where some
/// lane reaches one, against its triangles, 16 rays at a time (`embree_clusters_avx512.c`). For a few hundred
/// triangles that beats a BVH, whose per-ray traversal costs more than the triangles it skips.
final class TriangleClusters: @unchecked Sendable {
    // Sendable: immutable after init; the C queries only read it.

    /// The most triangles in one cluster: one packet's lanes, one triangle at a time.
    static let clusterSize = 16

    let triangleCount: Int
    private let triangles: UnsafeMutableBufferPointer<RefractTriangle>
    private let clusters: UnsafeMutableBufferPointer<RefractTriangleCluster>
    /// What query contexts point to.
    let scene: UnsafeMutablePointer<RefractTriangleClusters>

    /// The clusters of `meshes` (world space; geometry id = index in `meshes`, primitive id = triangle index).
    init(meshes: [TriangleMesh]) {
        var flat: [RefractTriangle] = []
        flat.reserveCapacity(meshes.reduce(0) { $0 + $1.triangleCount })
        for (geometry, mesh) in meshes.enumerated() {
            for primitive in 0..<mesh.triangleCount {
                flat.append(Self.triangle(of: mesh, primitive: primitive, geometry: geometry))
            }
        }
        let order = Self.mortonOrder(flat)
        triangleCount = flat.count
        triangles = .allocate(capacity: max(flat.count, 1))
        for (slot, index) in order.enumerated() { triangles[slot] = flat[index] }
        let clusterCount = (flat.count + Self.clusterSize - 1) / Self.clusterSize
        clusters = .allocate(capacity: max(clusterCount, 1))
        for c in 0..<clusterCount {
            let first = c * Self.clusterSize, count = min(Self.clusterSize, flat.count - first)
            clusters[c] = Self.cluster(of: UnsafeBufferPointer(rebasing: triangles[first..<first + count]),
                                       first: first)
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

    private static func triangle(of mesh: TriangleMesh, primitive: Int, geometry: Int) -> RefractTriangle {
        let p = mesh.positions, i = mesh.indices
        func vertex(_ corner: Int) -> (Float, Float, Float) {
            let v = Int(i[3 * primitive + corner]) * 3
            return (p[v], p[v + 1], p[v + 2])
        }
        let v0 = vertex(0), v1 = vertex(1), v2 = vertex(2)
        // Embree's form: e1 = v0 - v1, e2 = v2 - v0, ng = e2 x e1 (the normal of v0, v1, v2 counter-clockwise).
        let e1 = (v0.0 - v1.0, v0.1 - v1.1, v0.2 - v1.2), e2 = (v2.0 - v0.0, v2.1 - v0.1, v2.2 - v0.2)
        let ng = (e2.1 * e1.2 - e2.2 * e1.1, e2.2 * e1.0 - e2.0 * e1.2, e2.0 * e1.1 - e2.1 * e1.0)
        return RefractTriangle(v0: v0, e1: e1, e2: e2, ng: ng, geometry: UInt32(geometry),
                               primitive: UInt32(primitive), unused: (0, 0))
    }

    /// The box of a run of triangles, enlarged by a little more than the rounding of the box test: it only culls.
    private static func cluster(of run: UnsafeBufferPointer<RefractTriangle>, first: Int) -> RefractTriangleCluster {
        var lower = SIMD3<Float>(repeating: .infinity), upper = SIMD3<Float>(repeating: -.infinity)
        for t in run {
            let v0 = SIMD3(t.v0.0, t.v0.1, t.v0.2)
            let v1 = v0 - SIMD3(t.e1.0, t.e1.1, t.e1.2), v2 = v0 + SIMD3(t.e2.0, t.e2.1, t.e2.2)
            lower = pointwiseMin(lower, pointwiseMin(v0, pointwiseMin(v1, v2)))
            upper = pointwiseMax(upper, pointwiseMax(v0, pointwiseMax(v1, v2)))
        }
        let margin = pointwiseMax(pointwiseMax(lower, -lower), pointwiseMax(upper, -upper)).max() * 0x1p-16
            + .leastNormalMagnitude
        lower -= SIMD3(repeating: margin)
        upper += SIMD3(repeating: margin)
        return RefractTriangleCluster(lower: (lower.x, lower.y, lower.z), upper: (upper.x, upper.y, upper.z),
                                      first: UInt32(first), count: UInt32(run.count))
    }

    /// The triangles' indices sorted by the Morton code of their centroids in the scene's box (10 bits per axis),
    /// so that each run of 16 is compact in space.
    private static func mortonOrder(_ triangles: [RefractTriangle]) -> [Int] {
        let centroids = triangles.map { t -> SIMD3<Float> in
            let v0 = SIMD3(t.v0.0, t.v0.1, t.v0.2)
            return v0 + (SIMD3(t.e2.0, t.e2.1, t.e2.2) - SIMD3(t.e1.0, t.e1.1, t.e1.2)) / 3
        }
        guard let first = centroids.first else { return [] }
        let lower = centroids.reduce(first) { pointwiseMin($0, $1) }
        let upper = centroids.reduce(first) { pointwiseMax($0, $1) }
        // A flat scene has no extent along some axis: that axis's bits stay 0 (1023 / 0 would make 0 * inf).
        let extent = upper - lower
        let scale = SIMD3<Float>(repeating: 1023) / extent.replacing(with: .infinity, where: extent .<= 0)
        func spread(_ x: UInt32) -> UInt32 {  // 10 bits to every third of 30
            var x = x & 0x3FF
            x = (x | (x << 16)) & 0x0300_00FF
            x = (x | (x << 8)) & 0x0300_F00F
            x = (x | (x << 4)) & 0x030C_30C3
            x = (x | (x << 2)) & 0x0924_9249
            return x
        }
        let codes = centroids.map { c -> UInt32 in
            let q = pointwiseMin(((c - lower) * scale).rounded(.down), SIMD3(repeating: 1023))
            return spread(UInt32(q.x)) | spread(UInt32(q.y)) << 1 | spread(UInt32(q.z)) << 2
        }
        return codes.indices.sorted { (codes[$0], $0) < (codes[$1], $1) }
    }
}
