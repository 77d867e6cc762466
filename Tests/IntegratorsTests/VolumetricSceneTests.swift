// volpath scenes against Mitsuba 3.9.1: the same image with the same seed, and within Mitsuba's seed-to-seed spread.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("Volumetric path tracer against Mitsuba")
struct VolumetricSceneTests {
    /// Fixtures/Volumes: scenes and Mitsuba's renders, written by make_volume_scenes.py.
    static func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/Volumes/\(name)")
    }

    static let files = ["smoke.xml", "glass_medium.xml", "thin_boundaries.xml"]

    @Test("rendered with Mitsuba's seed, the image is Mitsuba's (same paths through media)", arguments: files)
    func sameSeedAsMitsuba(file: String) throws {
        let stem = file.replacingOccurrences(of: ".xml", with: "")
        // Measured: the largest difference is 2e-6 (smoke 3e-7, thin_boundaries 2e-7).
        try SameSeedImage.expectMatches(scene: Self.fixture(file), mitsuba: Self.fixture("\(stem)_mitsuba_spp64.npy"),
                                        samplesPerPixel: 64, outlierShare: 1000, meanTolerance: 1e-5)
    }

    /// smoke.xml's variants (make_volume_scenes.py): hidden emitters, grey free-flight weights
    /// (`has_spectral_extinction` false with a coloured extinction), unlimited depth with early Russian roulette, and
    /// an RGBA film with hidden emitters (whose alpha is Mitsuba's `valid_ray`).
    static let variants: [String: [String: String]] = [
        "smoke_hidden": ["hide": "true"],
        "smoke_grey_weights": ["spectral": "false", "sigma": "0.5, 1, 0.75"],
        "smoke_roulette": ["depth": "-1", "rr": "2"],
        "smoke_alpha": ["format": "rgba", "hide": "true"],
    ]

    @Test("variants of the integrator's and the medium's settings give Mitsuba's image with its seed",
          arguments: variants.keys.sorted())
    func variantsSameSeedAsMitsuba(name: String) throws {
        let theirs = try Bitmap(contentsOf: Self.fixture("\(name)_mitsuba_spp64.npy")).pixels
        let ours = try TraceContext.with(CompileOptions(variant: .llvm)) {
            // The render in passes gives an RGBA film's alpha too.
            try Scene(contentsOf: Self.fixture("smoke.xml"), overrides: Self.variants[name]!)
                .render(samplesPerPixel: 64, seed: 7, samplesPerPass: 64).values
        }
        #expect(ours.count == theirs.count)
        // Only float rounding may differ (a few 1e-7 where checked by hand at 16 spp).
        let largest = zip(ours, theirs).map { abs($0 - $1) }.max() ?? .infinity
        #expect(largest < 1e-4, "largest difference \(largest)")
    }

    @Test("with other seeds, the image means stay within Mitsuba's seed-to-seed spread", arguments: files)
    func withinMitsubaSpread(file: String) throws {
        let stem = file.replacingOccurrences(of: ".xml", with: "")
        let seeds = try Bitmap(contentsOf: Self.fixture("\(stem)_mitsuba_seeds.npy")).pixels
        let perImage = seeds.count / 8
        func means(_ values: ArraySlice<Float>) -> [Double] {
            (0..<3).map { c in
                stride(from: values.startIndex + c, to: values.endIndex, by: 3).reduce(0.0) { $0 + Double(values[$1]) }
                    / Double(values.count / 3)
            }
        }
        let theirs = (0..<8).map { means(seeds[($0 * perImage)..<(($0 + 1) * perImage)]) }
        let ours = try TraceContext.with(CompileOptions(variant: .llvm)) {
            try (100..<104).map { seed in
                means(ArraySlice(try Scene(contentsOf: Self.fixture(file)).render(samplesPerPixel: 64, seed: UInt32(seed)).values))
            }
        }
        for c in 0..<3 {
            let mitsubaMean = theirs.map { $0[c] }.reduce(0, +) / 8
            let spread = (theirs.map { ($0[c] - mitsubaMean) * ($0[c] - mitsubaMean) }.reduce(0, +) / 7).squareRoot()
            let ourMean = ours.map { $0[c] }.reduce(0, +) / Double(ours.count)
            // Four of our images average to a standard error of spread / 2; Mitsuba's eight to spread / 2.8.
            #expect(abs(ourMean - mitsubaMean) < 4 * spread, "channel \(c): ours \(ourMean), Mitsuba \(mitsubaMean) ± \(spread)")
        }
    }

    @Test("the LLVM and scalar backends render the same bits", arguments: files)
    func backendsAgree(file: String) throws {
        func image(_ variant: Variant) throws -> [UInt32] {
            try TraceContext.with(CompileOptions(variant: variant)) {
                try Scene(contentsOf: Self.fixture(file), overrides: ["res": "6"]).render(samplesPerPixel: 4, seed: 9)
                    .values.map(\.bitPattern)
            }
        }
        #expect(try image(.llvm) == (try image(.scalar)))
    }

    @Test("a sharded render merges into the single render's bits")
    func shards() throws {
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let scene = try Scene(contentsOf: Self.fixture("smoke.xml"), overrides: ["res": "8"])
            let single = scene.render(samplesPerPixel: 8, seed: 3).values
            let parts = (0..<3).flatMap { index in
                scene.filmSums(samplesPerPixel: 8, seed: 3,
                               samples: Scene.shardSamples(index: index, of: 3, samplesPerPixel: 8))
            }
            let film = scene.sensor.film
            let merged = try film.image(of: film.combine(Dictionary(uniqueKeysWithValues: parts.map { ($0.segment, $0.sums) }),
                                                         samples: 8)).values
            #expect(merged.map(\.bitPattern) == single.map(\.bitPattern))
        }
    }
}
