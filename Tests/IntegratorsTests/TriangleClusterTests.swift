// Small scenes' cluster queries (in place of Embree's BVH): brute-force agreement, masks, occlusion, when they apply.
import CEmbree
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("Triangle clusters", .enabled(if: EmbreeLibrary.isAvailable,
                                     "libembree3 is not installed (apt-get install libembree3-3, or run scripts/test.sh)"))
struct TriangleClusterTests {
    /// The Embree fixture's top-level meshes alone (36 triangles: a soup of 24 and a box), its random rays, and
    /// rays along the axes and in the coordinate planes (direction components exactly 0, which the box tests'
    /// reciprocals must survive).
    static let fixture: EmbreeFixture = {
        var fixture = EmbreeFixture(rayCount: 3000, seed: 7)
        fixture.group = []
        fixture.instances = []
        var random = EmbreeTestRandom(state: 11)
        for index in 0..<600 {
            let origin = random.point(Vector3f(-1.2, -1.2, -1.2), Vector3f(1.2, 1.2, 1.2))
            var direction = Vector3f(random.uniform(-1, 1), random.uniform(-1, 1), random.uniform(-1, 1))
            switch index % 4 {
            case 0: direction = Vector3f(index % 8 == 0 ? 1 : -1, 0, 0)
            case 1: direction.y = 0
            case 2: direction = Vector3f(0, 0, index % 8 == 2 ? 1.5 : -0.5)
            default: direction.x = 0; direction.z = 0
            }
            // Aimed at the meshes' box from the side the direction leaves.
            fixture.origins.append(origin - direction * 4)
            fixture.directions.append(direction)
            fixture.maxT.append(index % 3 == 0 ? random.uniform(1, 8) : .infinity)
        }
        return fixture
    }()
    static let reference = fixture.reference()

    /// The widths whose queries test clusters on this CPU, and the backends that run them (the scalar backend
    /// passes packets of the current width with one lane on).
    static let clusterWidths = [16, 8].filter { refract_triangle_clusters_supported(UInt32($0)) != 0 }
    static let backends = clusterWidths.map { EmbreeBackend(variant: .llvm, width: $0) }
        + clusterWidths.map { EmbreeBackend(variant: .scalar, width: $0) }

    func scene() throws -> EmbreeScene { try EmbreeScene(meshes: Self.fixture.meshes) }

    /// A room's floor (y = -1) and back wall (z = -halfWidth): 4 large triangles, x in [-halfWidth, halfWidth],
    /// the wall up to y = halfWidth.
    static func room(halfWidth w: Float) -> TriangleMesh {
        TriangleMesh(name: "room", positions: [-w, -1, -w, w, -1, -w, w, -1, w, -w, -1, w, -w, w, -w, w, w, -w],
                     indices: [0, 1, 2, 0, 2, 3, 0, 1, 5, 0, 5, 4])
    }

    @Test("small scenes without instances or curves have clusters, queried at the widths the CPU runs them")
    func whenClustersApply() throws {
        let scene = try scene()
        #expect(scene.clusters?.triangleCount == 36)
        for width in 1...16 {
            let queried = scene.query(width: width).pointee.clusters != nil
            #expect(queried == Self.clusterWidths.contains(width), "width \(width)")
        }
        var random = EmbreeTestRandom(state: 3)
        let limit = EmbreeScene.defaultClusterLimit(vectorWidth: TraceContext.current.vectorWidth)
        let atLimit = EmbreeFixture.soup(name: "at the limit", count: limit,
                                         lower: Vector3f(-1, -1, -1), upper: Vector3f(1, 1, 1), random: &random)
        #expect(try EmbreeScene(meshes: [atLimit]).clusters?.triangleCount == limit, "as many as the limit: clusters")
        let big = EmbreeFixture.soup(name: "big", count: limit + 1,
                                     lower: Vector3f(-1, -1, -1), upper: Vector3f(1, 1, 1), random: &random)
        #expect(try EmbreeScene(meshes: [big]).clusters == nil, "more triangles than the limit: Embree's BVH")
        #expect(try EmbreeScene(meshes: Self.fixture.meshes, clusterLimit: 0).clusters == nil)
        let instanced = EmbreeFixture(rayCount: 0)
        #expect(try instanced.scene().clusters == nil, "instances: Embree's BVH")
    }

