// A render reads the values bound when it started, never mutated scene state: renders of one scene interleave, and
// a backward differentiates the values its render used.
import Foundation
import Testing
import Tracer

@testable import Integrators
import Tutorial

@Suite("Render bindings")
struct RenderBindingsTests {
    static let textureSize = 8
    static let textures = Array(ProceduralTextures.all(size: textureSize).prefix(3))
    static let seeds: [UInt32] = [4, 11, 6]

    /// The tutorial scene at 32x32 (spp 4: 4096 lanes, so that a wavefront compacts after every bounce, moving the
    /// batch's lanes).
    func scene(pathLoop: IntegratorSettings.PathLoop) throws -> Scene {
        var scene = try TutorialScene.make(resolution: 32, texture: .init(size: Self.textureSize,
                                                                          values: Self.textures[0]))
        scene.integrator.pathLoop = pathLoop
        scene.integrator.compactionThreshold = 1
        return scene
    }

    @Test("a plain and a batched render of one scene, each inside the other, give their images alone",
          arguments: IntegratorSettings.PathLoop.allCases)
    func interleavedRenders(pathLoop: IntegratorSettings.PathLoop) throws {
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let scene = try scene(pathLoop: pathLoop)
            let key = TutorialScene.textureKey
            let original = try scene.parameters.value(key).values
            let batchValues = FloatArray(Self.textures.flatMap { $0 })
            func plain(progress: RenderProgress? = nil) -> [UInt32] {
                scene.render(samplesPerPixel: 4, seed: 7, progress: progress).values.map(\.bitPattern)
            }
            func batch(progress: RenderProgress? = nil) -> [UInt32] {
                try! scene.render(samplesPerPixel: 4, seeds: Self.seeds, batching: key, values: batchValues,
                                  progress: progress).values.map(\.bitPattern)
            }
            let plainAlone = plain(), batchAlone = batch()

            // Progress is told between the bounces of a wavefront (and after the symbolic loop), inside the render.
            var plainsInside: [[UInt32]] = []
            let batchAround = batch { _, _ in plainsInside.append(plain()) }
            var batchesInside: [[UInt32]] = []
            let plainAround = plain { _, _ in batchesInside.append(batch()) }

            #expect(!plainsInside.isEmpty && !batchesInside.isEmpty)
            #expect(batchAround == batchAlone)
            #expect(plainAround == plainAlone)
            for (index, image) in plainsInside.enumerated() { #expect(image == plainAlone, "plain render \(index)") }
            for (index, image) in batchesInside.enumerated() { #expect(image == batchAlone, "batched render \(index)") }
            #expect(try scene.parameters.value(key).values == original)
        }
    }

    @Test("a backward differentiates the values its render used, though the parameter changed since",
          arguments: Variant.allCases)
    func backwardAfterNewValue(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let scene = try TutorialScene.make(resolution: 16, texture: .init(size: Self.textureSize,
                                                                              values: Self.textures[0]))
            let key = TutorialScene.textureKey
            // A loss that weighs pixels unevenly, so every texel's gradient differs.
            let weights = FloatArray((0..<16 * 16 * 3).map { Float($0 % 7) * 0.1 - 0.2 })
            func trackedTexture(_ index: Int) throws -> FloatArray {
                var value = FloatArray(Self.textures[index])
                value.enableGradient()
                try scene.parameters.set(key, to: value)
                return value
            }

            let alone = try trackedTexture(1)
            (scene.render(samplesPerPixel: 2, seed: 5).array * weights).sum().backward()
            let expected = alone.gradient.values

            let used = try trackedTexture(1)
            let image = scene.render(samplesPerPixel: 2, seed: 5)
            let later = try trackedTexture(2)
            _ = scene.render(samplesPerPixel: 2, seed: 9).values
            (image.array * weights).sum().backward()

            let gradient = used.gradient.values
            let scale = expected.map { abs($0) }.max()!
            #expect(scale > 0)
            let difference = zip(gradient, expected).map { abs($0 - $1) }.max()!
            #expect(difference <= 1e-6 * scale, "largest difference \(difference), scale \(scale)")
            #expect(later.gradient.values.allSatisfy { $0 == 0 })
            #expect(try scene.parameters.value(key).values == Self.textures[2])
        }
    }

    @Test("a backward differentiates only the tracked parameters: an untracked texture gets no adjoint buffer",
          arguments: Variant.allCases)
    func untrackedParametersStayPlain(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            // A 256x256 texture (768 KiB of adjoint, were it differentiated) seen by 8x8 pixels at spp 1: the
            // backward's own arrays are a few hundred bytes each.
            let size = 256
            let texture = (0..<size * size * 3).map { Float($0 % 11) / 11 }
            let scene = try TutorialScene.make(resolution: 8, texture: .init(size: size, values: texture))
            // Only the constant environment's radiance is tracked, not the texture (TutorialScene.textureKey).
            let trackedKey = "emitter_0.radiance.value"
            var tracked = try scene.parameters.value(trackedKey).detached()
            tracked.enableGradient()
            try scene.parameters.set(trackedKey, to: tracked)
            let image = scene.render(samplesPerPixel: 1, seed: 3)
            image.array.eval()
            let context = TraceContext.current
            context.resetStatistics()
            image.array.sum().backward()
            let gradient = tracked.gradient.values
            let textureAdjointBytes = size * size * 3 * MemoryLayout<Float>.size
            #expect(context.statistics.allocatedBytes < textureAdjointBytes / 4,
                    "the backward allocated \(context.statistics.allocatedBytes) bytes")
            #expect(gradient.contains { $0 != 0 }, "\(trackedKey) has gradient \(gradient)")
        }
    }
}
