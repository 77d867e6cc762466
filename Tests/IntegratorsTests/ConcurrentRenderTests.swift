// One scene rendered on several threads at once: each render in a context of its own (or the scene's) gives the
// bits it gives alone, and the scene is left as it was.
import Foundation
import Testing
import Tracer

@testable import Integrators
import Tutorial

/// What the threads of `onThreads` return, in order.
private final class ThreadResults: @unchecked Sendable {
    var values: [[UInt32]?]
    let lock = NSLock()
    init(count: Int) { values = Array(repeating: nil, count: count) }
}

@Suite("Concurrent renders of one scene")
struct ConcurrentRenderTests {
    /// Runs each job on a thread of its own, all at once, and returns their results in order.
    static func onThreads(_ jobs: [@Sendable () -> [UInt32]]) -> [[UInt32]] {
        let results = ThreadResults(count: jobs.count)
        let start = DispatchSemaphore(value: 0), done = DispatchGroup()
        for (index, job) in jobs.enumerated() {
            done.enter()
            let thread = Thread {
                start.wait()
                let value = job()
                results.lock.withLock { results.values[index] = value }
                done.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        for _ in jobs { start.signal() }
        done.wait()
        return results.values.map { $0! }
    }

    /// A render job: in the scene's context (nil) or in a fresh one, the image's bits.
    struct Job: Sendable {
        var ownContext: Bool
        var render: @Sendable () -> [UInt32]

        func run(in sceneContext: TraceContext) -> [UInt32] {
            ownContext ? TraceContext.with(CompileOptions(variant: .llvm), render)
                : TraceContext.with(sceneContext, render)
        }
    }

    /// Renders `jobs` one at a time in the scene's context, then three times all at once on threads of their own, and
    /// expects the same bits.
    static func expectConcurrentRendersMatch(_ jobs: [Job], sceneContext: TraceContext) {
        let alone = jobs.map { job in TraceContext.with(sceneContext, job.render) }
        for round in 0..<3 {
            let together = onThreads(jobs.map { job in { job.run(in: sceneContext) } })
            for (index, image) in together.enumerated() {
                #expect(image == alone[index], "round \(round), render \(index)")
            }
        }
    }

    @Test("the tutorial scene, a plain and a batched render, on three threads at once",
          arguments: IntegratorSettings.PathLoop.allCases)
    func tutorialScene(pathLoop: IntegratorSettings.PathLoop) throws {
        let sceneContext = TraceContext(options: CompileOptions(variant: .llvm))
        defer { sceneContext.clearValueNumbers() }
        let textures = Array(ProceduralTextures.all(size: 8).prefix(3))
        let key = TutorialScene.textureKey
        let (scene, batchValues) = try TraceContext.with(sceneContext) {
            var scene = try TutorialScene.make(resolution: 32, texture: .init(size: 8, values: textures[0]))
            scene.integrator.pathLoop = pathLoop
            scene.integrator.compactionThreshold = 1
            return (scene, FloatArray(textures.flatMap { $0 }))
        }
        let original = try scene.parameters.value(key).values
        let plain: @Sendable () -> [UInt32] = { scene.render(samplesPerPixel: 4, seed: 7).values.map(\.bitPattern) }
        let batch: @Sendable () -> [UInt32] = {
            try! scene.render(samplesPerPixel: 4, seeds: [4, 11, 6], batching: key, values: batchValues)
                .values.map(\.bitPattern)
        }
        Self.expectConcurrentRendersMatch([Job(ownContext: false, render: plain), Job(ownContext: true, render: plain),
                                           Job(ownContext: true, render: batch)], sceneContext: sceneContext)
        #expect(try scene.parameters.value(key).values == original)
    }

    @Test("a mesh scene on Embree with an area light and several materials, on two threads at once",
          .enabled(if: EmbreeLibrary.isAvailable, "needs libembree3 (libembree-dev)"))
    func meshScene() throws {
        let sceneContext = TraceContext(options: CompileOptions(variant: .llvm))
        defer { sceneContext.clearValueNumbers() }
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/MeshScene/cornell.xml")
        let scene = try TraceContext.with(sceneContext) {
            try Scene(contentsOf: file, overrides: ["res": "24"])
        }
        let render: (UInt32) -> @Sendable () -> [UInt32] = { seed in
            { scene.render(samplesPerPixel: 4, seed: seed).values.map(\.bitPattern) }
        }
        Self.expectConcurrentRendersMatch([Job(ownContext: false, render: render(1)),
                                           Job(ownContext: true, render: render(2))], sceneContext: sceneContext)
    }

    @Test("a render in a context of its own records and launches its work there")
    func workStaysInTheRenderingContext() throws {
        let sceneContext = TraceContext(options: CompileOptions(variant: .llvm))
        defer { sceneContext.clearValueNumbers() }
        let scene = try TraceContext.with(sceneContext) {
            try TutorialScene.make(resolution: 16, texture: .init(size: 8, values: ProceduralTextures.all(size: 8)[0]))
        }
        sceneContext.resetStatistics()
        let renderContext = TraceContext(options: CompileOptions(variant: .llvm))
        defer { renderContext.clearValueNumbers() }
        _ = TraceContext.with(renderContext) { scene.render(samplesPerPixel: 2, seed: 3).values }
        #expect(renderContext.statistics.kernelsLaunched > 0)
        #expect(sceneContext.statistics.kernelsLaunched == 0)
    }
}

@Suite("Gradients across contexts")
struct CrossContextGradientTests {
    @Test("a render in a context of its own differentiates a parameter tracked in the scene's context",
          arguments: [false, true])
    func gradientOfSceneContextParameter(leafInRenderContext: Bool) throws {
        let sceneContext = TraceContext(options: CompileOptions(variant: .llvm))
        defer { sceneContext.clearValueNumbers() }
        let textures = Array(ProceduralTextures.all(size: 8).prefix(2))
        let key = TutorialScene.textureKey
        let scene = try TraceContext.with(sceneContext) {
            try TutorialScene.make(resolution: 16, texture: .init(size: 8, values: textures[0]))
        }
        let weights: [Float] = (0..<768).map { (index: Int) -> Float in Float(index % 7) * 0.1 - 0.2 }
        func gradient(leafContext: TraceContext, renderContext: TraceContext) throws -> [Float] {
            var value = TraceContext.with(leafContext) { FloatArray(textures[1]) }
            value.enableGradient()
            try scene.parameters.set(key, to: value)
            TraceContext.with(renderContext) {
                (scene.render(samplesPerPixel: 2, seed: 5).array * FloatArray(weights)).sum().backward()
            }
            return value.gradient.values
        }
        let expected = try gradient(leafContext: sceneContext, renderContext: sceneContext)
        let renderContext = TraceContext(options: CompileOptions(variant: .llvm))
        defer { renderContext.clearValueNumbers() }
        let crossed = try gradient(leafContext: leafInRenderContext ? renderContext : sceneContext,
                                   renderContext: renderContext)
        #expect(expected.contains { $0 != 0 })
        #expect(crossed == expected)
    }
}