    @Test("closest hits (t, u, v, ids) match brute force and Embree's", arguments: backends)
    func closestHits(backend: EmbreeBackend) throws {
        let scene = try scene()
        let embree = try EmbreeScene(meshes: Self.fixture.meshes, clusterLimit: 0)
        let (hits, embreeHits) = withExtendedLifetime((scene, embree)) {
            backend.run {
                (EmbreeHostHits(scene.intersect(Self.fixture.rays)), EmbreeHostHits(embree.intersect(Self.fixture.rays)))
            }
        }
        let width = try #require(backend.width)
        let queried = try #require(scene.query(width: width).pointee.clusters)
        #expect(queried == UnsafePointer(try #require(scene.clusters).scene), "the queries test the clusters")
        for (name, result) in [("clusters", hits), ("Embree", embreeHits)] {
            let (compared, problems) = result.mismatches(against: Self.reference)
            #expect(problems.isEmpty, "\(backend) \(name): \(problems.count) of \(compared) differ: \(problems.prefix(3))")
            #expect(compared > Self.reference.count * 9 / 10)
        }
        let axisHits = Self.reference.indices.filter { $0 >= 3000 && Self.reference[$0].isHit }
        #expect(axisHits.count > 100, "the axis-aligned rays hit the meshes")
        #expect(Set(Self.reference.filter(\.isHit).map(\.geometry)) == [0, 1])
    }

    /// Each cluster's geometry ids, one per triangle, in the clusters' order.
    static func geometries(of scene: RefractTriangleClusters) -> [[UInt32]] {
        (0..<Int(scene.clusterCount)).map { c in
            withUnsafeBytes(of: scene.triangles[c].geometry) {
                Array($0.bindMemory(to: UInt32.self).prefix(Int(scene.clusters[c].count)))
            }
        }
    }

    @Test("clusters split by area: an object in a room gets a box of its own; triangles without area split evenly")
    func clusterBoxes() throws {
        // A room's floor and back wall (4 large triangles) and a ball of 16 small ones in the middle: runs along a
        // Morton curve put some wall in the ball's cluster, whose box then spans the room.
        var random = EmbreeTestRandom(state: 9)
        let ball = EmbreeFixture.soup(name: "ball", count: 16, lower: Vector3f(-0.2, -0.2, -0.2),
                                      upper: Vector3f(0.2, 0.2, 0.2), random: &random)
        let clusters = TriangleClusters(meshes: [Self.room(halfWidth: 1), ball])
        let scene = clusters.scene.pointee
        var ballTriangles = 0
        for (c, geometries) in Self.geometries(of: scene).enumerated() {
            let box = scene.clusters[c]
            guard geometries.contains(1) else { continue }
            ballTriangles += geometries.count
            #expect(geometries.allSatisfy { $0 == 1 }, "cluster \(c) mixes the room and the ball: \(geometries)")
            let extent = [box.upper.0 - box.lower.0, box.upper.1 - box.lower.1, box.upper.2 - box.lower.2]
            #expect(extent.allSatisfy { $0 < 0.41 }, "cluster \(c) of the ball: box extent \(extent)")
        }
        #expect(ballTriangles == 16)

        // 64 triangles without area along a line: every split costs 0, and the even one is taken (4 runs of 16,
        // not 49 runs, most of one triangle).
        let points = (0..<64).flatMap { i -> [Float] in [Float(i), 0, 0] }
        let line = TriangleMesh(name: "line", positions: points,
                                indices: (0..<64).flatMap { i -> [UInt32] in [UInt32(i), UInt32(i), UInt32(i)] })
        #expect(TriangleClusters(meshes: [line]).scene.pointee.clusterCount == 4)
    }

    @Test("a closed room: the walls split off whole, so no cluster of the object inside spans the room")
    func closedRoom() throws {
        // Six walls (12 triangles) on both sides of a ball of 8 small ones along every axis: 20 triangles, one
        // split, and no centroid order separates walls and ball (each side took some of both); the order by size
        // does.
        var random = EmbreeTestRandom(state: 11)
        let ball = EmbreeFixture.soup(name: "ball", count: 8, lower: Vector3f(-0.2, -0.2, -0.2),
                                      upper: Vector3f(0.2, 0.2, 0.2), random: &random)
        var corners: [Float] = []
        for z: Float in [-1, 1] { for y: Float in [-1, 1] { for x: Float in [-1, 1] { corners += [x, y, z] } } }
        let faces: [[UInt32]] = [[0, 1, 3, 2], [4, 6, 7, 5], [0, 4, 5, 1], [2, 3, 7, 6], [0, 2, 6, 4], [1, 5, 7, 3]]
        let walls = TriangleMesh(name: "walls", positions: corners,
                                 indices: faces.flatMap { [$0[0], $0[1], $0[2], $0[0], $0[2], $0[3]] })
        let clusters = TriangleClusters(meshes: [walls, ball])
        let ballClusters = Self.geometries(of: clusters.scene.pointee).filter { $0.contains(1) }
        #expect(ballClusters.allSatisfy { $0.allSatisfy { $0 == 1 } }, "the walls and the ball mix: \(ballClusters)")
        #expect(ballClusters.joined().count == 8)
    }

