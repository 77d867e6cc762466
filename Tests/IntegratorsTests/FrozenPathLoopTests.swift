// Frozen path loops: a scene that freezes its loops renders and differentiates bit for bit as one that records them.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("Frozen path loops", .enabled(if: EmbreeLibrary.isAvailable, "needs libembree3 (libembree-dev)"))
struct FrozenPathLoopTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    /// Scene files and the colour each test changes: the inverse-rendering example's Cornell box (meshes on
    /// clusters, so native calls; an area light; prb with a replay hit log), and the lights fixture (every emitter
    /// type but the environment map, chosen by unequal sampling weights; `path`).
    static let scenes: [(file: URL, key: String)] = [
        (folder.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Examples/InverseRendering/Scenes/cbox.xml"), "red.reflectance.value"),
        (folder.appendingPathComponent("Fixtures/MeshScene/lights.xml"), "lamp.intensity.value"),
    ]

    /// Three steps of an optimisation (a colour set, a plain render, a gradient render and its
    /// backward) and a render at another sample count: the bits of every image and gradient, and the frozen loops.
    static func run(freezing: Bool, variant: Variant, scene index: Int) throws
        -> (bits: [[UInt32]], loops: FrozenPathLoops?) {
        let (file, key) = scenes[index]
        return try TraceContext.with(CompileOptions(variant: variant)) {
            var scene = try Scene(contentsOf: file, overrides: ["res": "10"])
            if freezing { scene.freezePathLoops() }
            let weights = FloatArray((0..<300).map { Float($0 % 7) * 0.3 - 0.5 })
            var bits: [[UInt32]] = []
            for (step, colour) in [[0.6, 0.1, 0.1], [0.2, 0.5, 0.9], [0.9, 0.8, 0.1] as [Float]].enumerated() {
                let seed = UInt32(10 + 2 * step)
                try scene.parameters.set(key, to: FloatArray(colour))
                bits.append(scene.render(samplesPerPixel: 2, seed: seed).values.map(\.bitPattern))
                var value = FloatArray(colour)
                value.enableGradient()
                try scene.parameters.set(key, to: value)
                let image = scene.render(samplesPerPixel: 2, seed: seed, seedGrad: seed + 1).array
                (image * weights).sum().backward()
                bits.append(image.values.map(\.bitPattern))
                bits.append(value.gradient.values.map(\.bitPattern))
            }
            bits.append(scene.render(samplesPerPixel: 3, seed: 99).values.map(\.bitPattern))
            return (bits, scene.frozenPathLoops)
        }
    }

    @Test("renders and PRB gradients are bit for bit those of recorded loops, with new seeds and values; another sample count records anew",
          arguments: Variant.allCases, scenes.indices)
    func sameResults(variant: Variant, scene: Int) throws {
        let recorded = try Self.run(freezing: false, variant: variant, scene: scene)
        let frozen = try Self.run(freezing: true, variant: variant, scene: scene)
        #expect(recorded.loops == nil)
        #expect(frozen.bits == recorded.bits)
        let loops = try #require(frozen.loops)
        // Plain renders and gradient renders are two structures, frozen once each; the last two steps launch them.
        // The render at spp 3 is a third. The Cornell box's PRB adjoint loop freezes too (its gradients reach the
        // colour itself); the lights scene's reach a value computed from the intensity in the loop, and record.
        let adjointLoops = scene == 0 ? 1 : 0
        #expect(loops.captures == 3 + adjointLoops)
        #expect(loops.launches == 4 + 2 * adjointLoops)
        #expect(recorded.bits[2].contains { $0 != 0 }, "the colour has a gradient")
    }
}
