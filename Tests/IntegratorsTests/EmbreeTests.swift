// Embree ray queries from kernels: brute-force agreement on both backends and several widths, masks, occlusion,
// instances, symbolic loops, fusion, and input errors.
import CEmbree
import Foundation
import Testing
import Tracer

@testable import Integrators

/// A backend and vector width to run queries under.
struct EmbreeBackend: Sendable, CustomStringConvertible {
    var variant: Variant
    var width: Int?

    var description: String { "\(variant)" + (width.map { " width \($0)" } ?? "") }

    func run<T>(_ body: () throws -> T) rethrows -> T {
        try TraceContext.with(CompileOptions(variant: variant, vectorWidth: width, blockSize: 1024), body)
    }

    /// The host's width, then the packet widths Embree has (4, 8, 16), one it has not (2: by packets of 16 with
    /// lanes off), and the scalar backend (one lane at a time).
    static let all: [EmbreeBackend] = [EmbreeBackend(variant: .llvm), EmbreeBackend(variant: .llvm, width: 4),
                                       EmbreeBackend(variant: .llvm, width: 8), EmbreeBackend(variant: .llvm, width: 16),
                                       EmbreeBackend(variant: .llvm, width: 2), EmbreeBackend(variant: .scalar)]
}

@Suite("Embree", .enabled(if: EmbreeLibrary.isAvailable,
                          "libembree3 is not installed (apt-get install libembree3-3, or run scripts/test.sh)"))
struct EmbreeTests {
    static let fixture = EmbreeFixture(rayCount: 3000)
    static let reference = fixture.reference()

    /// Runs `body` with a scene built in a context of another width than the queries', which must not matter.
    func withScene<T>(_ body: (EmbreeScene) throws -> T) throws -> T {
        let scene = try EmbreeBackend(variant: .llvm, width: 8).run { try Self.fixture.scene() }
        return try withExtendedLifetime(scene) { try body(scene) }
    }

