// `Tool gradient`: the PRB gradient of the mean of the rendered image with respect to one scene parameter.
import ArgumentParser
import Foundation
import Integrators
import Tracer
import Tutorial

struct GradientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradient",
        abstract: "Write d mean(image) / d parameter (rendered with --seed, replayed with --seed + 1) as NPY.")

    @OptionGroup var sceneOptions: SceneOptions

    @OptionGroup var memoryLimit: MemoryLimitOption

    @Option(help: "Samples per pixel (default: the scene's sampler, 4 for the tutorial).")
    var spp: Int?

    @Option(help: "Random seed of the primal render; the adjoint pass replays seed + 1.")
    var seed: UInt32 = 0

    @Option(help: "The parameter key, e.g. textured_plane.bsdf.brdf_0.reflectance.data.")
    var parameter: String = TutorialScene.textureKey

    @Option(help: "Output .npy file (shape of the parameter).")
    var output: String

    func run() throws {
        let url = URL(fileURLWithPath: output)
        guard try ImageFormat(url: url) == .npy else {
            throw ValidationError("--output of gradient must be a .npy file, got '\(output)'")
        }
        let options = try sceneOptions.compileOptions()
        try TraceContext.with(options) {
            let scene = try sceneOptions.loadScene(memory: try memoryLimit.memory(), samplesPerPixel: spp)
            if scene.integrator.kind == .volpath {
                throw ValidationError("the volpath integrator renders forward only: gradients through participating "
                                      + "media are not supported (use path or prb)")
            }
            let samples = try sceneOptions.samplesPerPixel(spp, for: scene)
            let fitting = try memoryLimit.memory().samplesPerPass(pixels: scene.sensor.film.pixelCount,
                                                                  samplesPerPixel: samples, withGradients: true,
                                                                  extraBytesPerSample: scene.replayLogBytesPerSample)
            guard fitting >= samples else {
                throw ValidationError("a gradient at \(samples) spp needs about "
                                      + String(format: "%.1f GiB", Double(RenderMemory.estimate(samples: scene.sensor.film.pixelCount * samples, withGradients: true, extraBytesPerSample: scene.replayLogBytesPerSample)) / Double(1 << 30))
                                      + "; at most \(fitting) spp fit in the memory limit (--memory-limit)")
            }
            let parameters = scene.parameters
            let shape = try parameters.shape(of: parameter)
            var value = try parameters.value(parameter).detached()
            value.enableGradient()
            try parameters.set(parameter, to: value)
            let clock = ContinuousClock()
            let start = clock.now
            let progress = ProgressLine("differentiating", context: .current)
            let image = scene.render(samplesPerPixel: samples, seed: seed, seedGrad: seed &+ 1) {
                progress.update(done: $0, total: $1)
            }
            image.array.mean().backward()
            let gradient = value.gradient.values
            progress.finish()
            let elapsed = (clock.now - start).seconds
            let channels = shape.count == 3 ? shape[2] : 1
            let bitmap = Bitmap(width: shape.count >= 2 ? shape[1] : gradient.count,
                                height: shape.count >= 2 ? shape[0] : 1, channelCount: channels, pixels: gradient)
            try bitmap.write(to: url)
            let film = scene.sensor.film
            let total = Double(film.width * film.height * samples)
            print(String(format: "gradient of %@ (shape %@) in %.3f s (%.2f Msamples/s) -> %@", parameter,
                         shape.description, elapsed, 2 * total / elapsed / 1e6, output))
        }
    }
}
