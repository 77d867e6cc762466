// The renderer against analytic cases, Mitsuba 3's reference images and gradients, finite differences, and the
// scalar backend.
import Foundation
import Testing
import Tracer

@testable import Integrators
import Tutorial

/// Helpers for render tests: the tutorial assets and image statistics by region.
enum RenderTestSupport {
    static var tutorial: URL { ImageIOFixtures.tutorialDirectory }

    static func npy(_ name: String) throws -> [Float] {
        try Bitmap(contentsOf: tutorial.appendingPathComponent(name)).pixels
    }

    static func meanAbsoluteError(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(a.count)
    }

    /// Mean of (a - b) over the pixels whose centre lies at a distance from the image centre in `radii`.
    static func meanDifference(_ a: [Float], _ b: [Float], size: Int, radii: Range<Double>) -> Double {
        var sum = 0.0, count = 0
        for row in 0..<size {
            for column in 0..<size {
                let r = ((Double(column) + 0.5 - Double(size) / 2) * (Double(column) + 0.5 - Double(size) / 2)
                    + (Double(row) + 0.5 - Double(size) / 2) * (Double(row) + 0.5 - Double(size) / 2)).squareRoot()
                guard radii.contains(r) else { continue }
                for channel in 0..<3 {
                    let index = (row * size + column) * 3 + channel
                    sum += Double(a[index] - b[index])
                    count += 1
                }
            }
        }
        return sum / Double(max(count, 1))
    }

    /// A scene of one shape with a constant diffuse reflectance under the white environment.
    static func singleShapeScene(_ shape: any Shape, reflectance: Float, resolution: Int,
                                 twoSided: Bool) -> Scene {
        let diffuse = DiffuseBSDF(reflectance: Vector3f(repeating: reflectance))
        let bsdf: any BSDF = twoSided ? TwoSidedBSDF(diffuse) : diffuse
        return try! Scene(sensor: .tutorial(resolution: resolution),
                     shapes: [SceneShape(id: "shape", shape: shape, bsdf: bsdf)],
                     emitters: [SceneEmitter(id: "emitter_0", emitter: ConstantEmitter(radiance: Vector3f(1, 1, 1)))],
                     boundingSphere: Scene.boundingSphere(of: shape.bounds))
    }
}

