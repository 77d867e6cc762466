// Rendering benchmarks: the tutorial scene forward and PRB backward, and the tutorial's render step, under the
// names ../shared/bench/mitsuba_bench.py gives Mitsuba's figures (compare with `--compare`).
import Foundation
import Integrators
import Optim
import Tracer
import Tutorial

enum RenderBenchmarks {
    static func run(_ report: BenchmarkReport, filter: (String) -> Bool) {
        if filter("render_fwd") { forward(report) }
        if filter("render_bwd") { backward(report) }
        if filter("tutorial_render_step") { tutorialRenderStep(report) }
        if filter("tutorial_batch_render") { tutorialBatchRender(report) }
    }

    static func scene(resolution: Int, integrator: IntegratorSettings = benchmarkIntegrator) -> Scene {
        let texture = try! TutorialScene.TextureData(size: 128, values: ProceduralTextures.texture(named: "shapes", size: 128)!)
        return try! TutorialScene.make(resolution: resolution, texture: texture, integrator: integrator)
    }

    /// 512x512 at spp 64, forward: million samples per second, with both path loops (`render_fwd_wavefront_msps`,
    /// `render_fwd_symbolic_msps`) and for the loop in use (`render_fwd_msps`). The modes alternate render by render
    /// in one process, median of three each after a round that compiles (as mitsuba_bench.py takes Mitsuba's): the
    /// machine is shared, and drift between two processes run one after the other was larger than the difference
    /// measured.
    static func forward(_ report: BenchmarkReport) {
        let modes = IntegratorSettings.PathLoop.allCases
        let scenes = modes.map { mode in
            var settings = benchmarkIntegrator
            settings.pathLoop = mode
            return scene(resolution: 512, integrator: settings)
        }
        var times = [[Double]](repeating: [], count: modes.count)
        var seed: UInt32 = 0
        for round in 0..<4 {
            for (index, scene) in scenes.enumerated() {
                seed += 2
                let start = DispatchTime.now().uptimeNanoseconds
                _ = scene.render(samplesPerPixel: 64, seed: seed).array.first
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                if round > 0 { times[index].append(seconds) }
            }
        }
        func msps(_ index: Int) -> Double { Double(512 * 512 * 64) / median(times[index]) / 1e6 }
        let inUse = modes.firstIndex(of: benchmarkIntegrator.pathLoop)!
        report.add("render_fwd_msps", msps(inUse), "Ms/s", target: ">= 2x Mi",
                   reference: "512x512 spp 64, \(modes[inUse].rawValue) path loop; Mitsuba's: --compare")
        for (index, mode) in modes.enumerated() {
            report.add("render_fwd_\(mode.rawValue)_msps", msps(index), "Ms/s",
                       reference: "512x512 spp 64, alternating with the other path loop")
        }
    }

    /// 512x512 at spp 16, PRB backward of the mean image (replay and adjoint pass, not the forward render):
    /// million samples per second. The replay is traced with the image when a gradient may
    /// follow, so the backward's cost is (render with gradients + backward) minus a plain render of the same seed,
    /// measured side by side; median of three after a round that compiles.
    static func backward(_ report: BenchmarkReport) {
        let scene = scene(resolution: 512)
        let key = TutorialScene.textureKey
        let plain = try! scene.parameters.value(key).detached()
        func seconds(_ body: () -> Void) -> Double { bestTime(repetitions: 1, warmUp: false, body) }
        var times: [Double] = []
        for repetition in 0..<4 {
            let seed = UInt32(2 * repetition)
            try! scene.parameters.set(key, to: plain)
            let forward = seconds { scene.render(samplesPerPixel: 16, seed: seed, seedGrad: seed + 1).array.eval() }
            var data = plain.detached()
            data.enableGradient()
            try! scene.parameters.set(key, to: data)
            let both = seconds {
                let image = scene.render(samplesPerPixel: 16, seed: seed, seedGrad: seed + 1)
                image.array.mean().backward()
                data.gradient.eval()
            }
            if repetition > 0 { times.append(both - forward) }
        }
        report.add("render_bwd_msps", Double(512 * 512 * 16) / median(times) / 1e6, "Ms/s", target: ">= 3x Mi",
                   reference: "512x512 spp 16, backward alone; Mitsuba's: --compare")
    }

