// Two renders and two optimisations in one process at once, each in a context of its own, give the bits they
// give alone.
import Foundation
import Integrators
import Optim
import Testing
import Tracer
import Tutorial

@Suite("Concurrency")
struct ConcurrencyTests {
    /// The tutorial scene at `resolution` with one of the built-in textures, rendered at spp 4 in a fresh context.
    static func render(resolution: Int, texture: String, seed: UInt32) throws -> [UInt32] {
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let values = ProceduralTextures.texture(named: texture, size: 16)!
            let scene = try TutorialScene.make(resolution: resolution, texture: .init(size: 16, values: values))
            return scene.render(samplesPerPixel: 4, seed: seed).values.map(\.bitPattern)
        }
    }

    /// A small layer trained with Adam for 5 steps in a fresh context: its weights.
    static func train(seed: UInt64) -> [UInt32] {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            let model = Sequential(Linear(inFeatures: 32, outFeatures: 16, seed: seed), Sigmoid())
            let adam = Adam(model.parameters, lr: 0.01)
            let x = FloatArray((0..<64).map { Float($0 % 7) / 7 })
            let target = FloatArray((0..<32).map { Float($0 % 3) / 3 })
            for _ in 0..<5 {
                adam.zeroGrad()
                mseLoss(model(x), target).backward()
                adam.step()
            }
            return model.parameters.flatMap { $0.values.map(\.bitPattern) }
        }
    }

    @Test("two scenes rendered at once from two tasks give the same bits as alone")
    func twoRenders() async throws {
        let alone = try (Self.render(resolution: 24, texture: "checker", seed: 1),
                         Self.render(resolution: 20, texture: "shapes", seed: 2))
        for _ in 0..<3 {
            async let first = Task.detached { try Self.render(resolution: 24, texture: "checker", seed: 1) }.value
            async let second = Task.detached { try Self.render(resolution: 20, texture: "shapes", seed: 2) }.value
            let together = try await (first, second)
            #expect(together.0 == alone.0)
            #expect(together.1 == alone.1)
        }
    }

    @Test("two optimisations at once in one process give the same weights as alone")
    func twoOptimisations() async throws {
        let alone = (Self.train(seed: 3), Self.train(seed: 4))
        async let first = Task.detached { Self.train(seed: 3) }.value
        async let second = Task.detached { Self.train(seed: 4) }.value
        let together = await (first, second)
        #expect(together.0 == alone.0)
        #expect(together.1 == alone.1)
    }
}
