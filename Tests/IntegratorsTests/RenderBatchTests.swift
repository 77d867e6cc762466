// Batched renders: several values of one parameter in one wavefront give the images and gradients of separate renders.
import Foundation
import Testing
import Tracer

@testable import Integrators
import Tutorial

@Suite("Batched renders")
struct RenderBatchTests {
    static let size = 8
    static let textures = Array(ProceduralTextures.all(size: size).prefix(3))
    static let seeds: [UInt32] = [5, 9, 2]

    func scene() throws -> Scene {
        try TutorialScene.make(resolution: 16, texture: .init(size: Self.size, values: Self.textures[0]))
    }

    @Test("image j of a batch is, bit for bit, the render of value j with seed j", arguments: Variant.allCases)
    func images(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let scene = try scene()
            let key = TutorialScene.textureKey
            let batch = try scene.render(samplesPerPixel: 3, seeds: Self.seeds, batching: key,
                                         values: FloatArray(Self.textures.flatMap { $0 })).values
            let pixels = 16 * 16 * 3
            #expect(batch.count == Self.seeds.count * pixels)
            for (j, texture) in Self.textures.enumerated() {
                try scene.parameters.set(key, to: FloatArray(texture))
                let single = scene.render(samplesPerPixel: 3, seed: Self.seeds[j]).values
                let slice = Array(batch[j * pixels..<(j + 1) * pixels])
                #expect(slice.map(\.bitPattern) == single.map(\.bitPattern), "image \(j)")
            }
            // The parameter keeps its value after a batched render.
            #expect(try scene.parameters.value(key).count == Self.size * Self.size * 3)
        }
    }

    @Test("the gradient of a batch holds each value's gradient from its own render", arguments: Variant.allCases)
    func gradients(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let scene = try scene()
            let key = TutorialScene.textureKey
            let pixels = 16 * 16 * 3, elements = Self.size * Self.size * 3
            // A loss that weighs pixels unevenly, so every texel's gradient differs.
            let weights = (0..<pixels).map { Float($0 % 7) * 0.1 - 0.2 }
            var values = FloatArray(Self.textures.flatMap { $0 })
            values.enableGradient()
            let batch = try scene.render(samplesPerPixel: 2, seeds: Self.seeds, batching: key, values: values)
            (batch.array * FloatArray(Array((0..<Self.seeds.count).map { _ in weights }.joined()))).sum().backward()
            let batched = values.gradient.values
            for (j, texture) in Self.textures.enumerated() {
                var value = FloatArray(texture)
                value.enableGradient()
                try scene.parameters.set(key, to: value)
                (scene.render(samplesPerPixel: 2, seed: Self.seeds[j]).array * FloatArray(weights)).sum().backward()
                let single = value.gradient.values
                let slice = batched[j * elements..<(j + 1) * elements]
                let scale = single.map { abs($0) }.max()!
                #expect(scale > 0)
                let difference = zip(slice, single).map { abs($0 - $1) }.max()!
                #expect(difference <= 1e-5 * scale, "image \(j): largest difference \(difference), scale \(scale)")
            }
        }
    }

    @Test("bad batches are refused with a message naming the problem")
    func errors() throws {
        let scene = try scene()
        let key = TutorialScene.textureKey
        let values = FloatArray(Self.textures.flatMap { $0 })
        #expect(throws: RenderError.self) {
            try scene.render(samplesPerPixel: 1, seeds: [1, 2], batching: key, values: values)
        }
        #expect(throws: RenderError.self) {
            try scene.render(samplesPerPixel: 1, seeds: Self.seeds, seedGrads: Self.seeds, batching: key, values: values)
        }
        #expect(throws: RenderError.self) {
            try scene.render(samplesPerPixel: 1, seeds: Self.seeds, batching: "no.such.key", values: values)
        }
        do {
            _ = try scene.render(samplesPerPixel: 1, seeds: [1, 2], batching: key, values: values)
        } catch let error as RenderError {
            #expect(error.description.contains("2 images need"))
        }
    }
}
