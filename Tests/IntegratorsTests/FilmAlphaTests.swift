// RGBA films (pixel_format "rgba"): the alpha of camera samples, developed like colour, against Mitsuba 3.9.1.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("RGBA films")
struct FilmAlphaTests {
    static func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/Sensors/\(name)")
    }

    @Test("with Mitsuba's seed, an RGBA film gives Mitsuba's colour and alpha")
    func sameSeedAsMitsuba() throws {
        let mitsuba = try Bitmap(contentsOf: Self.fixture("rgba_mitsuba_spp16.npy"))
        #expect(mitsuba.channelCount == 4)
        let scene = try Scene(contentsOf: Self.fixture("rgba.xml"))
        #expect(scene.sensor.film.hasAlpha)
        let ours = try TraceContext.with(CompileOptions(variant: .llvm)) {
            try scene.render(samplesPerPixel: 16, seed: 7, samplesPerPass: 16)
        }
        #expect(ours.channels == 4 && ours.shape == [30, 40, 4])
        let values = ours.values
        let differing = zip(values, mitsuba.pixels).filter { abs($0 - $1) > 1e-3 * Swift.max(1, abs($1)) }.count
        #expect(differing <= mitsuba.pixels.count / 200, "\(differing) of \(mitsuba.pixels.count) values differ")
        // The alpha: 0 above the floor, 1 on it, filtered in between.
        let alpha = stride(from: 3, to: values.count, by: 4).map { values[$0] }
        let mitsubaAlpha = stride(from: 3, to: mitsuba.pixels.count, by: 4).map { mitsuba.pixels[$0] }
        #expect(zip(alpha, mitsubaAlpha).allSatisfy { abs($0 - $1) < 1e-3 })
        #expect(alpha.contains(0) && alpha.contains(1))
        // The colour is the RGB render's, bit for bit.
        let rgb = TraceContext.with(CompileOptions(variant: .llvm)) { scene.render(samplesPerPixel: 16, seed: 7).values }
        let colour = values.indices.filter { $0 % 4 != 3 }.map { values[$0] }
        #expect(colour == rgb)
    }

    @Test("shards of an RGBA render combine into the single render's colour and alpha")
    func shards() throws {
        let scene = try Scene(contentsOf: Self.fixture("rgba.xml"))
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let whole = try scene.render(samplesPerPixel: 8, seed: 3, samplesPerPass: 8).values
            var pieces: [SampleSegment: FilmSums] = [:]
            for shard in 0..<3 {
                let samples = Scene.shardSamples(index: shard, of: 3, samplesPerPixel: 8)
                for (segment, sums) in scene.filmSums(samplesPerPixel: 8, seed: 3, samples: samples) {
                    #expect(sums.channels.count == 5)
                    pieces[segment] = sums
                }
            }
            let film = scene.sensor.film
            #expect(film.image(of: try film.combine(pieces, samples: 8)).values == whole)
        }
    }

    @Test("which samples count: the environment shown, surfaces met, the integrator's depth")
    func alphaRules() throws {
        let scene = try Scene(contentsOf: Self.fixture("rgba.xml"))
        TraceContext.with(CompileOptions(variant: .llvm)) {
            // Up into the sky, down onto the floor, and into the lamp (on the floor behind it).
            let ray = RayArray(origin: Vector3Array([Vector3f(0, 0, 1), Vector3f(0, 0, 1), Vector3f(-0.45, 0, 3)]),
                               direction: Vector3Array([Vector3f(0, 1, 0), Vector3f(0, -1, 0), Vector3f(0, 0, -1)]),
                               maxT: FloatArray(repeating: 100, count: 3))
            var settings = scene.integrator
            #expect(scene.cameraSampleAlpha(rays: ray, settings: settings).values == [0, 1, 0])
            settings.hideEmitters = false
            // The constant environment is shown: every sample counts.
            #expect(scene.cameraSampleAlpha(rays: ray, settings: settings).values == [1, 1, 1])
            settings.kind = .prb
            #expect(scene.cameraSampleAlpha(rays: ray, settings: settings).values == [0, 1, 1])
            settings.kind = .path
            settings.maxDepth = 1
            settings.hideEmitters = true
            #expect(scene.cameraSampleAlpha(rays: ray, settings: settings).values == [0, 0, 0])
        }
    }

    @Test("the aov integrator with an RGBA film is refused, naming the remedy")
    func aovRefused() throws {
        let xml = """
            <scene version="3.0.0"><integrator type="aov"><string name="aovs" value="d:depth"/></integrator>
            <sensor type="perspective"><float name="fov" value="45"/>
            <film type="hdrfilm"><string name="pixel_format" value="rgba"/></film></sensor></scene>
            """
        #expect {
            _ = try Scene(document: SceneDocument(xml: xml, url: URL(fileURLWithPath: "/tmp/alpha.xml")))
        } throws: { "\($0)".contains("give the film pixel_format \"rgb\"") }
    }
}