@Suite("Renderer")
struct RenderTests {
    @Test("a plane of constant reflectance r under a white environment renders r", arguments: [Float(0.3), 0.8])
    func constantPlane(reflectance: Float) {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            let scene = RenderTestSupport.singleShapeScene(RectangleShape(toWorld: .scale(1.2)),
                                                           reflectance: reflectance, resolution: 32, twoSided: true)
            let image = scene.render(samplesPerPixel: 64, seed: 3).values
            let mean = image.reduce(0, +) / Float(image.count)
            #expect(abs(mean - reflectance) < 0.005 * reflectance)
            #expect(image.allSatisfy { abs($0 - reflectance) < 0.1 })
        }
    }

    @Test("white furnace: an all-white diffuse sphere under radiance 1 renders 1")
    func whiteFurnace() {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            let scene = RenderTestSupport.singleShapeScene(SphereShape(center: Vector3f(0, 0, -1), radius: 0.45),
                                                           reflectance: 1, resolution: 32, twoSided: false)
            let image = scene.render(samplesPerPixel: 64, seed: 5).values
            let mean = image.reduce(0, +) / Float(image.count)
            #expect(abs(mean - 1) < 0.003)
            let worst = image.map { abs($0 - 1) }.max() ?? 0
            #expect(worst < 0.1, "worst pixel deviation \(worst)")
        }
    }

    @Test("llvm and scalar render the same image for the same seed")
    func variantsAgree() throws {
        let texture = try TutorialScene.TextureData(
            size: 8, values: ProceduralTextures.texture(named: "gradient", size: 8)!)
        let images = Variant.allCases.map { variant in
            TraceContext.with(CompileOptions(variant: variant)) {
                try! TutorialScene.make(resolution: 8, texture: texture).render(samplesPerPixel: 2, seed: 11).values
            }
        }
        let worst = zip(images[0], images[1]).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 1e-5)
    }

    @Test("a scene file renders the same image as the built-in tutorial scene")
    func sceneFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("refract-scene-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let values = ProceduralTextures.texture(named: "shapes", size: 16)!
        try Bitmap(width: 16, height: 16, channelCount: 3, pixels: values)
            .write(to: directory.appendingPathComponent("texture.npy"))
        let xml = """
        <scene version="3.0.0">
            <default name="res" value="16"/>
            <integrator type="prb"/>
            <sensor type="perspective">
                <float name="fov" value="60"/>
                <transform name="to_world"><lookat origin="0, 0, -2" target="0, 0, 0" up="0, -1, 0"/></transform>
                <film type="hdrfilm"><integer name="width" value="$res"/><integer name="height" value="$res"/></film>
            </sensor>
            <shape type="rectangle" id="textured_plane">
                <transform name="to_world"><scale value="1.2"/></transform>
                <bsdf type="twosided"><bsdf type="diffuse">
                    <texture type="bitmap" name="reflectance"><string name="filename" value="texture.npy"/></texture>
                </bsdf></bsdf>
            </shape>
            <shape type="sphere" id="glass_sphere">
                <transform name="to_world"><scale value="0.45"/><translate z="-1"/></transform>
                <bsdf type="dielectric"><float name="int_ior" value="1.06"/></bsdf>
            </shape>
            <emitter type="constant"/>
        </scene>
        """
        let file = directory.appendingPathComponent("tutorial.xml")
        try xml.write(to: file, atomically: true, encoding: .utf8)
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let fromFile = try Scene(contentsOf: file)
            let builtIn = try TutorialScene.make(resolution: 16, texture: .init(size: 16, values: values))
            #expect(fromFile.parameters.keys == [TutorialScene.textureKey, "emitter_0.radiance.value"])
            #expect(builtIn.parameters.keys == fromFile.parameters.keys)
            let a = fromFile.render(samplesPerPixel: 4, seed: 2).values
            let b = builtIn.render(samplesPerPixel: 4, seed: 2).values
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-4)
        }
    }
}

@Suite("Renderer against Mitsuba 3", .enabled(if: ImageIOFixtures.tutorialAssetsPresent, "needs ../shared/tutorial"))
struct MitsubaReferenceTests {
    /// Mean absolute error of Mitsuba's own spp 256 renders against the spp 4096 seed-0 references (noise.json).
    static let mitsubaNoise: [String: Double] = ["checker": 0.005053, "image001": 0.004685]

