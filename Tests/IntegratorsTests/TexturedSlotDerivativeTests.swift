// Derivatives with respect to textured roughness and emission (alpha.data, radiance.data, a checkerboard's colour)
// against central differences: of the BSDF and emitter values at a hit, and of whole renders.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("textured slot derivatives against central differences")
struct TexturedSlotDerivativeTests {
    /// A 4 × 2 gray map; the hit at uv (0.45, 0.4) interpolates texels 1, 2, 5 and 6 bilinearly.
    static let texels: [Float] = [0.3, 0.12, 0.25, 0.2, 0.15, 0.35, 0.08, 0.5]
    static let uv = SIMD2<Float>(0.45, 0.4)
    static let neighbours = [1, 2, 5, 6]

    /// d f / d data[texel] by reverse mode and by central differences of step `h`, through `slot`.
    static func derivatives(_ slot: ParameterSlot, texel: Int, h: Float = 1e-3,
                            _ f: () -> FloatArray) -> (ad: Float, fd: Float) {
        let base = slot.value.values
        var leaf = FloatArray(base)
        leaf.enableGradient()
        slot.value = leaf
        f().sum().backward()
        let ad = leaf.gradient.values[texel]
        var up = base, down = base
        up[texel] += h
        down[texel] -= h
        slot.value = FloatArray(up)
        let plus = f().values.reduce(0, +)
        slot.value = FloatArray(down)
        let minus = f().values.reduce(0, +)
        slot.value = FloatArray(base)
        return (ad, (plus - minus) / (2 * h))
    }

    @Test("roughconductor and roughdielectric: d eval / d alpha.data of a bilinear bitmap, texel by texel",
          arguments: [Variant.scalar, .llvm])
    func roughnessData(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let bitmap = BitmapTexture(data: FloatArray(Self.texels), width: 4, height: 2, channels: 1)
            let bsdfs: [(String, any BSDF)] = [
                ("roughconductor", RoughConductorBSDF(distribution: .ggx, roughness: MicrofacetRoughness(alpha: bitmap))),
                ("roughdielectric", RoughDielectricBSDF(roughness: MicrofacetRoughness(alpha: bitmap))),
                ("roughconductor alpha_v", RoughConductorBSDF(roughness: MicrofacetRoughness(
                    alphaU: UniformTexture(0.2), alphaV: bitmap))),
            ]
            for (name, bsdf) in bsdfs {
                for (wi, wo) in zip(ParameterDerivativeTests.wi, ParameterDerivativeTests.wo) {
                    // roughconductor has no transmission: reflect its wo.
                    let reflectedWo = name.hasPrefix("roughconductor") ? Vector3f(wo.x, wo.y, abs(wo.z)) : wo
                    let si = PluginFixtures.interaction(wi: [wi], uv: [Self.uv])
                    let value = { bsdf.eval(si, wo: Vector3Array([reflectedWo]), active: true).x }
                    for texel in Self.neighbours {
                        ParameterDerivativeTests.expectClose(Self.derivatives(bitmap.data, texel: texel, value),
                                                             "\(name) texel \(texel), wo \(reflectedWo)")
                    }
                    #expect(Self.derivatives(bitmap.data, texel: 7, value).ad == 0, "\(name): a texel not read")
                }
            }
        }
    }

    @Test("area light: d radiance at a hit / d radiance.data of a bilinear bitmap, texel by texel",
          arguments: [Variant.scalar, .llvm])
    func emissionData(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let rgb: [Float] = Self.texels.flatMap { (value: Float) -> [Float] in [value, 2 * value, 0.5] }
            let bitmap = BitmapTexture(data: FloatArray(rgb), width: 4, height: 2)
            let light = AreaEmitter(shape: RectangleShape(), radiance: bitmap)
            let si = PluginFixtures.interaction(wi: [Vector3f(0.2, 0.1, 0.9).normalized], uv: [Self.uv])
            let direction = Vector3Array([Vector3f(0.2, 0.1, -0.9).normalized])
            for texel in Self.neighbours {
                for channel in 0..<3 {
                    let value = { () -> FloatArray in
                        let radiance = light.eval(si, direction: direction, active: true)
                        return [radiance.x, radiance.y, radiance.z][channel]
                    }
                    let pair = Self.derivatives(bitmap.data, texel: 3 * texel + channel, h: 1e-2, value)
                    ParameterDerivativeTests.expectClose(pair, "radiance texel \(texel) channel \(channel)")
                }
            }
        }
    }

    static func scene() throws -> Scene {
        try Scene(contentsOf: TexturedSlotSceneTests.fixture("textured_slots.xml"), overrides: ["res": "16"])
    }

    /// The PRB gradient of mean(image) with respect to `key` at `value`, replaying the image's own seed's paths
    /// at seedGrad (the renders below use the same seed, so their differences see the same paths).
    static func gradient(_ scene: Scene, _ key: String, at value: [Float], seed: UInt32) throws -> [Float] {
        var leaf = FloatArray(value)
        leaf.enableGradient()
        try scene.parameters.set(key, to: leaf)
        scene.render(samplesPerPixel: 4, seed: seed + 1, seedGrad: seed).array.mean().backward()
        return leaf.gradient.values
    }

    static func meanImage(_ scene: Scene, _ key: String, _ value: [Float], seed: UInt32) throws -> Double {
        try scene.parameters.set(key, to: FloatArray(value))
        let image = scene.render(samplesPerPixel: 4, seed: seed).values
        return image.reduce(0.0) { $0 + Double($1) } / Double(image.count)
    }

    @Test("renders: d mean(image) / d light.emitter.radiance.data along the data matches scaled renders")
    func renderEmissionData() throws {
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let scene = try Self.scene()
            let key = "light.emitter.radiance.data"
            let base = try scene.parameters.value(key).values
            let gradient = try Self.gradient(scene, key, at: base, seed: 3)
            let predicted = zip(gradient, base).reduce(0.0) { $0 + Double($1.0 * $1.1) }
            // The image is linear in the light's radiance while its samples do not move, and scaling the data by
            // a power of two leaves the texel distribution's bits, so the sampled points, as they are: d/ds
            // mean(s · data) at s = 1 is the slope between s = 1/2 and s = 2.
            let half = try Self.meanImage(scene, key, base.map { $0 * 0.5 }, seed: 3)
            let double = try Self.meanImage(scene, key, base.map { $0 * 2 }, seed: 3)
            let slope = (double - half) / 1.5
            #expect(predicted > 0 && abs(predicted - slope) < 2e-3 * abs(slope), "PRB \(predicted) vs renders \(slope)")
        }
    }

    @Test("renders: d mean(image) / d panel.emitter.radiance.color1.value matches central differences, per channel")
    func renderCheckerboardColour() throws {
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let scene = try Self.scene()
            let key = "panel.emitter.radiance.color1.value"
            let base = try scene.parameters.value(key).values
            let gradient = try Self.gradient(scene, key, at: base, seed: 5)
            for channel in 0..<3 {
                var up = base, down = base
                up[channel] += 0.05
                down[channel] -= 0.05
                let finite = (try Self.meanImage(scene, key, up, seed: 5) - Self.meanImage(scene, key, down, seed: 5)) / 0.1
                #expect(finite > 0 && abs(Double(gradient[channel]) - finite) < 2e-3 * abs(finite),
                        "channel \(channel): PRB \(gradient[channel]) vs finite differences \(finite)")
            }
        }
    }
}
