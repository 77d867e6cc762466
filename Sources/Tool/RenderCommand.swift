// `Tool render`: renders a scene and writes the image (EXR linear, PNG sRGB 8-bit, or NPY float32 (H, W, 3)).
import ArgumentParser
import Foundation
import Integrators
import Tracer

struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "render", abstract: "Render a scene to an image.")

    @OptionGroup var sceneOptions: SceneOptions

    @OptionGroup var memoryLimit: MemoryLimitOption

    @Option(help: "Samples per pixel (default: the scene's sampler, 4 for the tutorial).")
    var spp: Int?

    @Option(help: "Random seed.")
    var seed: UInt32 = 0

    @Option(help: "Output image: .exr, .png or .npy (with --shard: the partial film, .exr).")
    var output: String

    @Option(help: ArgumentHelp("Render only shard I of N (0 <= I < N <= spp): its share of every pixel's samples, as a partial film for `Tool merge`.", valueName: "I/N"))
    var shard: String?

    @Option(help: "When standard error is not a terminal (a farm log), print a progress line every this many seconds.")
    var progressEvery: Double = 5

    /// The shard's index and count, validated.
    func parsedShard() throws -> (index: Int, count: Int)? {
        guard let shard else { return nil }
        let parts = shard.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, (0..<count).contains(index) else {
            throw ValidationError("--shard expects I/N with 0 <= I < N, got '\(shard)'")
        }
        return (index, count)
    }

    func run() throws {
        let url = URL(fileURLWithPath: output)
        _ = try ImageFormat(url: url)
        let shard = try parsedShard()
        guard progressEvery >= 0 && progressEvery.isFinite else {
            throw ValidationError("--progress-every must be a number of seconds >= 0, got \(progressEvery)")
        }
        if shard != nil && url.pathExtension.lowercased() != "exr" {
            throw ValidationError("--shard writes a partial film: --output must end in .exr, got '\(output)'")
        }
        let options = try sceneOptions.compileOptions()
        try TraceContext.with(options) {
            // A shard renders its share of the samples.
            let expected = spp.map { max(1, $0 / (shard?.count ?? 1)) }
            let scene = try sceneOptions.loadScene(memory: try memoryLimit.memory(), samplesPerPixel: expected)
            let samples = try sceneOptions.samplesPerPixel(spp, for: scene)
            let perPass = try memoryLimit.memory().samplesPerPass(pixels: scene.sensor.film.pixelCount,
                                                                  samplesPerPixel: samples, withGradients: false)
            if let shard {
                return try renderShard(shard, of: scene, samplesPerPixel: samples, samplesPerPass: perPass, to: url)
            }
            if scene.integrator.kind == .aov {
                return try renderAOVs(of: scene, samplesPerPixel: samples, to: url)
            }
            if scene.integrator.kind == .moment {
                return try renderMoments(of: scene, samplesPerPixel: samples, to: url)
            }
            let clock = ContinuousClock()
            let start = clock.now
            let film = scene.sensor.film
            let progress = ProgressLine("rendering", samples: film.pixelCount * samples, interval: progressEvery,
                                        context: .current)
            // Passes when the wavefront would not fit: the same image, by the film's tree of sample segments.
            // An RGBA film's alpha comes with the film's sums, which the render in passes develops (one pass here).
            let image = perPass < samples || film.hasAlpha
                ? try scene.render(samplesPerPixel: samples, seed: seed, samplesPerPass: perPass) { progress.update(done: $0, total: $1) }
                : scene.render(samplesPerPixel: samples, seed: seed) { progress.update(done: $0, total: $1) }
            if perPass < samples { print("rendered in passes of at most \(perPass) samples per pixel (--memory-limit)") }
            let bitmap = image.bitmap()
            progress.finish()
            let elapsed = (clock.now - start).seconds
            try bitmap.write(to: url)
            let total = Double(film.width * film.height * samples)
            print(String(format: "rendered %dx%d at %d spp in %.3f s (%.2f Msamples/s) -> %@",
                         film.width, film.height, samples, elapsed, total / elapsed / 1e6, output))
        }
    }
}