    /// A room (floor and back wall) around a ball of 240 small triangles (15 clusters): enough for groups.
    static let grouped: EmbreeFixture = {
        var fixture = EmbreeFixture(rayCount: 0)
        fixture.group = []
        fixture.instances = []
        var random = EmbreeTestRandom(state: 21)
        let ball = EmbreeFixture.soup(name: "ball", count: 240, lower: Vector3f(-0.3, -0.3, -0.3),
                                      upper: Vector3f(0.3, 0.3, 0.3), random: &random)
        fixture.meshes = [room(halfWidth: 2), ball]
        for index in 0..<3000 {
            // Half aimed at the ball, half anywhere in the room: packets that reach the ball's groups and packets
            // that pass over them.
            let target = index % 2 == 0 ? random.point(Vector3f(-0.35, -0.35, -0.35), Vector3f(0.35, 0.35, 0.35))
                : random.point(Vector3f(-2, -1, -2), Vector3f(2, 2, 2))
            let origin = random.point(Vector3f(-1.8, -0.8, -1.8), Vector3f(1.8, 1.8, 1.8))
            fixture.origins.append(origin)
            fixture.directions.append((target - origin) * random.uniform(0.5, 2))
            fixture.maxT.append(index % 3 == 0 ? random.uniform(0.2, 3) : .infinity)
        }
        return fixture
    }()

    @Test("groups of clusters: every cluster once, in order, inside its groups' boxes; hits and occlusion as brute force",
          arguments: backends)
    func groupsOfClusters(backend: EmbreeBackend) throws {
        let clusters = TriangleClusters(meshes: Self.grouped.meshes)
        let scene = clusters.scene.pointee
        let nodes = (0..<Int(scene.nodeCount)).map { scene.nodes[$0] }
        #expect(nodes.filter { $0.cluster != REFRACT_CLUSTER_GROUP }.map { Int($0.cluster) }
                == Array(0..<Int(scene.clusterCount)), "each cluster once, in the clusters' order")
        #expect(nodes.contains { $0.cluster == REFRACT_CLUSTER_GROUP }, "the ball's clusters are grouped")
        for (index, node) in nodes.enumerated() {
            let end = Int(node.skip)
            #expect(end > index && end <= nodes.count, "node \(index) skips to \(end)")
            guard node.cluster == REFRACT_CLUSTER_GROUP else {
                #expect(end == index + 1, "a leaf skips to the next node")
                continue
            }
            for member in nodes[(index + 1)..<end] {
                let inside = [(member.lower.0, node.lower.0), (member.lower.1, node.lower.1),
                              (member.lower.2, node.lower.2)].allSatisfy { $0.0 >= $0.1 }
                    && [(member.upper.0, node.upper.0), (member.upper.1, node.upper.1),
                        (member.upper.2, node.upper.2)].allSatisfy { $0.0 <= $0.1 }
                #expect(inside, "group \(index) holds its members' boxes")
                #expect(Int(member.skip) <= end, "group \(index)'s members stay inside it")
            }
        }

