// Renders and PRB gradients with the path loop's lanes refilled (`refillsLoopLanes`): the plain loop's bits.
import Foundation
import Testing
import Tracer

@testable import Integrators
import Tutorial

@Suite("Lane refill in renders")
struct LaneRefillRenderTests {
    static func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/MeshScene/\(name)")
    }

    /// A render of `scene` at spp 4 and, when `key` is given, d(weighted image) / d(that parameter); with how many
    /// launches refilled their lanes.
    static func run(_ makeScene: () throws -> Scene, key: String?, refills: Bool)
        throws -> (image: [UInt32], gradient: [UInt32], refilling: Int) {
        var options = CompileOptions(variant: .llvm)
        options.refillsLoopLanes = refills
        return try TraceContext.with(options) {
            let scene = try makeScene()
            var value: FloatArray?
            if let key {
                var tracked = try scene.parameters.value(key).detached()
                tracked.enableGradient()
                try scene.parameters.set(key, to: tracked)
                value = tracked
            }
            let image = scene.render(samplesPerPixel: 4, seed: 3, seedGrad: 4).array
            let weights = FloatArray((0..<image.count).map { Float($0 % 7) * 0.1 - 0.2 })
            if value != nil { (image * weights).sum().backward() }
            return (image.values.map(\.bitPattern), value?.gradient.values.map(\.bitPattern) ?? [],
                    TraceContext.current.statistics.refillingLaunches)
        }
    }

    @Test("the tutorial scene: image and PRB gradient (its replay traced with the image) bit for bit")
    func tutorial() throws {
        let texture = ProceduralTextures.all(size: 8)[0]
        let make = { try TutorialScene.make(resolution: 24, texture: .init(size: 8, values: texture)) }
        let plain = try Self.run(make, key: TutorialScene.textureKey, refills: false)
        let refilled = try Self.run(make, key: TutorialScene.textureKey, refills: true)
        #expect(plain.refilling == 0 && refilled.refilling > 0)
        #expect(refilled.image == plain.image)
        #expect(refilled.gradient == plain.gradient)
        #expect(plain.gradient.contains { $0 != 0 })
    }

    @Test("a mesh scene with every emitter type: image and PRB gradient bit for bit",
          .enabled(if: EmbreeLibrary.isAvailable, "needs Embree 3 (libembree3-3)"))
    func meshScene() throws {
        let make = { try Scene(contentsOf: Self.fixture("lights.xml"), overrides: ["res": "16"]) }
        let plain = try Self.run(make, key: "lamp.intensity.value", refills: false)
        let refilled = try Self.run(make, key: "lamp.intensity.value", refills: true)
        #expect(plain.refilling == 0 && refilled.refilling > 0)
        #expect(refilled.image == plain.image)
        #expect(refilled.gradient == plain.gradient)
        #expect(plain.gradient.contains { $0 != 0 })
    }
}
