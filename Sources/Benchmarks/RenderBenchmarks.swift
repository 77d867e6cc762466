// Rendering benchmarks: the tutorial scene forward and PRB backward, beside Mitsuba 3's figures on this machine.
import Foundation
import Integrators
import Tracer

enum RenderBenchmarks {
    static func run(_ report: BenchmarkReport, filter: (String) -> Bool) {
        if filter("render_fwd") { forward(report) }
        if filter("render_bwd") { backward(report) }
    }

    static func scene(resolution: Int) -> Scene {
        let texture = try! TutorialScene.TextureData(size: 128, values: ProceduralTextures.texture(named: "shapes", size: 128)!)
        return try! TutorialScene.make(resolution: resolution, texture: texture)
    }

    /// 512x512 at spp 64, forward: million samples per second (Mitsuba 3 llvm_ad_rgb here: 5.0).
    static func forward(_ report: BenchmarkReport) {
        let scene = scene(resolution: 512)
        var seed: UInt32 = 0
        let seconds = bestTime(repetitions: 2) {
            seed += 2
            _ = scene.render(samplesPerPixel: 64, seed: seed).first
        }
        report.add("render_fwd_msps", Double(512 * 512 * 64) / seconds / 1e6, "Ms/s", target: ">= 5.0",
                   reference: "Mitsuba 3: 5.0")
    }

    /// 512x512 at spp 16, PRB backward of the mean image (replay and adjoint pass, not the forward render):
    /// million samples per second (Mitsuba 3 here: 2.1). The replay is traced with the image when a gradient may
    /// follow, so the backward's cost is (render with gradients + backward) minus a plain render of the same seed,
    /// measured side by side.
    static func backward(_ report: BenchmarkReport) {
        let scene = scene(resolution: 512)
        let key = TutorialScene.textureKey
        let plain = try! scene.parameters.value(key).detached()
        func seconds(_ body: () -> Void) -> Double { bestTime(repetitions: 1, warmUp: false, body) }
        var best = Double.infinity
        for repetition in 0..<3 {
            let seed = UInt32(2 * repetition)
            try! scene.parameters.set(key, to: plain)
            let forward = seconds { scene.render(samplesPerPixel: 16, seed: seed, seedGrad: seed + 1).eval() }
            var data = plain.detached()
            data.enableGradient()
            try! scene.parameters.set(key, to: data)
            let both = seconds {
                let image = scene.render(samplesPerPixel: 16, seed: seed, seedGrad: seed + 1)
                image.mean().backward()
                data.gradient.eval()
            }
            if repetition > 0 { best = min(best, both - forward) }
        }
        report.add("render_bwd_msps", Double(512 * 512 * 16) / best / 1e6, "Ms/s", target: ">= 2.1",
                   reference: "Mitsuba 3: 2.1")
    }
}
