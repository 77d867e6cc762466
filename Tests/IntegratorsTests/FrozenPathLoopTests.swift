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
        -> (bits: [[UInt32]], loops: FrozenPathLoops) {
        let (file, key) = scenes[index]
        return try TraceContext.with(CompileOptions(variant: variant)) {
            var scene = try Scene(contentsOf: file, overrides: ["res": "10"])
            scene.integrator.freezesPathLoops = freezing
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
        #expect(recorded.loops.captures == 0 && recorded.loops.launches == 0 && recorded.loops.refused == 0)
        #expect(frozen.bits == recorded.bits)
        let loops = frozen.loops
        // Both scenes keep a replay hit log, so a gradient render's image is a plain render (one structure, frozen
        // at the first render and launched by the five after it) and its backward replays (a second structure,
        // launched by the last two backwards). The render at spp 3 is a third. The Cornell box's PRB adjoint loop
        // freezes too (its gradients reach the colour itself); the lights scene's reach a value computed from the
        // intensity in the loop, and record.
        let adjointLoops = scene == 0 ? 1 : 0
        #expect(loops.captures == 3 + adjointLoops)
        #expect(loops.launches == 7 + 2 * adjointLoops)
        // The lights scene's adjoint loop is refused twice, then recorded without trying.
        #expect(loops.refused == (scene == 0 ? 0 : FrozenPathLoops.refusalLimit))
        #expect(recorded.bits[2].contains { $0 != 0 }, "the colour has a gradient")
    }

    /// The lights fixture at 10x10, with the path loops frozen or recorded.
    static func lightsScene(freezing: Bool) throws -> Scene {
        var scene = try Scene(contentsOf: scenes[1].file, overrides: ["res": "10"])
        scene.integrator.freezesPathLoops = freezing
        return scene
    }

    @Test("a scene whose bounding sphere changes after a frozen render renders as one recorded with that sphere")
    func changedSceneRecordsAnew() throws {
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            var frozen = try Self.lightsScene(freezing: true)
            let before = frozen.render(samplesPerPixel: 2, seed: 1).values
            _ = frozen.render(samplesPerPixel: 2, seed: 2)
            #expect(frozen.frozenPathLoops.launches == 1)
            let copy = frozen
            let sphere = (center: frozen.boundingSphere.center + Vector3f(0.5, 0, 0), radius: Float(3))
            frozen.boundingSphere = sphere
            #expect(frozen.frozenPathLoops !== copy.frozenPathLoops, "the change dropped the frozen loops")
            #expect(frozen.frozenPathLoops.captures == 0 && copy.frozenPathLoops.launches == 1)
            var recorded = try Self.lightsScene(freezing: false)
            recorded.boundingSphere = sphere
            let after = frozen.render(samplesPerPixel: 2, seed: 1).values
            #expect(after.map(\.bitPattern) == recorded.render(samplesPerPixel: 2, seed: 1).values.map(\.bitPattern))
            #expect(copy.render(samplesPerPixel: 2, seed: 1).values == before, "the copy kept its sphere and loops")
            #expect(frozen.frozenPathLoops.launches == 0 && copy.frozenPathLoops.launches == 2)
        }
    }

    @Test("a scene rendered in a second context records there, rendering as that context's recording does")
    func otherContextRecordsAnew() throws {
        // Made and first rendered in the current context (LLVM kernels), which freezes the loop.
        let scene = try Self.lightsScene(freezing: true)
        let recorded = try Self.lightsScene(freezing: false)
        _ = scene.render(samplesPerPixel: 2, seed: 1).values
        #expect(scene.frozenPathLoops.captures == 1)
        let scalar = TraceContext.with(CompileOptions(variant: .scalar)) {
            (scene.render(samplesPerPixel: 2, seed: 1).values, recorded.render(samplesPerPixel: 2, seed: 1).values)
        }
        #expect(scalar.0.map(\.bitPattern) == scalar.1.map(\.bitPattern))
        #expect(scene.frozenPathLoops.launches == 0)
    }

    @Test("refusals in one context leave the structure free to freeze in another")
    func refusalsStayInTheirContext() throws {
        // The scene's data belong to the current context: a scalar context adopts them during each render, buffers
        // made after the recording started, so its recordings are refused.
        let scene = try Self.lightsScene(freezing: true)
        TraceContext.with(CompileOptions(variant: .scalar)) {
            for seed in 1...3 as ClosedRange<UInt32> { _ = scene.render(samplesPerPixel: 2, seed: seed) }
        }
        #expect(scene.frozenPathLoops.refused == FrozenPathLoops.refusalLimit && scene.frozenPathLoops.captures == 0)
        _ = scene.render(samplesPerPixel: 2, seed: 4)
        _ = scene.render(samplesPerPixel: 2, seed: 5)
        #expect(scene.frozenPathLoops.captures == 1 && scene.frozenPathLoops.launches == 1)
    }
}
