// A scene with thindielectric, mask, blendbsdf and checkerboard rendered with Mitsuba 3.9.1's seed: the same image.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("thindielectric, mask, blendbsdf and checkerboard in a render")
struct PluginSceneTests {
    /// Fixtures/BSDFs: the scene and Mitsuba's render (written by make_bsdf_scene.py).
    static func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/BSDFs/\(name)")
    }

    @Test("with Mitsuba's seed the path tracer follows Mitsuba's paths through null lobes and blends")
    func sameSeedAsMitsuba() throws {
        // Measured: the largest difference is 5e-7; a rare sample may still part at a float rounding.
        try SameSeedImage.expectMatches(scene: Self.fixture("scene.xml"), mitsuba: Self.fixture("scene_mitsuba_spp16.npy"),
                                        samplesPerPixel: 16, outlierShare: 1000, meanTolerance: 1e-5)
    }

    @Test("the symbolic and wavefront path loops give the same bits", arguments: Variant.allCases)
    func loops(variant: Variant) throws {
        func image(_ loop: IntegratorSettings.PathLoop) throws -> [Float] {
            try TraceContext.with(CompileOptions(variant: variant)) {
                var scene = try Scene(contentsOf: Self.fixture("scene.xml"), overrides: ["res": "10"])
                scene.integrator.pathLoop = loop
                return scene.render(samplesPerPixel: 4, seed: 3).values
            }
        }
        #expect(try image(.symbolic).map(\.bitPattern) == (try image(.wavefront)).map(\.bitPattern))
    }

    /// Mitsuba's d mean(image) / d value with `prb` (max_depth 5) at spp 16, seeds 0 to 5 (seed_grad = seed + 100),
    /// from Fixtures/BSDFs/make_bsdf_gradients.py. Mitsuba keeps a float colour as one value where Refract keeps
    /// three equal ones, so opacity.color1 is compared as the sum of Refract's three.
    static let mitsubaGradients: [String: [[Float]]] = [
        "panel.bsdf.weight.value": [
            [-0.01266625], [-0.01309395], [-0.01281934], [-0.01280252], [-0.01285149], [-0.01241009],
        ],
        "floor.bsdf.reflectance.color0.value": [
            [0.03091838, 0.03419559, 0.03532606], [0.03078286, 0.03397903, 0.03518632],
            [0.03090272, 0.03433078, 0.0352432], [0.03083489, 0.03397295, 0.03514308],
            [0.03043485, 0.03352067, 0.03467079], [0.03092799, 0.03392664, 0.03511417],
        ],
        "fence.bsdf.opacity.color1.value": [
            [0.009367105], [0.01064186], [0.01046343], [0.0104036], [0.01043894], [0.009120616],
        ],
        "fence.bsdf.nested_bsdf.brdf_0.reflectance.value": [
            [0.008042167, 0.00846358, 0.008584086], [0.008187981, 0.008565761, 0.008679945],
            [0.007969504, 0.008356327, 0.008415639], [0.007871665, 0.008274801, 0.00839163],
            [0.008410486, 0.008852633, 0.008953458], [0.00816999, 0.008565921, 0.008615592],
        ],
    ]

    @Test("PRB gradients of the image mean (blend weight, checkerboard colours, mask) are Mitsuba's at the same seeds",
          arguments: mitsubaGradients.keys.sorted())
    func gradientsAgainstMitsuba(key: String) throws {
        let mitsuba = try #require(Self.mitsubaGradients[key])
        let gradient = try sceneGradient(of: key, scene: Self.fixture("scene.xml"), samplesPerPixel: 16)
        #expect(gradient.count == mitsuba[0].count)
        // Seeds 0 and 100 are Mitsuba's first row: the same paths, so the same gradient up to rounding.
        for (ours, theirs) in zip(gradient, mitsuba[0]) {
            #expect(abs(ours - theirs) <= 1e-4 * abs(theirs), "\(key): \(gradient) vs Mitsuba's \(mitsuba[0]) at the same seeds")
        }
        for channel in 0..<mitsuba[0].count {
            let values = mitsuba.map { $0[channel] }
            let (low, high) = (values.min()!, values.max()!)
            let margin = (high - low) / 2
            #expect(gradient[channel] >= low - margin && gradient[channel] <= high + margin,
                    "\(key)[\(channel)] = \(gradient[channel]); Mitsuba's seeds span \(low)...\(high)")
        }
    }
}