        let embreeScene = try EmbreeScene(meshes: Self.grouped.meshes)
        let reference = Self.grouped.reference()
        let (hits, occluded) = withExtendedLifetime(embreeScene) {
            backend.run {
                (EmbreeHostHits(embreeScene.intersect(Self.grouped.rays)), embreeScene.isOccluded(Self.grouped.rays).values)
            }
        }
        let (compared, problems) = hits.mismatches(against: reference)
        #expect(problems.isEmpty, "\(backend): \(problems.count) of \(compared) differ: \(problems.prefix(3))")
        #expect(compared > reference.count * 9 / 10)
        #expect(reference.filter { $0.isHit && $0.geometry == 1 }.count > 1000, "the ball is hit")
        let wrong = reference.indices.filter { !reference[$0].isAmbiguous && occluded[$0] != reference[$0].isHit }
        #expect(wrong.isEmpty, "\(backend): occlusion differs in \(wrong.count) lanes, e.g. \(wrong.prefix(5))")
    }

    @Test("a flat scene (no extent along an axis, as a mesh laid out in uv space) clusters and answers right")
    func flatScene() throws {
        var fixture = EmbreeFixture(rayCount: 0)
        fixture.group = []
        fixture.instances = []
        var positions: [Float] = [], indices: [UInt32] = []
        for row in 0...4 { for column in 0...4 { positions += [Float(column) / 4, Float(row) / 4, 0] } }
        for row in 0..<4 {
            for column in 0..<4 {
                let corner = UInt32(row * 5 + column)
                indices += [corner, corner + 1, corner + 6, corner, corner + 6, corner + 5]
            }
        }
        fixture.meshes = [TriangleMesh(name: "grid", positions: positions, indices: indices)]
        var random = EmbreeTestRandom(state: 5)
        for _ in 0..<800 {
            fixture.origins.append(Vector3f(random.uniform(-0.2, 1.2), random.uniform(-0.2, 1.2), 1))
            fixture.directions.append(Vector3f(random.uniform(-0.3, 0.3), random.uniform(-0.3, 0.3), -1))
            fixture.maxT.append(.infinity)
        }
        let reference = fixture.reference()
        let scene = try EmbreeScene(meshes: fixture.meshes)
        #expect(scene.clusters?.triangleCount == 32)
        for backend in Self.backends {
            let hits = withExtendedLifetime(scene) { backend.run { EmbreeHostHits(scene.intersect(fixture.rays)) } }
            let (compared, problems) = hits.mismatches(against: reference)
            #expect(problems.isEmpty, "\(backend): \(problems.count) of \(compared) differ: \(problems.prefix(3))")
            #expect(compared > 600)
        }
        #expect(reference.filter(\.isHit).count > 300)
    }

    @Test("full packets and one-lane calls (packet-major and ray-major tests) answer bit for bit alike",
          arguments: clusterWidths)
    func layoutsAgree(width: Int) throws {
        // A soup of 300 triangles: 19 clusters, whose boxes some packets fill and others barely touch.
        var fixture = Self.fixture
        var random = EmbreeTestRandom(state: 17)
        fixture.meshes = [EmbreeFixture.soup(name: "soup", count: 300, lower: Vector3f(-1, -1, -1),
                                             upper: Vector3f(1, 1, 1), random: &random)]
        let scene = try EmbreeScene(meshes: fixture.meshes)
        #expect(scene.clusters != nil)
        let (packets, lanes, occludedPackets, occludedLanes) = withExtendedLifetime(scene) {
            let packets = EmbreeBackend(variant: .llvm, width: width).run {
                (EmbreeHostHits(scene.intersect(fixture.rays)), scene.isOccluded(fixture.rays).values)
            }
            let lanes = EmbreeBackend(variant: .scalar, width: width).run {
                (EmbreeHostHits(scene.intersect(fixture.rays)), scene.isOccluded(fixture.rays).values)
            }
            return (packets.0, lanes.0, packets.1, lanes.1)
        }
        #expect(packets.t.map(\.bitPattern) == lanes.t.map(\.bitPattern))
        #expect(packets.u.map(\.bitPattern) == lanes.u.map(\.bitPattern))
        #expect(packets.v.map(\.bitPattern) == lanes.v.map(\.bitPattern))
        #expect(packets.primitive == lanes.primitive && packets.geometry == lanes.geometry)
        #expect(occludedPackets == occludedLanes)
        #expect(packets.isHit.filter { $0 }.count > 1000, "the soup is hit often")
        let (compared, problems) = packets.mismatches(against: fixture.reference())
        #expect(problems.isEmpty, "W=\(width): \(problems.count) of \(compared) differ: \(problems.prefix(3))")
    }

    @Test("occlusion within maxT matches brute force", arguments: backends)
    func occlusion(backend: EmbreeBackend) throws {
        // Each ray twice: maxT half the way to its closest hit (not occluded), then 1.5 times (occluded).
        var doubled = Self.fixture
        doubled.origins += Self.fixture.origins
        doubled.directions += Self.fixture.directions
        doubled.maxT = Self.reference.map { $0.isHit ? $0.t * 0.5 : 10 }
            + Self.reference.map { $0.isHit ? $0.t * 1.5 : .infinity }
        let expected = doubled.reference()
        let scene = try scene()
        let occluded = withExtendedLifetime(scene) { backend.run { scene.isOccluded(doubled.rays).values } }
        let wrong = expected.indices.filter { !expected[$0].isAmbiguous && occluded[$0] != expected[$0].isHit }
        #expect(wrong.isEmpty, "\(backend): \(wrong.count) lanes differ, e.g. \(wrong.prefix(5))")
        #expect(expected.filter(\.isHit).count > 600)
    }

    @Test("the C queries trace the lanes of the mask and write nothing else", arguments: clusterWidths)
    func packetABI(width: Int) throws {
        let scene = try scene()
        withExtendedLifetime(scene) {
            let checked = EmbreeTests.checkPacketQueries(UnsafeMutableRawPointer(scene.query(width: width)),
                                                         fixture: Self.fixture, reference: Self.reference,
                                                         width: width)
            #expect(checked > Self.fixture.origins.count / 3)
        }
    }
}
