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
        let mitsuba = try Bitmap(contentsOf: Self.fixture("scene_mitsuba_spp16.npy")).pixels
        let ours = try TraceContext.with(CompileOptions(variant: .llvm)) {
            try Scene(contentsOf: Self.fixture("scene.xml")).render(samplesPerPixel: 16, seed: 7).values
        }
        #expect(ours.count == mitsuba.count)
        let differing = zip(ours, mitsuba).filter { abs($0 - $1) > 1e-3 * Swift.max(1, abs($1)) }.count
        let meanError = zip(ours, mitsuba).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(mitsuba.count)
        // Measured: the largest difference is 5e-7; a rare sample may still part at a float rounding.
        #expect(differing <= mitsuba.count / 1000, "\(differing) of \(mitsuba.count) values differ from Mitsuba's")
        #expect(meanError < 1e-5, "mean absolute error \(meanError)")
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
}