extension RenderCommand {
    /// Renders shard `shard` of the job and writes its partial film.
    private func renderShard(_ shard: (index: Int, count: Int), of scene: Scene, samplesPerPixel spp: Int,
                             samplesPerPass: Int, to url: URL) throws {
        guard shard.count <= spp else {
            throw ValidationError("--shard \(shard.index)/\(shard.count): a job of \(spp) samples per pixel has at most \(spp) shards")
        }
        let job = try JobIdentity(sceneOptions: sceneOptions, scene: scene, samplesPerPixel: spp, seed: seed,
                                  shardCount: shard.count)
        let samples = Scene.shardSamples(index: shard.index, of: shard.count, samplesPerPixel: spp)
        let clock = ContinuousClock()
        let start = clock.now
        let progress = ProgressLine("rendering shard \(shard.index)/\(shard.count)",
                                    samples: scene.sensor.film.pixelCount * samples.count, interval: progressEvery,
                                    context: .current)
        let sums = try scene.filmSums(samplesPerPixel: spp, seed: seed, samples: samples, samplesPerPass: samplesPerPass) {
            progress.update(done: $0, total: $1)
        }
        let film = scene.sensor.film
        let partial = PartialFilm(job: job.hash, shardIndex: shard.index, shardCount: shard.count, samplesPerPixel: spp,
                                  seed: seed, width: film.width, height: film.height, version: BuildIdentity.version,
                                  segments: sums.map { ($0.segment, $0.sums.channels.map(\.values)) })
        progress.finish()
        try partial.write(to: url)
        let elapsed = (clock.now - start).seconds
        let total = Double(film.pixelCount * samples.count)
        print(String(format: "rendered shard %d/%d (samples %d..<%d of %d) of %dx%d in %.3f s (%.2f Msamples/s) -> %@",
                     shard.index, shard.count, samples.lowerBound, samples.upperBound, spp, film.width, film.height,
                     elapsed, total / elapsed / 1e6, output))
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

extension RenderCommand {
    /// Renders a `moment` scene: an EXR with Mitsuba's film channels (R, G, B, then "name.X" … and "m2_name.X" …)
    /// or an NPY (H, W, C) as Mitsuba's `render` returns it.
    func renderMoments(of scene: Scene, samplesPerPixel samples: Int, to url: URL) throws {
        let clock = ContinuousClock()
        let start = clock.now
        let image = scene.renderMoments(samplesPerPixel: samples, seed: seed)
        let pixels = image.width * image.height, count = image.channels.count
        switch try ImageFormat(url: url) {
        case .exr:
            let channels = image.channels.enumerated().map { index, name in
                EXRImage.Channel(name: name, values: (0..<pixels).map { image.values[$0 * count + index] })
            }
            try EXRImage(width: image.width, height: image.height, channels: channels).write(to: url)
        case .npy:
            try Bitmap(width: image.width, height: image.height, channelCount: count, pixels: image.values).write(to: url)
        default:
            throw ValidationError("a moment render writes .exr or .npy (its outputs are not only colours), got '\(output)'")
        }
        let elapsed = (clock.now - start).seconds
        print(String(format: "rendered %d outputs (%@) at %dx%d, %d spp in %.3f s -> %@", count,
                     image.channels.joined(separator: ", "), image.width, image.height, samples, elapsed, output))
    }

    /// Renders an `aov` scene's outputs: an EXR with Mitsuba's film channels (R, G, B: the first nested
    /// integrator's image, 0 without one; each nested integrator's "name.R/G/B/A"; then "name.X" and so on) or an
    /// NPY (H, W, C) as Mitsuba's `render` returns it (the nested images' RGB, then the outputs).
    func renderAOVs(of scene: Scene, samplesPerPixel samples: Int, to url: URL) throws {
        let clock = ContinuousClock()
        let start = clock.now
        let image = scene.renderAOVs(samplesPerPixel: samples, seed: seed)
        switch try ImageFormat(url: url) {
        case .exr:
            let pixels = image.width * image.height, count = image.channels.count
            func channel(_ index: Int, named name: String) -> EXRImage.Channel {
                EXRImage.Channel(name: name, values: (0..<pixels).map { image.values[$0 * count + index] })
            }
            let nested = image.nestedAlpha.count
            var channels = ["R", "G", "B"].enumerated().map { index, name in
                nested > 0 ? channel(index, named: name)
                           : EXRImage.Channel(name: name, values: [Float](repeating: 0, count: pixels))
            }
            for (position, alpha) in image.nestedAlpha.enumerated() {
                channels += (0..<3).map { channel(position * 3 + $0, named: image.channels[position * 3 + $0]) }
                channels.append(EXRImage.Channel(name: "\(alpha.name).A", values: alpha.values))
            }
            for index in (nested * 3)..<count { channels.append(channel(index, named: image.channels[index])) }
            try EXRImage(width: image.width, height: image.height, channels: channels).write(to: url)
        case .npy:
            try Bitmap(width: image.width, height: image.height, channelCount: image.channels.count,
                       pixels: image.values).write(to: url)
        default:
            throw ValidationError("an aov render writes .exr or .npy (its outputs are not colours), got '\(output)'")
        }
        let elapsed = (clock.now - start).seconds
        print(String(format: "rendered %d outputs (%@) at %dx%d, %d spp in %.3f s -> %@", image.channels.count,
                     image.channels.joined(separator: ", "), image.width, image.height, samples, elapsed, output))
    }
}
