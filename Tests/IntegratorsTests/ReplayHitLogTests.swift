// The PRB replay's hit log: the adjoint reads back exactly what the primal replay's Embree queries returned, and
// gradients with the log equal those that trace again.
import Foundation
import Testing
import Tracer

@testable import Integrators
import Tutorial

@Suite("Replay hit log", .enabled(if: EmbreeLibrary.isAvailable, "needs Embree 3 (libembree3-3)"))
struct ReplayHitLogTests {
    static func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/MeshScene/\(name)")
    }

    /// Random rays from inside the Cornell fixture's box (some of them beyond its walls' reach, so some miss).
    static func rays(count: Int, seed: UInt64) -> RayArray {
        var random = EmbreeTestRandom(state: seed)
        let origins = (0..<count).map { _ in random.point(Vector3f(-0.9, 0.1, -0.9), Vector3f(0.9, 1.9, 0.9)) }
        let directions = (0..<count).map { _ in
            random.point(Vector3f(-1, -1, -1), Vector3f(1, 1, 1)).normalized
        }
        let reach = (0..<count).map { _ in random.uniform(0.2, 4) }
        return RayArray(origin: Vector3Array(origins), direction: Vector3Array(directions),
                        maxT: FloatArray(reach))
    }

    static func bits(_ hit: EmbreeHit) -> [[UInt32]] {
        [hit.t.values.map(\.bitPattern), hit.u.values.map(\.bitPattern), hit.v.values.map(\.bitPattern),
         hit.primitive.values, hit.geometry.values, hit.instance.values, hit.isHit.values.map { $0 ? 1 : 0 }]
    }

    @Test("a replay reads the recorded hits and shadow-ray answers, not Embree's answers for its own rays",
          arguments: Variant.allCases)
    func replayReadsTheLog(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let scene = try Scene(contentsOf: Self.fixture("cornell.xml"))
            let meshes = try #require(scene.meshes)
            let lanes = 40, first = 0
            let log = try #require(ReplayHitLog(scene: scene, laneCount: lanes))
            #expect(log.depthCapacity == 6 && log.coversEveryBounce)
            // Recorded at depth 2 by a loop of `lanes` lanes, some of them active.
            let depth = UInt32Array(repeating: 2, count: first + lanes)
            let active = BoolArray((0..<(first + lanes)).map { $0 % 2 == 0 || $0 % 3 == 0 })
            let recorded = Self.rays(count: first + lanes, seed: 11)
            let recording = log.bounce(.init(log: log, recording: true), depth: depth)
            let hit = recording.intersect(meshes, recorded, active: active)
            let blocked = recording.isOccluded(meshes, recorded, active: active)
            let expected = Self.bits(hit).map { Array($0[first...]) }
            let expectedBlocked = Array(blocked.values[first...])
            #expect(expected[6].contains(1) && expected[6].contains(0), "some rays hit, some miss")
            #expect(expectedBlocked.contains(true) && expectedBlocked.contains(false))

            // Replayed by a loop of `lanes` lanes from lane 0, with other rays: the answers are the recorded ones.
            let laneActive = BoolArray(Array(active.values[first...]))
            let replaying = log.bounce(.init(log: log, recording: false),
                                       depth: UInt32Array(repeating: 2, count: lanes))
            let other = Self.rays(count: lanes, seed: 99)
            #expect(Self.bits(meshes.intersect(other, active: laneActive)) != expected, "other rays, other hits")
            #expect(Self.bits(replaying.intersect(meshes, other, active: laneActive)) == expected)
            #expect(replaying.isOccluded(meshes, other, active: laneActive).values == expectedBlocked)
            // Entries are read only where they were written (a new log is not filled): `sameGradients` checks that
            // PRB's adjoint never reads another, with logs poisoned.
        }
    }

    @Test("bounces past the capacity query Embree when replayed")
    func deepBouncesTraceAgain() throws {
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            var scene = try Scene(contentsOf: Self.fixture("cornell.xml"))
            scene.integrator.maxDepth = -1
            let meshes = try #require(scene.meshes)
            let log = try #require(ReplayHitLog(scene: scene, laneCount: 32))
            #expect(log.depthCapacity == ReplayHitLog.maximumDepthCapacity && !log.coversEveryBounce)
            let rays = Self.rays(count: 32, seed: 5)
            let deep = log.bounce(.init(log: log, recording: false),
                                  depth: UInt32Array(repeating: UInt32(ReplayHitLog.maximumDepthCapacity), count: 32))
            #expect(Self.bits(deep.intersect(meshes, rays, active: true)) == Self.bits(meshes.intersect(rays, active: true)))
            #expect(deep.isOccluded(meshes, rays, active: true).values == meshes.isOccluded(rays, active: true).values)
        }
    }

    @Test("geometry and primitive ids share a word with the shadow ray's answer where they fit, and come back")
    func idPacking() throws {
        let packing = try #require(ReplayHitLog.IdPacking(meshCount: 5, triangleCount: 1000))
        #expect(packing.primitiveBits == 10)
        // 30 bits together at most: the next bit's all-ones word means a miss, the top bit a blocked shadow ray.
        #expect(ReplayHitLog.IdPacking(meshCount: 1 << 15, triangleCount: 1 << 15) != nil)
        #expect(ReplayHitLog.IdPacking(meshCount: 1 << 15, triangleCount: (1 << 15) + 1) == nil)
        #expect(ReplayHitLog.IdPacking(meshCount: (1 << 15) + 1, triangleCount: 1 << 15) == nil)
        let geometry: [UInt32] = [0, 4, 4, .max, 2, 0]
        let primitive: [UInt32] = [0, 999, 0, .max, 517, 1]
        for variant in [Variant.llvm, .scalar] {
            try TraceContext.with(CompileOptions(variant: variant)) {
                let hitMask = BoolArray(geometry.map { $0 != .max })
                let hit = EmbreeHit(t: FloatArray(repeating: 1, count: 6), u: FloatArray(repeating: 0, count: 6),
                                    v: FloatArray(repeating: 0, count: 6), primitive: UInt32Array(primitive),
                                    geometry: UInt32Array(geometry),
                                    instance: UInt32Array(repeating: .max, count: 6), isHit: hitMask)
                let word = packing.word(hit)
                let expected: [UInt32] = [0, 4 << 10 | 999, 4 << 10, 0x7FFF_FFFF, 2 << 10 | 517, 1]
                #expect(word.values == expected, "\(variant)")
                // A blocked shadow ray's bit, a miss's included (the hit may have been another shape's).
                let blocked = [true, false, true, true, false, false]
                let marked = packing.word(word, blocked: BoolArray(blocked))
                #expect(packing.isBlocked(marked).values == blocked, "\(variant)")
                for words in [word, marked] {
                    let ids = packing.ids(words)
                    #expect(ids.geometry.values == geometry, "\(variant)")
                    #expect(ids.primitive.values == primitive, "\(variant)")
                }
            }
        }
    }

    @Test("scenes keep a log only where the adjoint can use one")
    func eligibility() throws {
        var scene = try Scene(contentsOf: Self.fixture("cornell.xml"))
        #expect(ReplayHitLog(scene: scene, laneCount: 8) != nil)
        // No instances, and the geometry and primitive ids share a word with the shadow ray's answer: four words
        // per bounce.
        #expect(scene.replayLogBytesPerSample == 6 * 16)
        scene.integrator.maxDepth = 20
        #expect(scene.replayLogBytesPerSample == ReplayHitLog.maximumDepthCapacity * 16)
        // Instances: their ids too.
        let instanced = try Scene(contentsOf: Self.fixture("instances.xml"))
        #expect(instanced.replayLogBytesPerSample == ReplayHitLog.depthCapacity(of: instanced)! * 28)
        var off = scene
        off.integrator.reusesReplayHits = false
        var wavefront = scene
        wavefront.integrator.pathLoop = .wavefront
        for other in [off, wavefront] {
            #expect(ReplayHitLog(scene: other, laneCount: 8) == nil)
            #expect(other.replayLogBytesPerSample == 0)
        }
        let noMeshes = try TutorialScene.make(resolution: 8, texture: .init(size: 2, values: [Float](repeating: 0.5, count: 12)))
        #expect(noMeshes.meshes == nil)
        #expect(ReplayHitLog(scene: noMeshes, laneCount: 8) == nil && noMeshes.replayLogBytesPerSample == 0)
        // The memory estimate of a gradient render counts the log.
        let memory = RenderMemory(limit: 1 << 30)
        let plain = try memory.samplesPerPass(pixels: 1000, samplesPerPixel: 10_000, withGradients: true)
        let logged = try memory.samplesPerPass(pixels: 1000, samplesPerPixel: 10_000, withGradients: true,
                                               extraBytesPerSample: scene.replayLogBytesPerSample)
        #expect(logged < plain)
    }

    /// The image and d(weighted image) / d(every reflectance and radiance) of a fixture at 12x12 spp 4.
    static func gradients(_ name: String, variant: Variant, maxDepth: Int?, log: Bool)
        throws -> (image: [UInt32], gradients: [[Float]]) {
        try TraceContext.with(CompileOptions(variant: variant)) {
            var scene = try Scene(contentsOf: fixture(name), overrides: ["res": "12"])
            if let maxDepth { scene.integrator.maxDepth = maxDepth }
            scene.integrator.reusesReplayHits = log
            let parameters = scene.parameters
            let keys = parameters.keys.filter { $0.hasSuffix("reflectance.value") || $0.hasSuffix("radiance.value") }
            var values: [FloatArray] = []
            for key in keys {
                var value = try parameters.value(key).detached()
                value.enableGradient()
                try parameters.set(key, to: value)
                values.append(value)
            }
            let image = scene.render(samplesPerPixel: 4, seed: 3, seedGrad: 4).array
            let weights = FloatArray((0..<image.count).map { Float($0 % 7) * 0.1 - 0.2 })
            (image * weights).sum().backward()
            return (image.values.map(\.bitPattern), values.map(\.gradient.values))
        }
    }

    @Test("a batch's gradients with the log equal those that trace the replay again")
    func sameBatchGradients() throws {
        func batch(log: Bool) throws -> (image: [UInt32], gradient: [Float]) {
            try TraceContext.with(CompileOptions(variant: .llvm)) {
                var scene = try Scene(contentsOf: Self.fixture("scene.xml"), overrides: ["res": "12"])
                scene.integrator.reusesReplayHits = log
                let key = "room.bsdf.reflectance.data"
                let texture = try scene.parameters.value(key).detached().values
                // Three images, each with its own texture (the checker scaled) and seeds.
                var values = FloatArray((0..<3).flatMap { j in texture.map { $0 * (0.5 + 0.25 * Float(j)) } })
                values.enableGradient()
                let images = try scene.render(samplesPerPixel: 2, seeds: [5, 9, 13], seedGrads: [6, 10, 14],
                                              batching: key, values: values)
                let weights = FloatArray((0..<images.array.count).map { Float($0 % 5) * 0.2 - 0.3 })
                (images.array * weights).sum().backward()
                return (images.values.map(\.bitPattern), values.gradient.values)
            }
        }
        let traced = try batch(log: false)
        let logged = try ReplayHitLog.$poisonsEntries.withValue(true) { try batch(log: true) }
        #expect(logged.image == traced.image)
        let scale = traced.gradient.map(abs).max() ?? 0
        let difference = zip(logged.gradient, traced.gradient).map { abs($0 - $1) }.max() ?? .infinity
        #expect(scale > 0)
        #expect(difference <= 1e-5 * scale, "difference \(difference) of \(scale)")
    }

    @Test("gradients with the log (poisoned where not written) equal those that trace the replay again",
          arguments: [("cornell.xml", nil), ("cornell.xml", -1), ("cornell.xml", 11), ("cornell.xml", 2),
                      ("lights.xml", nil), ("instances.xml", nil), ("hidden.xml", nil)] as [(String, Int?)])
    func sameGradients(name: String, maxDepth: Int?) throws {
        for variant in Variant.allCases where variant == .llvm || name == "cornell.xml" {
            let traced = try Self.gradients(name, variant: variant, maxDepth: maxDepth, log: false)
            // New logs hold answers no query gives: an entry the adjoint read before the replay wrote it would show.
            let logged = try ReplayHitLog.$poisonsEntries.withValue(true) {
                try Self.gradients(name, variant: variant, maxDepth: maxDepth, log: true)
            }
            #expect(logged.image == traced.image, "\(name) \(variant): the image does not depend on the log")
            #expect(!traced.gradients.isEmpty)
            for (a, b) in zip(logged.gradients, traced.gradients) {
                let scale = b.map(abs).max() ?? 0
                let difference = zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
                #expect(a.count == b.count)
                #expect(difference <= 1e-5 * scale, "\(name) \(variant): difference \(difference) of \(scale)")
            }
            #expect(traced.gradients.contains { $0.contains { $0 != 0 } }, "\(name): some gradient is not zero")
        }
    }
}