    /// The tutorial's render step for one texture, as mitsuba_bench.py times it: a 128x128 render at spp 4 with
    /// a gradient-tracked texture, its L1 loss against a target, and the PRB backward into the texture (the path
    /// loops frozen after the first step, as every scene does by default); then the same step with path loops
    /// recorded every time (`IntegratorSettings.freezesPathLoops` off), under its own name.
    static func tutorialRenderStep(_ report: BenchmarkReport) {
        report.add("tutorial_render_step_s", tutorialRenderStep(freezing: true), "s", target: "<= Mi / 3",
                   reference: "128x128 spp 4, one texture: render + L1 + backward")
        report.add("tutorial_render_step_recorded_s", tutorialRenderStep(freezing: false), "s",
                   reference: "the same with path loops recorded every step (freezesPathLoops off)")
    }

    static func tutorialRenderStep(freezing: Bool) -> Double {
        var scene = scene(resolution: 128)
        scene.integrator.freezesPathLoops = freezing
        let key = TutorialScene.textureKey
        let plain = try! scene.parameters.value(key).detached()
        let target = FloatArray(ProceduralTextures.texture(named: "checker", size: 128)!)
        var seed: UInt32 = 3
        let seconds = medianTime(repetitions: 9) {
            var data = plain.detached()
            data.enableGradient()
            try! scene.parameters.set(key, to: data)
            let image = scene.render(samplesPerPixel: 4, seed: seed, seedGrad: seed + 1)
            l1Loss(image.array, target).backward()
            data.gradient.eval()
            seed += 2
        }
        try! scene.parameters.set(key, to: plain)
        return seconds
    }

    /// The tutorial iteration's render at its size with both path loops: the four textures batched, 128x128 at
    /// spp 4, gradient-tracked (so the primal pass traces the PRB replay too), an L1 loss and its PRB backward.
    /// The modes alternate in one process, median of nine each after a round that compiles: the iteration's own
    /// figure is dominated by the memory-bound Adam step, whose drift on the shared machine hides the render's.
    static func tutorialBatchRender(_ report: BenchmarkReport) {
        let key = TutorialScene.textureKey
        let textures = ProceduralTextures.all(size: 128)
        let targets = FloatArray(textures.flatMap { $0 })
        let modes = IntegratorSettings.PathLoop.allCases
        let scenes = modes.map { mode in
            var settings = benchmarkIntegrator
            settings.pathLoop = mode
            return scene(resolution: 128, integrator: settings)
        }
        var times = [[Double]](repeating: [], count: modes.count)
        var seed: UInt32 = 0
        for round in 0..<10 {
            for (index, scene) in scenes.enumerated() {
                let seeds = (0..<UInt32(textures.count)).map { seed + 2 * $0 }
                seed += 2 * UInt32(textures.count)
                let start = DispatchTime.now().uptimeNanoseconds
                var values = FloatArray(textures.reversed().flatMap { $0 })
                values.enableGradient()
                let images = try! scene.render(samplesPerPixel: 4, seeds: seeds, batching: key, values: values)
                l1Loss(images.array, targets).backward()
                values.gradient.eval()
                if round > 0 { times[index].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
            }
        }
        for (index, mode) in modes.enumerated() {
            report.add("tutorial_batch_render_\(mode.rawValue)_s", times[index].sorted()[times[index].count / 2], "s",
                       reference: "4 textures 128x128 spp 4 + PRB backward, alternating with the other path loop")
        }
    }
}