    @Test("spp 256 renders are as close to the references as Mitsuba's own, with no structure in the difference",
          arguments: ["checker", "image001"])
    func image(name: String) throws {
        let texture: [Float]
        if name == "checker" {
            texture = try RenderTestSupport.npy("checker_texture.npy")
        } else {
            // The tutorial's convention: the PNG's 8-bit values / 255 used as raw reflectance.
            texture = try Bitmap(contentsOf: RenderTestSupport.tutorial.appendingPathComponent("image_001.png")).pixels
        }
        let reference = try RenderTestSupport.npy("\(name == "checker" ? "checker" : "image001")_ref_spp4096_seed0.npy")
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let scene = try TutorialScene.make(resolution: 128, texture: .init(size: 128, values: texture))
            let image = scene.render(samplesPerPixel: 256, seed: 7).values
            let error = RenderTestSupport.meanAbsoluteError(image, reference)
            #expect(error <= 1.1 * Self.mitsubaNoise[name]!, "mean absolute error \(error)")
            for (region, radii) in [("plane", 57.0..<1000), ("disk", 0.0..<48), ("rim", 52.0..<57)] {
                let bias = RenderTestSupport.meanDifference(image, reference, size: 128, radii: radii)
                #expect(abs(bias) < 2e-3, "\(region): mean difference \(bias)")
            }
        }
    }

    @Test("the PRB gradient of the mean image matches Mitsuba's within its noise")
    func gradient() throws {
        let texture = try RenderTestSupport.npy("checker_texture.npy")
        let reference = try RenderTestSupport.npy("checker_grad_mean_spp256x16.npy")
        let halfA = try RenderTestSupport.npy("checker_grad_mean_spp256x8_halfA.npy")
        let halfB = try RenderTestSupport.npy("checker_grad_mean_spp256x8_halfB.npy")
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let scene = try TutorialScene.make(resolution: 128, texture: .init(size: 128, values: texture))
            var data = try scene.parameters.value(TutorialScene.textureKey)
            data.enableGradient()
            try scene.parameters.set(TutorialScene.textureKey, to: data)
            scene.render(samplesPerPixel: 256, seed: 1000, seedGrad: 1001).array.mean().backward()
            let gradient = data.gradient.values
            // One pass against the mean of 16: its noise is about twice that of halfA - halfB (the mean of 8
            // against another mean of 8), so allow 2.6 times that.
            let error = RenderTestSupport.meanAbsoluteError(gradient, reference)
            let noise = RenderTestSupport.meanAbsoluteError(halfA, halfB)
            #expect(error < 2.6 * noise, "error \(error), Mitsuba's half-to-half noise \(noise)")
            let total = gradient.reduce(0, +), expected = reference.reduce(0, +)
            #expect(abs(total - expected) < 0.01 * abs(expected))
        }
    }
}

@Suite("PRB gradients against finite differences")
struct GradientFiniteDifferenceTests {
    @Test("d mean(image) / d texture matches central differences of renders at the same seed",
          arguments: Variant.allCases)
    func finiteDifferences(variant: Variant) throws {
        let size = 8
        let base = ProceduralTextures.texture(named: "gradient", size: size)!.map { 0.2 + 0.6 * $0 }
        try TraceContext.with(CompileOptions(variant: variant)) {
            let scene = try TutorialScene.make(resolution: 12, texture: .init(size: size, values: base))
            let parameters = scene.parameters
            let seed: UInt32 = 21
            func meanImage(_ values: [Float]) throws -> Double {
                try parameters.set(TutorialScene.textureKey, to: FloatArray(values))
                let image = scene.primalImage(samplesPerPixel: 4, seed: seed).values
                return image.reduce(0.0) { $0 + Double($1) } / Double(image.count)
            }
            // The PRB adjoint replaying the same seed as the finite-difference renders.
            var data = FloatArray(base)
            data.enableGradient()
            try parameters.set(TutorialScene.textureKey, to: data)
            let pixels = 12 * 12 * 3
            let imageGradient = FloatArray(repeating: 1 / Float(pixels), count: pixels)
            PRBAdjoint.backpropagate(scene: scene, bindings: RenderBindings(), imageGradient: imageGradient,
                                     samplesPerPixel: 4, seeds: RenderSeeds([seed]))
            let gradient = data.gradient.values
            // Whole-texture direction and a few single texels.
            let step: Float = 0.05
            let plus = try meanImage(base.map { $0 + step }), minus = try meanImage(base.map { $0 - step })
            let directional = (plus - minus) / Double(2 * step)
            let predicted = gradient.reduce(0.0) { $0 + Double($1) }
            #expect(abs(predicted - directional) < 2e-3 * abs(directional) + 1e-6,
                    "PRB \(predicted) vs finite differences \(directional)")
            for texel in [27 * 3, 36 * 3 + 1, 45 * 3 + 2] {
                var up = base, down = base
                up[texel] += step
                down[texel] -= step
                let finite = (try meanImage(up) - meanImage(down)) / Double(2 * step)
                #expect(abs(Double(gradient[texel]) - finite) < 2e-3 * abs(finite) + 1e-6,
                        "texel \(texel): PRB \(gradient[texel]) vs finite differences \(finite)")
            }
        }
    }
}
