// `Tool render`: renders a scene and writes the image (EXR linear, PNG sRGB 8-bit, or NPY float32 (H, W, 3)).
import ArgumentParser
import Foundation
import Integrators
import Tracer

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "render", abstract: "Render a scene to an image.")

    @OptionGroup var sceneOptions: SceneOptions

    @Option(help: "Samples per pixel (default: the scene's sampler, 4 for the tutorial).")
    var spp: Int?

    @Option(help: "Random seed.")
    var seed: UInt32 = 0

    @Option(help: "Output image: .exr, .png or .npy.")
    var output: String

    func run() throws {
        let url = URL(fileURLWithPath: output)
        _ = try ImageFormat(url: url)
        let options = try sceneOptions.compileOptions()
        try TraceContext.with(options) {
            let scene = try sceneOptions.loadScene()
            let samples = try sceneOptions.samplesPerPixel(spp, for: scene)
            let clock = ContinuousClock()
            let start = clock.now
            let progress = ProgressLine("rendering")
            let image = scene.render(samplesPerPixel: samples, seed: seed) { progress.update(done: $0, total: $1) }
            let values = image.values
            progress.finish()
            let elapsed = (clock.now - start).seconds
            let film = scene.sensor.film
            let bitmap = Bitmap(width: film.width, height: film.height, channelCount: 3, pixels: values)
            try bitmap.write(to: url)
            let total = Double(film.width * film.height * samples)
            print(String(format: "rendered %dx%d at %d spp in %.3f s (%.2f Msamples/s) -> %@",
                         film.width, film.height, samples, elapsed, total / elapsed / 1e6, output))
        }
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
