// Textured roughness and emission in a scene against Mitsuba 3.9.1: keys, the same-seed image and PRB gradients.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("textured roughness and area-light radiance against Mitsuba")
struct TexturedSlotSceneTests {
    /// Fixtures/TexturedSlots: the scene, its bitmaps and Mitsuba's outputs, written by make_textured_slots.py.
    static func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/TexturedSlots/\(name)")
    }

    @Test("the new keys are Mitsuba's, with its shapes: a gray bitmap has one channel, an RGB one three")
    func keys() throws {
        let scene = try Scene(contentsOf: Self.fixture("textured_slots.xml"))
        let parameters = scene.parameters
        let expected: [String: [Int]] = [
            "plate.bsdf.alpha.color0.value": [1], "plate.bsdf.alpha.color1.value": [1],
            "glass.bsdf.alpha.data": [4, 8, 1], "brushed.bsdf.alpha_u.data": [4, 4, 3],
            "brushed.bsdf.alpha_v.value": [1], "light.emitter.radiance.data": [4, 6, 3],
            "panel.emitter.radiance.color0.value": [3], "panel.emitter.radiance.color1.value": [3],
        ]
        for (key, shape) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(try parameters.shape(of: key) == shape, "\(key)")
        }
        let keys = Set(parameters.keys)
        for stale in ["plate.bsdf.alpha.value", "brushed.bsdf.alpha.value", "light.emitter.radiance.value"] {
            #expect(!keys.contains(stale), "\(stale)")
        }
    }

    @Test("rendered with Mitsuba's seed, the image is Mitsuba's (textures sampled and looked up as Mitsuba does)")
    func sameSeedAsMitsuba() throws {
        try SameSeedImage.expectMatches(scene: Self.fixture("textured_slots.xml"),
                                        mitsuba: Self.fixture("textured_slots_mitsuba_spp64.npy"), samplesPerPixel: 64)
    }

    @Test("PRB gradients of the image mean for the textured keys are Mitsuba's at the same seeds",
          arguments: ["plate.bsdf.alpha.color0.value", "glass.bsdf.alpha.data", "brushed.bsdf.alpha_u.data",
                      "light.emitter.radiance.data", "panel.emitter.radiance.color1.value"])
    func gradientsAgainstMitsuba(key: String) throws {
        let data = try Data(contentsOf: Self.fixture("textured_slots_gradients.json"))
        let seeds = try #require(try JSONDecoder().decode([String: [[Float]]].self, from: data)[key])
        let gradient = try sceneGradient(of: key, scene: Self.fixture("textured_slots.xml"), samplesPerPixel: 16)
        try MeshSceneTests.expectInSpread(gradient, seeds, key: key)
        // Seeds 0 and 100 are Mitsuba's first row: the same paths, so the same gradient up to rounding.
        let scale = seeds[0].map(abs).max() ?? 0
        #expect(scale > 0, "\(key): Mitsuba's gradient must not vanish")
        for (index, (ours, theirs)) in zip(gradient, seeds[0]).enumerated() {
            #expect(abs(ours - theirs) <= 2e-3 * scale + 1e-3 * abs(theirs),
                    "\(key)[\(index)]: \(ours) vs Mitsuba's \(theirs)")
        }
    }
}
