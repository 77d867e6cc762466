// Frozen bounces: launching the previous bounce's frozen kernel instead of recording changes no image or gradient.
import Foundation
import Testing
import Tracer

@testable import Integrators
import Tutorial

@Suite("Frozen bounces")
struct FrozenBounceTests {
    static let textureSize = 8
    static let textures = Array(ProceduralTextures.all(size: textureSize).prefix(2))

    /// The bits of a batched render of both textures, of the gradient of a weighted loss on it, and the nodes
    /// recorded, with bounces frozen or recorded. 32 x 32 at spp 4: wavefronts large enough to be compacted too.
    static func run(freezing: Bool, variant: Variant) throws -> (image: [UInt32], gradient: [UInt32], nodes: Int) {
        try TraceContext.with(CompileOptions(variant: variant)) {
            var scene = try TutorialScene.make(resolution: 32, texture: .init(size: textureSize, values: textures[0]))
            scene.integrator.freezesBounces = freezing
            scene.integrator.pathLoop = .wavefront
            var values = FloatArray(textures.flatMap { $0 })
            values.enableGradient()
            let before = TraceContext.current.statistics.nodesRecorded
            let images = try scene.render(samplesPerPixel: 4, seeds: [3, 8], batching: TutorialScene.textureKey,
                                          values: values)
            let weights = FloatArray((0..<images.array.count).map { Float($0 % 5) * 0.2 - 0.3 })
            (images.array * weights).sum().backward()
            return (images.values.map(\.bitPattern), values.gradient.values.map(\.bitPattern),
                    TraceContext.current.statistics.nodesRecorded - before)
        }
    }

    @Test("images are bit for bit those of recorded bounces and PRB gradients the same sums, with fewer nodes recorded",
          arguments: Variant.allCases)
    func sameResults(variant: Variant) throws {
        let recorded = try Self.run(freezing: false, variant: variant)
        let frozen = try Self.run(freezing: true, variant: variant)
        #expect(frozen.image == recorded.image)
        // A recorded adjoint bounce scatters into an adjoint buffer of its own, which autodiff adds to the
        // gradient; frozen bounces add into the buffer of the bounce they were frozen from. Same terms, other sums.
        let difference = zip(frozen.gradient, recorded.gradient)
            .map { abs(Float(bitPattern: $0) - Float(bitPattern: $1)) }.max()!
        let scale = recorded.gradient.map { abs(Float(bitPattern: $0)) }.max()!
        #expect(scale > 0)
        #expect(difference <= 1e-6 * scale, "largest difference \(difference), scale \(scale)")
        #expect(frozen.nodes < recorded.nodes)
    }
}