    @Test("closest hits (t, u, v, ids, instances) match brute force", arguments: EmbreeBackend.all)
    func closestHits(backend: EmbreeBackend) throws {
        let hits = try withScene { scene in backend.run { EmbreeHostHits(scene.intersect(Self.fixture.rays)) } }
        let (compared, problems) = hits.mismatches(against: Self.reference)
        #expect(problems.count == 0, "\(backend): \(problems.count) of \(compared) lanes differ: \(problems.prefix(5))")
        #expect(compared > Self.reference.count * 9 / 10, "most lanes are unambiguous")
        // The fixture has teeth: plenty of hits, on each kind of geometry.
        let comparedHits = Self.reference.filter { $0.isHit && !$0.isAmbiguous }
        #expect(comparedHits.count > 600)
        #expect(Set(comparedHits.map(\.geometry)) == [0, 1])
        #expect(Set(comparedHits.map(\.instance)) == [0, 1, .max])
        #expect(Self.reference.indices.contains { Self.reference[$0].isHit && Self.fixture.maxT[$0].isFinite },
                "some hits under a finite maxT")
    }

    @Test("medium and high build qualities give the same closest hits; automatic is high for small scenes")
    func buildQualities() throws {
        let rays = Self.fixture.rays
        var hits: [EmbreeBuildQuality: EmbreeHostHits] = [:]
        for quality in [EmbreeBuildQuality.high, .medium, .automatic] {
            let scene = try EmbreeScene(meshes: Self.fixture.meshes, groups: [Self.fixture.group],
                                        instances: Self.fixture.instances, quality: quality)
            #expect(scene.buildQuality == (quality == .medium ? .medium : .high), "\(quality)")
            hits[quality] = withExtendedLifetime(scene) { EmbreeHostHits(scene.intersect(rays)) }
        }
        for quality in [EmbreeBuildQuality.high, .medium, .automatic] {
            let (compared, problems) = try #require(hits[quality]).mismatches(against: Self.reference)
            #expect(problems.isEmpty, "\(quality): \(problems.count) of \(compared) lanes differ: \(problems.prefix(5))")
        }
        let limit = EmbreeBuildQuality.automaticHighLimit
        #expect(EmbreeBuildQuality.automatic.resolved(triangleCount: limit) == .high)
        #expect(EmbreeBuildQuality.automatic.resolved(triangleCount: limit + 1) == .medium)
        // Above the limit, a render of enough samples per triangle pays for the high build.
        let perTriangle = EmbreeBuildQuality.automaticSamplesPerTriangle
        #expect(EmbreeBuildQuality.automatic.resolved(triangleCount: limit + 1, samples: perTriangle * (limit + 1)) == .high)
        #expect(EmbreeBuildQuality.automatic.resolved(triangleCount: limit + 1, samples: perTriangle * (limit + 1) - 1)
                == .medium)
        #expect(EmbreeBuildQuality.high.resolved(triangleCount: 10 * limit) == .high)
        #expect(EmbreeBuildQuality.medium.resolved(triangleCount: 1) == .medium)
    }

    @Test("lanes outside the active mask report a miss", arguments: [EmbreeBackend.all[0], EmbreeBackend.all.last!])
    func inactiveLanes(backend: EmbreeBackend) throws {
        let count = Self.fixture.origins.count
        let hits = try withScene { scene in
            backend.run {
                let active = BoolArray((0..<count).map { $0 % 3 != 0 })
                return EmbreeHostHits(scene.intersect(Self.fixture.rays, active: active))
            }
        }
        let inactive = (0..<count).filter { $0 % 3 == 0 }
        for lane in inactive {
            guard !hits.isHit[lane], hits.t[lane] == .infinity, hits.primitive[lane] == .max,
                  hits.geometry[lane] == .max, hits.instance[lane] == .max, hits.u[lane] == 0 else {
                #expect(Bool(false), "\(backend): inactive lane \(lane) reports t \(hits.t[lane]), hit \(hits.isHit[lane])")
                return
            }
        }
        let active = (0..<count).filter { $0 % 3 != 0 }
        let (_, problems) = hits.mismatches(against: Self.reference, lanes: active)
        #expect(problems.count == 0, "\(backend): active lanes: \(problems.prefix(5))")
    }

    @Test("the C queries trace the lanes of the mask and write nothing else (each packet width, AVX-512's too)",
          arguments: [16, 8, 4, 2, 1, 5])
    func packetABI(width: Int) throws {
        try withScene { scene in
            let checked = Self.checkPacketQueries(UnsafeMutableRawPointer(scene.query(width: width)),
                                                  fixture: Self.fixture, reference: Self.reference, width: width)
            #expect(checked > Self.fixture.origins.count / 3)
        }
    }

    /// Calls `refract_embree_intersect` and `refract_embree_occluded` on packets of `width` of the fixture's rays,
    /// with masks of every lane, none, one and random lanes on, and NaN inputs in the lanes off. Expects the lanes
    /// off untouched and the lanes on to agree with `reference`; returns how many lanes were compared.
    static func checkPacketQueries(_ query: UnsafeMutableRawPointer, fixture: EmbreeFixture,
                                   reference: [EmbreeReferenceHit], width: Int) -> Int {
        var generator = EmbreeTestRandom(state: UInt64(width))
        let sentinel = UInt32(0xDEAD_BEEF)
        var checked = 0
        for packet in 0..<(fixture.origins.count / width) {
            let lanes = (packet * width)..<(packet * width + width)
            let mask: [Int32] = (0..<width).map { lane in
                switch packet % 4 {
                case 0: -1
                case 1: packet % 8 == 1 ? 0 : (lane == packet % width ? -1 : 0)
                default: generator.next() % 2 == 0 ? -1 : 0
                }
            }
            // Lanes off carry NaN inputs, as a kernel's may: they must not leak into the lanes on.
            func input(_ value: (Int) -> Float) -> [Float] {
                lanes.enumerated().map { mask[$0.offset] != 0 ? value($0.element) : .nan }
            }
            let inputs = [input { fixture.origins[$0].x }, input { fixture.origins[$0].y },
                          input { fixture.origins[$0].z }, input { fixture.directions[$0].x },
                          input { fixture.directions[$0].y }, input { fixture.directions[$0].z },
                          input { fixture.maxT[$0] }]
            let hits = callQuery(refract_embree_intersect, query: query, mask: mask, inputs: inputs, outputCount: 6,
                                 sentinel: sentinel)
            let occluded = callQuery(refract_embree_occluded, query: query, mask: mask, inputs: inputs,
                                     outputCount: 1, sentinel: sentinel)
            for (offset, lane) in lanes.enumerated() {
                let words = hits.map { $0[offset] }
                guard mask[offset] != 0 else {
                    #expect(words.allSatisfy { $0 == sentinel } && occluded[0][offset] == sentinel,
                            "W=\(width): lane \(lane) is off but was written")
                    continue
                }
                let expected = reference[lane]
                guard !expected.isAmbiguous else { continue }
                checked += 1
                let t = Float(bitPattern: words[0])
                #expect(expected.isHit ? abs(t - expected.t) <= 1e-3 * max(1, expected.t) : t == .infinity,
                        "W=\(width): lane \(lane) t \(t), expected \(expected.t)")
                #expect(words[3] == expected.primitive && words[4] == expected.geometry
                        && words[5] == expected.instance, "W=\(width): lane \(lane) ids \(words[3...])")
                #expect(occluded[0][offset] == (expected.isHit ? 1 : 0), "W=\(width): lane \(lane) occlusion")
            }
        }
        return checked
    }

    /// Calls a C query with 64-byte aligned W-lane buffers, its outputs prefilled with `sentinel`.
    static func callQuery(_ function: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<Int32>,
                                                      UnsafePointer<UnsafeRawPointer?>, UnsafePointer<UnsafeMutableRawPointer?>) -> Void,
                          query: UnsafeMutableRawPointer, mask: [Int32], inputs: [[Float]], outputCount: Int,
                          sentinel: UInt32) -> [[UInt32]] {
        let width = mask.count
        func aligned(_ words: [UInt32]) -> UnsafeMutableRawPointer {
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(64, 4 * width), alignment: 64)
            buffer.copyMemory(from: words, byteCount: 4 * width)
            return buffer
        }
        let maskBuffer = aligned(mask.map { UInt32(bitPattern: $0) })
        let inputBuffers = inputs.map { aligned($0.map(\.bitPattern)) }
        let outputBuffers = (0..<outputCount).map { _ in aligned([UInt32](repeating: sentinel, count: width)) }
        defer { for buffer in [maskBuffer] + inputBuffers + outputBuffers { buffer.deallocate() } }
        let inputPointers: [UnsafeRawPointer?] = inputBuffers.map { UnsafeRawPointer($0) }
        let outputPointers: [UnsafeMutableRawPointer?] = outputBuffers
        function(query, maskBuffer.assumingMemoryBound(to: Int32.self), inputPointers, outputPointers)
        return outputBuffers.map { buffer in (0..<width).map { buffer.load(fromByteOffset: 4 * $0, as: UInt32.self) } }
    }

    @Test("occlusion within maxT matches brute force", arguments: EmbreeBackend.all)
    func occlusion(backend: EmbreeBackend) throws {
        // Each ray twice: maxT half the way to its closest hit (not occluded), then 1.5 times (occluded).
        let fixture = Self.fixture
        let limits = Self.reference.map { $0.isHit ? $0.t * 0.5 : 10 }
            + Self.reference.map { $0.isHit ? $0.t * 1.5 : .infinity }
        var doubled = fixture
        doubled.origins += fixture.origins
        doubled.directions += fixture.directions
        doubled.maxT = limits
        let expected = doubled.reference()
        let occluded = try withScene { scene in backend.run { scene.isOccluded(doubled.rays).values } }
        var wrong: [Int] = []
        var compared = 0
        for lane in expected.indices where !expected[lane].isAmbiguous {
            compared += 1
            if occluded[lane] != expected[lane].isHit { wrong.append(lane) }
        }
        #expect(wrong.count == 0, "\(backend): \(wrong.count) of \(compared) lanes differ, e.g. \(wrong.prefix(5))")
        #expect(expected.filter(\.isHit).count > 600)
    }

    @Test("queries in a symbolic loop body see the lanes still in the loop", arguments: EmbreeBackend.all)
    func symbolicLoop(backend: EmbreeBackend) throws {
        // Lane l walks along its ray for up to l % 4 rounds: each round intersects from the current origin and moves
        // the origin just past the hit, counting the surfaces crossed. The host walks the same way by brute force.
        let count = Self.fixture.origins.count
        let rounds = (0..<count).map { Int32($0 % 4) }
        let step: Float = 1e-3
        let (crossings, lastT, lastPrimitive) = try withScene { scene in
            backend.run {
                let rays = Self.fixture.rays
                struct Walk: TraversableStruct {
                    var round: Int32Array
                    var origin: Vector3Array
                    var crossings: Int32Array
                    var t: FloatArray
                    var primitive: UInt32Array
                    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
                        round.traverse(&visitor)
                        origin.traverse(&visitor)
                        crossings.traverse(&visitor)
                        t.traverse(&visitor)
                        primitive.traverse(&visitor)
                    }
                }
                let limit = Int32Array(rounds)
                let start = Walk(round: Int32Array(repeating: 0, count: count), origin: rays.origin,
                                 crossings: Int32Array(repeating: 0, count: count),
                                 t: FloatArray(repeating: -1, count: count),
                                 primitive: UInt32Array(repeating: 7, count: count))
                let end = whileLoop(start, mode: .symbolic) { $0.round .< limit } body: { walk in
                    let hit = scene.intersect(RayArray(origin: walk.origin, direction: rays.direction,
                                                       maxT: rays.maxT))
                    let moved = walk.origin + rays.direction * (hit.t + step)
                    return Walk(round: walk.round + 1,
                                origin: select(hit.isHit, moved, walk.origin),
                                crossings: walk.crossings + select(hit.isHit, Int32Array(repeating: 1),
                                                                   Int32Array(repeating: 0)),
                                t: hit.t, primitive: hit.primitive)
                }
                Tracer.eval(end.crossings, end.t, end.primitive)
                return (end.crossings.values, end.t.values, end.primitive.values)
            }
        }
        // The reference: the same walk on the host, by brute force, in the same Float arithmetic.
        var walked = Self.fixture
        var expectedCrossings = [Int32](repeating: 0, count: count)
        var expectedT = [Float](repeating: -1, count: count), expectedPrimitive = [UInt32](repeating: 7, count: count)
        var ambiguous = [Bool](repeating: false, count: count)
        for round in 0..<3 {
            let reference = walked.reference()
            for lane in 0..<count where Int(rounds[lane]) > round {
                let hit = reference[lane]
                ambiguous[lane] = ambiguous[lane] || hit.isAmbiguous
                expectedT[lane] = hit.t
                expectedPrimitive[lane] = hit.primitive
                if hit.isHit {
                    expectedCrossings[lane] += 1
                    walked.origins[lane] = walked.origins[lane] + walked.directions[lane] * (hit.t + step)
                }
            }
        }
        var wrong: [String] = []
        var compared = 0
        for lane in 0..<count where !ambiguous[lane] {
            compared += 1
            let t = expectedT[lane]
            let tAgrees = t.isFinite ? abs(lastT[lane] - t) <= 1e-4 * max(1, t) : lastT[lane] == t
            if !tAgrees || lastPrimitive[lane] != expectedPrimitive[lane] || crossings[lane] != expectedCrossings[lane] {
                wrong.append("lane \(lane) (\(rounds[lane]) rounds): \(crossings[lane]) crossings, last t \(lastT[lane]) "
                             + "prim \(lastPrimitive[lane]); expected \(expectedCrossings[lane]), \(t), "
                             + "\(expectedPrimitive[lane])")
            }
        }
        #expect(wrong.count == 0, "\(backend): \(wrong.count) of \(compared) lanes differ: \(wrong.prefix(5))")
        #expect(compared > count * 8 / 10)
        #expect(expectedCrossings.filter { $0 >= 2 }.count > 100, "many lanes cross two surfaces or more")
    }

    @Test("rays computed in a kernel, the query and the use of its hit fuse into one kernel")
    func fusion() throws {
        let box = EmbreeFixture.box(name: "box", lower: Vector3f(0.2, -0.6, -0.3), upper: Vector3f(0.7, -0.1, 0.4))
        let scene = try EmbreeScene(meshes: [box])
        withExtendedLifetime(scene) {
            EmbreeBackend(variant: .llvm).run {
                let context = TraceContext.current
                let count = 1000
                let index = FloatArray(UInt32Array.arange(count))
                // Rays from a traced expression: a fan in the xz plane, aimed at the box from the side.
                let angle = index * (Float(0.6) / Float(count)) - 0.3
                let ray = RayArray(origin: Vector3Array(repeating: Vector3f(0.45, -0.35, -3)),
                                   direction: Vector3Array(x: angle, y: FloatArray(repeating: 0),
                                                           z: FloatArray(repeating: 1)),
                                   maxT: FloatArray(repeating: .infinity))
                let hit = scene.intersect(ray)
                let distance = select(hit.isHit, hit.t * 2, FloatArray(repeating: -1))
                let before = context.statistics.kernelsLaunched
                distance.eval()
                #expect(context.statistics.kernelsLaunched == before + 1, "one kernel")
                let values = distance.values
                // The middle ray runs straight along +z into the box's face at z = -0.3 (t = 2.7).
                #expect(abs(values[count / 2] / 2 - 2.7) < 1e-4)
            }
        }
    }

    @Test("Embree's memory count grows with a scene's BVH and shrinks when the scene is released")
    func memoryCount() throws {
        let library = try EmbreeLibrary.shared()
        var random = EmbreeTestRandom(state: 5)
        let triangles = 200_000
        let mesh = EmbreeFixture.soup(name: "soup", count: triangles, lower: Vector3f(-1, -1, -1),
                                      upper: Vector3f(1, 1, 1), random: &random)
        let before = library.allocatedBytes
        var scene: EmbreeScene? = try EmbreeScene(meshes: [mesh])
        let grown = library.allocatedBytes - before
        // Its copy of the vertices and indices alone is 48 bytes a triangle here (three vertices each); a BVH adds
        // tens more. Other tests' scenes built meanwhile are a few kilobytes.
        #expect(grown > 40 * triangles && grown < 1000 * triangles, "\(grown) bytes for \(triangles) triangles")
        withExtendedLifetime(scene) {}
        // The count is the process's: what the release gives back is read across the release alone, since suites
        // running in parallel build and release scenes of their own meanwhile (a test that compared with `before`
        // failed once beside them).
        let beforeRelease = library.allocatedBytes
        scene = nil
        let released = beforeRelease - library.allocatedBytes
        #expect(released > grown / 2, "released \(released) of the \(grown) bytes the scene took")
    }

    @Test("a scene with only instances, and one with nothing: hits report the instance, empty scenes miss")
    func instancesOnly() throws {
        let fixture = Self.fixture
        let scene = try EmbreeScene(meshes: [], groups: [fixture.group], instances: fixture.instances)
        let empty = try EmbreeScene(meshes: [])
        var instancesOnly = fixture
        instancesOnly.meshes = []
        let reference = instancesOnly.reference()
        let (hits, emptyHits) = withExtendedLifetime((scene, empty)) {
            EmbreeBackend(variant: .llvm).run {
                (EmbreeHostHits(scene.intersect(fixture.rays)), EmbreeHostHits(empty.intersect(fixture.rays)))
            }
        }
        let (_, problems) = hits.mismatches(against: reference)
        #expect(problems.count == 0, "\(problems.prefix(5))")
        #expect(!emptyHits.isHit.contains(true))
        #expect(scene.triangleCount == 2 * fixture.group.reduce(0) { $0 + $1.triangleCount })
        let bounds = scene.bounds
        #expect(bounds.lower.x < -2 && bounds.upper.x > 2)
    }
}

