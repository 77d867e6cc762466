// Embree ray throughput: rays traced from a kernel by native calls, against a plain C loop over the same rays.
import Foundation
import Integrators
import Tracer

enum EmbreeBenchmarks {
    static let rayCount = 1 << 20
    /// Quads per side of the height field: 708 x 708 x 2 = 1,002,528 triangles.
    static let gridSize = 708

    static func run(_ report: BenchmarkReport, filter: (String) -> Bool) {
        guard filter("embree_rays") else { return }
        guard EmbreeLibrary.isAvailable else {
            print("embree_rays_msps: skipped, Embree 3 is not installed (apt-get install libembree3-3)")
            return
        }
        rays(report)
    }

    /// A bumpy height field over [-1, 1]^2 (y up), of about a million triangles.
    static func heightField() -> TriangleMesh {
        let n = gridSize, side = n + 1
        var positions = [Float](repeating: 0, count: 3 * side * side)
        for row in 0..<side {
            for column in 0..<side {
                let x = Float(column) / Float(n) * 2 - 1, z = Float(row) / Float(n) * 2 - 1
                let y = 0.1 * sin(9 * x) * cos(7 * z) + 0.05 * sin(31 * x + 17 * z) + 0.02 * cos(83 * x * z)
                positions[3 * (row * side + column) ..< 3 * (row * side + column) + 3] = [x, y, z]
            }
        }
        var indices = [UInt32]()
        indices.reserveCapacity(6 * n * n)
        for row in 0..<n {
            for column in 0..<n {
                let a = UInt32(row * side + column), b = a + 1, c = a + UInt32(side), d = c + 1
                indices += [a, c, b, b, c, d]
            }
        }
        return TriangleMesh(name: "height field", positions: positions, indices: indices)
    }

    /// A 32-bit integer hash (lowbias32), so rays are computed in the kernel from their index alone.
    static func hash(_ x: UInt32Array) -> UInt32Array {
        var h = x ^ (x >> 16)
        h = h * 0x7FEB_352D
        h = h ^ (h >> 15)
        h = h * 0x846C_A68B
        return h ^ (h >> 16)
    }

    /// A uniform number in [0, 1) per lane, the `stream`-th of its index.
    static func uniform(_ index: UInt32Array, _ stream: UInt32) -> FloatArray {
        FloatArray(hash(index * 5 + stream) >> 8) * (1 / Float(1 << 24))
    }

    /// Incoherent rays, as a path tracer's bounces are: from random points above the field to random points on it.
    static func rays(count: Int) -> RayArray {
        let index = UInt32Array.arange(count)
        let origin = Vector3Array(x: uniform(index, 0) * 2 - 1, y: uniform(index, 1) * 0.5 + 0.3,
                                  z: uniform(index, 2) * 2 - 1)
        let target = Vector3Array(x: uniform(index, 3) * 2.2 - 1.1, y: FloatArray(repeating: 0),
                                  z: uniform(index, 4) * 2.2 - 1.1)
        return RayArray(origin: origin, direction: target - origin, maxT: FloatArray(repeating: .infinity))
    }

    /// `embree_rays_msps`: a kernel that computes 1M rays, intersects them (one native call per vector) and sums
    /// the distances of the hits; `embree_rays_c_msps`: the same rays, computed beforehand, traced by a C loop in
    /// packets of 16 on as many threads (no kernel, no Tracer); and their ratio.
    static func rays(_ report: BenchmarkReport) {
        let count = rayCount
        let buildStart = DispatchTime.now().uptimeNanoseconds
        let scene = try! EmbreeScene(meshes: [heightField()])
        let buildSeconds = Double(DispatchTime.now().uptimeNanoseconds - buildStart) / 1e9

        // The kernel: rays, query and reduction fused (the sums' results are read, so the kernel runs).
        var kernelHits: Float = 0
        func kernel() {
            let hit = scene.intersect(rays(count: count))
            let distance = select(hit.isHit, hit.t, FloatArray(repeating: 0)).sum()
            let hits = select(hit.isHit, FloatArray(repeating: 1), FloatArray(repeating: 0)).sum()
            eval(distance, hits)
            kernelHits = hits.first
        }

        // The baseline: the same rays in host buffers, traced from C in chunks over all cores.
        let ray = rays(count: count)
        let inputs = [ray.origin.x, ray.origin.y, ray.origin.z, ray.direction.x, ray.direction.y, ray.direction.z,
                      ray.maxT * FloatArray(repeating: 1, count: count)]
        eval(inputs)
        let rayBuffers = inputs.map { array -> UnsafeMutablePointer<Float> in
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: count)
            array.withUnsafeElements { buffer.initialize(from: $0.baseAddress!, count: count) }
            return buffer
        }
        let hitBuffers = (0..<6).map { _ in UnsafeMutableRawPointer.allocate(byteCount: 4 * count, alignment: 64) }
        defer {
            rayBuffers.forEach { $0.deallocate() }
            hitBuffers.forEach { $0.deallocate() }
        }
        let chunk = 16384
        func cLoop() {
            DispatchQueue.concurrentPerform(iterations: (count + chunk - 1) / chunk) { block in
                let range = block * chunk ..< min(count, (block + 1) * chunk)
                scene.intersectDirectly(rays: rayBuffers.map { UnsafePointer($0) }, hits: hitBuffers, range: range)
            }
        }

        // Alternating, best of five each after a warm-up (the kernel's first run compiles it).
        kernel()
        cLoop()
        var kernelBest = Double.infinity, cBest = Double.infinity
        for _ in 0..<5 {
            kernelBest = min(kernelBest, bestTime(repetitions: 1, warmUp: false, kernel))
            cBest = min(cBest, bestTime(repetitions: 1, warmUp: false, cLoop))
        }
        let geometry = hitBuffers[4].assumingMemoryBound(to: UInt32.self)
        let cHits = (0..<count).reduce(0) { $0 + (geometry[$1] != UInt32.max ? 1 : 0) }
        if Int(kernelHits) != cHits {
            print("embree_rays: the kernel found \(Int(kernelHits)) hits, the C loop \(cHits)")
        }
        let ours = Double(count) / kernelBest / 1e6, baseline = Double(count) / cBest / 1e6
        let triangles = "\(scene.triangleCount / 1000)K triangles"
        report.add("embree_rays_msps", ours, "Mray/s",
                   reference: "1M incoherent rays, \(triangles), rays and sum in the kernel")
        report.add("embree_rays_c_msps", baseline, "Mray/s", reference: "same rays, C loop of rtcIntersect16")
        report.add("embree_rays_vs_c", ours / baseline, "ratio", target: ">= 0.8",
                   reference: "hit rate \(String(format: "%.2f", Double(cHits) / Double(count)))")
        report.add("embree_build_s", buildSeconds, "s", reference: "\(triangles), high quality, one-time")
    }
}
