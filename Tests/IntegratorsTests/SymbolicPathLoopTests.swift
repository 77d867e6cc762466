// The symbolic path loop: images and batches equal the wavefront's bit for bit, PRB gradients up to rounding.
import Foundation
import Testing
import Tracer

@testable import Integrators
import Tutorial

@Suite("Symbolic path loop")
struct SymbolicPathLoopTests {
    static let textureSize = 8
    static let textures = Array(ProceduralTextures.all(size: textureSize).prefix(2))

    /// The tutorial scene with the given loop mode and depth limit.
    static func scene(_ loop: IntegratorSettings.PathLoop, resolution: Int, maxDepth: Int = 6) throws -> Scene {
        var scene = try TutorialScene.make(resolution: resolution, texture: .init(size: textureSize, values: textures[0]))
        scene.integrator.pathLoop = loop
        scene.integrator.maxDepth = maxDepth
        return scene
    }

    /// The bits of a render. 32 x 32 at spp 4 (4096 lanes) lets the wavefront compact; the symbolic loop never does.
    static func image(_ loop: IntegratorSettings.PathLoop, variant: Variant, maxDepth: Int) throws -> [UInt32] {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let resolution = variant == .llvm ? 32 : 16
            let scene = try scene(loop, resolution: resolution, maxDepth: maxDepth)
            return scene.render(samplesPerPixel: 4, seed: 7).values.map(\.bitPattern)
        }
    }

    @Test("a render is bit for bit the wavefront's, for several depth limits",
          arguments: Variant.allCases, [6, 3, 2, -1])
    func sameImage(variant: Variant, maxDepth: Int) throws {
        let wavefront = try Self.image(.wavefront, variant: variant, maxDepth: maxDepth)
        let symbolic = try Self.image(.symbolic, variant: variant, maxDepth: maxDepth)
        #expect(symbolic.count == wavefront.count)
        #expect(symbolic == wavefront)
        #expect(wavefront.contains { $0 != 0 })
    }

    /// A batched render of both textures with a gradient-tracked value (so the primal pass also traces the PRB
    /// primal replay), and the gradient of a weighted loss on it.
    static func batch(_ loop: IntegratorSettings.PathLoop, variant: Variant) throws -> (image: [UInt32], gradient: [UInt32]) {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let scene = try scene(loop, resolution: variant == .llvm ? 32 : 12)
            var values = FloatArray(textures.flatMap { $0 })
            values.enableGradient()
            let images = try scene.render(samplesPerPixel: 4, seeds: [3, 8], batching: TutorialScene.textureKey,
                                          values: values)
            let weights = FloatArray((0..<images.array.count).map { Float($0 % 5) * 0.2 - 0.3 })
            (images.array * weights).sum().backward()
            return (images.values.map(\.bitPattern), values.gradient.values.map(\.bitPattern))
        }
    }

    @Test("a batched render with its PRB replay is bit for bit the wavefront's, its gradient equal up to rounding",
          arguments: Variant.allCases)
    func sameBatch(variant: Variant) throws {
        let wavefront = try Self.batch(.wavefront, variant: variant)
        let symbolic = try Self.batch(.symbolic, variant: variant)
        #expect(symbolic.image == wavefront.image)
        // The adjoint pass adds the same terms, in another order (scatter-adds per vector and bounce rather than
        // per bounce over the wavefront): equal up to float rounding of the sums.
        let a = symbolic.gradient.map(Float.init(bitPattern:)), b = wavefront.gradient.map(Float.init(bitPattern:))
        let scale = b.map(abs).max() ?? 0
        let difference = zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
        #expect(a.count == b.count)
        #expect(scale > 0)
        #expect(difference <= 1e-5 * scale, "largest difference \(difference) of gradients up to \(scale)")
    }

    @Test("a shard's film sums are bit for bit the wavefront's")
    func sameShard() throws {
        func sums(_ loop: IntegratorSettings.PathLoop) throws -> [UInt32] {
            try TraceContext.with(CompileOptions(variant: .llvm)) {
                let scene = try Self.scene(loop, resolution: 16)
                return scene.filmSums(samplesPerPixel: 6, seed: 4, samples: 2..<5).flatMap { part in
                    part.sums.channels.flatMap { $0.values.map(\.bitPattern) }
                }
            }
        }
        #expect(try sums(.symbolic) == sums(.wavefront))
    }

    @Test("the symbolic primal path loop, camera rays and seeding included, is one kernel", arguments: [1, 3])
    func oneKernel(images: Int) throws {
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            var scene = try Self.scene(.symbolic, resolution: 16)
            scene.sensor.film.imageCount = images
            let spp = 4
            let seeds = RenderSeeds((0..<images).map { UInt32($0 * 3 + 1) })
            var sampler = seeds.sampler(lanesPerImage: scene.sensor.film.pixelCount * spp, pattern: .independent,
                                        samplesPerPixel: spp)
            let camera = CameraSamples(scene: scene, samplesPerPixel: spp, sampler: &sampler)
            let context = TraceContext.current
            // The film's splat weights (5 offsets per axis for the gaussian) ride along as companions: the same
            // kernel evaluates them.
            let weights = scene.sensor.film.splatWeights(positions: camera.positions, samplesPerPixel: spp)
            #expect(weights.arrays.count == 10 && weights.arrays.allSatisfy { !$0.node.isEvaluated })
            let before = context.statistics.kernelsLaunched
            let radiance = PathTracer.radiance(scene: scene, rays: camera.rays, laneCount: camera.laneCount,
                                               sampler: sampler, bindings: RenderBindings(), companions: weights.arrays)
            #expect(context.statistics.kernelsLaunched - before == 1)
            #expect(radiance.x.node.isEvaluated && radiance.y.node.isEvaluated && radiance.z.node.isEvaluated)
            #expect(weights.arrays.allSatisfy { $0.node.isEvaluated })
            #expect(radiance.count == camera.laneCount)
        }
    }

    @Test("a whole symbolic render launches the loop's kernel plus the film's, less the one for the splat weights")
    func renderKernels() throws {
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let scene = try Self.scene(.symbolic, resolution: 16)
            let context = TraceContext.current
            // The film's kernels alone: developing radiance that is already in memory.
            var sampler = Sampler(seed: 5, laneCount: scene.sensor.film.pixelCount * 4)
            let camera = CameraSamples(scene: scene, samplesPerPixel: 4, sampler: &sampler)
            let radiance = Vector3Array(x: FloatArray.zeros(camera.laneCount) + 0.5, y: FloatArray.zeros(camera.laneCount),
                                        z: FloatArray.zeros(camera.laneCount))
            context.evaluate(radiance.components.map(\.node))
            let filmStart = context.statistics.kernelsLaunched
            _ = scene.sensor.film.develop(positions: camera.positions, radiance: radiance, samplesPerPixel: 4).values
            let film = context.statistics.kernelsLaunched - filmStart
            let start = context.statistics.kernelsLaunched
            _ = scene.render(samplesPerPixel: 4, seed: 5).values
            // The film alone computes its splat weights in a kernel of its own; in a render the loop's kernel does.
            #expect(context.statistics.kernelsLaunched - start == film)
        }
    }

    @Test("the PRB adjoint replay on the symbolic loop launches as many kernels at any depth, the wavefront more")
    func adjointKernels() throws {
        /// Launches of the adjoint pass (its primal replay given, evaluated), and whether a gradient arrived.
        func adjointLaunches(_ loop: IntegratorSettings.PathLoop, maxDepth: Int) throws -> Int {
            try TraceContext.with(CompileOptions(variant: .llvm)) {
                let scene = try Self.scene(loop, resolution: 16, maxDepth: maxDepth)
                var texture = try scene.parameters.value(TutorialScene.textureKey)
                texture.enableGradient()
                try scene.parameters.set(TutorialScene.textureKey, to: texture)
                let lanes = scene.sensor.film.pixelCount * 4
                let replay = Vector3Array(x: FloatArray.zeros(lanes) + 0.5, y: FloatArray.zeros(lanes) + 0.25,
                                          z: FloatArray.zeros(lanes) + 0.125)
                let imageGradient = FloatArray.zeros(scene.sensor.film.pixelCount * 3) + 1
                let context = TraceContext.current
                context.evaluate(replay.components.map(\.node) + [imageGradient.node])
                let start = context.statistics.kernelsLaunched
                PRBAdjoint.backpropagate(scene: scene,
                                         bindings: RenderBindings(), imageGradient: imageGradient, samplesPerPixel: 4,
                                         seeds: RenderSeeds([9]), replayRadiance: replay)
                let gradient = try scene.parameters.value(TutorialScene.textureKey).gradient.values
                #expect(gradient.contains { $0 != 0 })
                return context.statistics.kernelsLaunched - start
            }
        }
        let shallow = try adjointLaunches(.symbolic, maxDepth: 3), deep = try adjointLaunches(.symbolic, maxDepth: 8)
        #expect(shallow == deep)
        #expect(try adjointLaunches(.wavefront, maxDepth: 8) > deep + 4)
    }
}