@Suite("Embree inputs")
struct EmbreeInputTests {
    @Test("invalid meshes and instances are reported before Embree is loaded, naming the input")
    func invalidInputs() {
        let good = EmbreeFixture.box(name: "box", lower: Vector3f(0, 0, 0), upper: Vector3f(1, 1, 1))
        var outOfRange = good
        outOfRange.name = "broken"
        outOfRange.indices[4] = 8
        var notFinite = good
        notFinite.positions[5] = .nan
        let empty = TriangleMesh(name: "empty", positions: [0, 0, 0], indices: [])
        let cases: [(() throws -> EmbreeScene, String)] = [
            ({ try EmbreeScene(meshes: [good, outOfRange]) },
             "mesh 'broken' (meshes[1]): triangle 1 refers to vertex 8, but there are 8 vertices"),
            ({ try EmbreeScene(meshes: [notFinite]) }, "mesh 'box' (meshes[0]): vertex 1 has a non-finite coordinate"),
            ({ try EmbreeScene(meshes: [], groups: [[good, empty]]) },
             "mesh 'empty' (groups[0][1]): no triangles (at least one is needed)"),
            ({ try EmbreeScene(meshes: [], groups: [[good]], instances: [(1, .identity)]) },
             "instances[0]: group 1 does not exist (there are 1 groups)"),
            ({ try EmbreeScene(meshes: [], groups: [[good]], instances: [(0, .identity), (0, .scale(0))]) },
             "instances[1]: the transform is singular"),
        ]
        for (build, message) in cases {
            do {
                _ = try build()
                #expect(Bool(false), "no error; expected \(message)")
            } catch {
                #expect("\(error)".hasPrefix(message), "\(error)")
            }
        }
    }

    @Test("the error of a missing library names the Debian package to install")
    func missingLibraryMessage() {
        let message = "\(EmbreeError.libraryUnavailable(reason: "libembree3.so.3: cannot open shared object file"))"
        #expect(message.contains("triangle meshes"))
        #expect(message.contains("apt-get install libembree3-3"))
        #expect(message.contains("cannot open shared object file"))
    }
}
