// Wavefront compaction: tracing only the live lanes after most paths ended changes no image and no gradient.
import Foundation
import Testing
import Tracer

@testable import Integrators
import Tutorial

@Suite("Wavefront compaction")
struct WavefrontCompactionTests {
    /// 32 x 32 pixels at spp 4: 4096 lanes, the smallest wavefront that is compacted.
    static let resolution = 32
    static let spp = 4
    static let textureSize = 8
    static let textures = Array(ProceduralTextures.all(size: textureSize).prefix(2))

    /// The tutorial scene with the given compaction threshold (0: never; 1: after every bounce with ended paths).
    func scene(threshold: Double) throws -> Scene {
        var scene = try TutorialScene.make(resolution: Self.resolution,
                                           texture: .init(size: Self.textureSize, values: Self.textures[0]))
        scene.integrator.compactionThreshold = threshold
        scene.integrator.pathLoop = .wavefront
        return scene
    }

    @Test("images are bit for bit the same with and without compaction, single and batched", arguments: Variant.allCases)
    func images(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            var renders: [[UInt32]] = []
            var launches: [Int] = []
            for threshold in [0, 0.25, 1] {
                let scene = try scene(threshold: threshold)
                let before = TraceContext.current.statistics.kernelsLaunched
                let single = scene.render(samplesPerPixel: Self.spp, seed: 3).values
                let batch = try scene.render(samplesPerPixel: Self.spp, seeds: [3, 8], batching: TutorialScene.textureKey,
                                             values: FloatArray(Self.textures.flatMap { $0 })).values
                launches.append(TraceContext.current.statistics.kernelsLaunched - before)
                renders.append((single + batch).map(\.bitPattern))
            }
            #expect(renders[1] == renders[0])
            #expect(renders[2] == renders[0])
            // The first image of the batch is the single render (same texture, same seed).
            let pixels = Self.resolution * Self.resolution * 3
            #expect(Array(renders[2][pixels..<2 * pixels]) == Array(renders[2][0..<pixels]))
            // Compacting after every bounce adds a gather kernel per compaction: it did happen.
            #expect(launches[2] > launches[0])
        }
    }

    @Test("PRB gradients agree with and without compaction", arguments: Variant.allCases)
    func gradients(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let pixels = Self.resolution * Self.resolution * 3
            // A loss that weighs pixels unevenly, so that every texel's gradient differs.
            let weights = FloatArray((0..<pixels).map { Float($0 % 5) * 0.2 - 0.3 })
            var gradients: [[Float]] = []
            for threshold in [0, 1.0] {
                let scene = try scene(threshold: threshold)
                var value = FloatArray(Self.textures[1])
                value.enableGradient()
                try scene.parameters.set(TutorialScene.textureKey, to: value)
                (scene.render(samplesPerPixel: Self.spp, seed: 4).array * weights).sum().backward()
                gradients.append(value.gradient.values)
            }
            let scale = gradients[0].map { abs($0) }.max()!
            #expect(scale > 0)
            let difference = zip(gradients[0], gradients[1]).map { abs($0 - $1) }.max()!
            #expect(difference <= 1e-5 * scale, "largest difference \(difference), scale \(scale)")
        }
    }
}
