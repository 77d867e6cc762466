// `Tool optimize`: the PyTorch/Mitsuba interoperability tutorial end to end, with checkpoints and a report.
import ArgumentParser
import Foundation
import Integrators
import Optim
import Tracer
import Tutorial

struct OptimizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Train a dense layer that pre-distorts textures so that, seen through the glass sphere, they look like the originals.")

    @Option(help: "Backend: llvm (vector kernels) or scalar (reference interpreter).")
    var variant: String = "llvm"

    @Option(parsing: .upToNextOption, help: "Texture files (PNG/JPEG/NPY; square, all the same size). Default: Refract's four built-in 128x128 textures.")
    var textures: [String] = []

    @Flag(help: "Linearise 8-bit textures with the sRGB curve (the tutorial uses value / 255 as it is).")
    var linearTextures = false

    @Option(help: "The built-in tutorial scene ('tutorial') or a Mitsuba 3 XML file (then give --parameter).")
    var scene: String = "tutorial"

    @Option(help: "The scene parameter the distorted texture is written to.")
    var parameter: String = TutorialScene.textureKey

    @Option(help: "Iterations to run (in total, counting those before --resume).")
    var iterations: Int = 100

    @Option(help: "Samples per pixel of the training renders.")
    var spp: Int = 4

    @Option(help: "Samples per pixel of the final renders in the texture strips.")
    var figureSpp: Int = 512

    @Option(help: "Adam's learning rate.")
    var lr: Double = 2e-4

    @Option(help: "Seed of the layer's initialisation; render seeds are iteration * textures + texture.")
    var seed: UInt64 = 0

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @OptionGroup var kernelCache: KernelCacheOptions

    @Option(help: "Output folder.")
    var output: String = "runs/optimize"

    @Option(help: "Also write a checkpoint every N iterations (default: only at the end, on Ctrl-C and every --checkpoint-minutes).")
    var checkpointEvery: Int?

    @Option(help: "Write a checkpoint when this many minutes have passed since the last one (a checkpoint of the tutorial is 3 GiB).")
    var checkpointMinutes: Double = 10

    @Flag(help: "Continue from the checkpoint in the output folder.")
    var resume = false

    func validate() throws {
        guard Variant(rawValue: variant) != nil else { throw ValidationError("--variant must be llvm or scalar, got '\(variant)'") }
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1, got \(iterations)") }
        guard spp >= 1 else { throw ValidationError("--spp must be at least 1, got \(spp)") }
        guard lr > 0 && lr.isFinite else { throw ValidationError("--lr must be a positive number, got \(lr)") }
        guard figureSpp >= 1 else { throw ValidationError("--figure-spp must be at least 1, got \(figureSpp)") }
        if let checkpointEvery, checkpointEvery < 1 {
            throw ValidationError("--checkpoint-every must be at least 1, got \(checkpointEvery)")
        }
        guard checkpointMinutes > 0 && checkpointMinutes.isFinite else {
            throw ValidationError("--checkpoint-minutes must be a positive number, got \(checkpointMinutes)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        let options = CompileOptions(variant: Variant(rawValue: variant)!, threadCount: threads,
                                     logsLaunches: SceneOptions.logsLaunches, diskCache: kernelCache.diskCache())
        // Everything that can be wrong with the inputs is checked before any work starts.
        let (values, size, names) = try loadTextures()
        let directory = URL(fileURLWithPath: output, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        TrainingOutputs.removeAbandonedTemporaries(in: directory)
        let checkpointURL = directory.appendingPathComponent("model.safetensors")
        if resume && !FileManager.default.fileExists(atPath: checkpointURL.path) {
            throw ValidationError("--resume: there is no checkpoint at \(checkpointURL.path)")
        }
        try TraceContext.with(options) {
            let scene = try makeScene(resolution: size)
            let training = try TutorialTraining(scene: scene, parameterKey: parameter, textures: values,
                                                resolution: size, samplesPerPixel: spp, learningRate: lr, seed: seed)
            var metrics = TrainingMetrics(iterations: [], peakRSSMiB: 0)
            if resume {
                // Only the header is read here; each tensor streams into its new array as it is restored.
                let checkpoint = try Checkpoint.read(from: checkpointURL)
                try checkpoint.restore(module: training.model, optimizer: training.optimizer)
                training.iteration = checkpoint.iteration
                metrics.iterations = (try TrainingOutputs.readMetrics(in: directory)?.iterations ?? [])
                    .filter { $0.iteration <= checkpoint.iteration }
                print("resuming after iteration \(checkpoint.iteration)")
            }
            try train(training, metrics: &metrics, directory: directory, checkpointURL: checkpointURL)
            metrics.renderErrors = try writeFigures(training, names: names, directory: directory).map {
                TrainingMetrics.RenderError(initial: $0.0, final: $0.1)
            }
            metrics.peakRSSMiB = ProcessMemory.peakResidentMiB
            try TrainingOutputs.writeMetrics(metrics, to: directory)
            try TrainingOutputs.writeReport(metrics: metrics, textureCount: values.count,
                                            settings: settingsDescription(size: size, names: names), to: directory)
            print("wrote \(directory.path)/report.html (peak memory \(Int(metrics.peakRSSMiB)) MiB)")
        }
    }

    /// The training loop with progress, periodic checkpoints and Ctrl-C handling.
    private func train(_ training: TutorialTraining, metrics: inout TrainingMetrics, directory: URL,
                       checkpointURL: URL) throws {
        InterruptFlag.install()
        let terminal = isatty(STDOUT_FILENO) != 0
        let clock = ContinuousClock()
        let start = clock.now
        let firstIteration = training.iteration
        // The iteration of the checkpoint on disk (the one --resume would continue from), if any.
        var savedIteration: Int? = resume ? firstIteration : nil
        var lastSave = clock.now
        func saveCheckpoint() throws {
            lastSave = clock.now
            do {
                try Checkpoint(module: training.model, optimizer: training.optimizer, iteration: training.iteration,
                               seed: seed).write(to: checkpointURL)
            } catch let error as CheckpointError {
                guard case .nonFinite = error.problem else { throw error }
                throw TrainingDiverged(iteration: training.iteration, reason: "\(error.problem)", kept: savedIteration)
            }
            savedIteration = training.iteration
            metrics.peakRSSMiB = ProcessMemory.peakResidentMiB
            try TrainingOutputs.writeMetrics(metrics, to: directory)
        }
        while training.iteration < iterations && !InterruptFlag.isSet {
            let record = try training.step()
            guard record.loss.isFinite else {
                throw TrainingDiverged(iteration: record.iteration, reason: "the loss is \(record.loss)", kept: savedIteration)
            }
            metrics.iterations.append(record)
            let done = training.iteration - firstIteration
            let rate = Double(done) / max((clock.now - start).seconds, 1e-9)
            let eta = Double(iterations - training.iteration) / max(rate, 1e-9)
            let line = String(format: "iteration %d/%d  loss %.4f  %.2f it/s  %.3f s  ETA %.0f s", record.iteration,
                              iterations, record.loss, rate, record.seconds.total, eta)
            if terminal {
                let width = 24
                let filled = width * training.iteration / iterations
                print("\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                      + "] " + line, terminator: "")
                fflush(stdout)
            } else {
                print(line)
                fflush(stdout)
            }
            let due = checkpointEvery.map { training.iteration % $0 == 0 } ?? false
            if due || (clock.now - lastSave).seconds >= checkpointMinutes * 60 { try saveCheckpoint() }
        }
        if terminal { print("") }
        if InterruptFlag.isSet { print("interrupted: stopping after iteration \(training.iteration)") }
        let saveStart = clock.now
        try saveCheckpoint()
        let bytes = (try? FileManager.default.attributesOfItem(atPath: checkpointURL.path)[.size] as? Int) ?? 0
        print(String(format: "checkpoint: %@ (%@) written in %.1f s", checkpointURL.lastPathComponent,
                     ByteCountFormatter.string(fromByteCount: Int64(bytes), countStyle: .binary),
                     (clock.now - saveStart).seconds))
        try TrainingOutputs.writeLossPlots(metrics.iterations.map(\.loss), to: directory)
    }

    /// texture_N.png for each texture: initial render, input, distorted texture, its render, target (the renders
    /// at --figure-spp).
    /// Returns, per texture, the mean |render - target| of the initial and the final render.
    private func writeFigures(_ training: TutorialTraining, names: [String], directory: URL) throws -> [(Double, Double)] {
        let output = training.model(training.inputBatch)
        var errors: [(Double, Double)] = []
        for (j, texture) in training.textures.enumerated() {
            let distorted = training.distorted(output, texture: j).detached()
            let target = texture.values
            let initial = try training.render(texture, samplesPerPixel: figureSpp, seed: 0)
            let final = try training.render(distorted, samplesPerPixel: figureSpp, seed: 0)
            try TrainingOutputs.writeStrip([initial, target, distorted.values, final, target],
                                           captions: ["initial render", "input texture", "distorted texture",
                                                      "its render", "target"],
                                           size: training.resolution,
                                           to: directory.appendingPathComponent("texture_\(j + 1).png"))
            func error(_ image: [Float]) -> Double {
                zip(image, target).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(max(target.count, 1))
            }
            errors.append((error(initial), error(final)))
            print(String(format: "%@: mean |render - target| %.4f (initial) -> %.4f (distorted texture)",
                         names[j], errors[j].0, errors[j].1))
        }
        return errors
    }

    /// The textures' values (value / 255 for 8-bit files, or linearised), their common size and their names.
    private func loadTextures() throws -> ([[Float]], Int, [String]) {
        if textures.isEmpty {
            return (ProceduralTextures.all(size: 128), 128, ProceduralTextures.names)
        }
        var values: [[Float]] = []
        var size = 0
        for path in textures {
            var bitmap: Bitmap
            do {
                bitmap = try Bitmap(inputContentsOf: URL(fileURLWithPath: path))
            } catch {
                throw ValidationError("--textures: \(error)")
            }
            if linearTextures && bitmap.isSRGB { bitmap = bitmap.linearized() }
            if bitmap.hasAlpha { bitmap = bitmap.droppingAlpha() }
            if bitmap.channelCount == 1 { bitmap = bitmap.expandingGrayToRGB() }
            guard bitmap.width == bitmap.height else {
                throw ValidationError("--textures: \(path) is \(bitmap.width)x\(bitmap.height); textures must be square")
            }
            if size == 0 { size = bitmap.width }
            guard bitmap.width == size else {
                throw ValidationError("--textures: \(path) is \(bitmap.width)x\(bitmap.height), but \(textures[0]) is \(size)x\(size); all textures must be the same size")
            }
            values.append(bitmap.pixels)
        }
        return (values, size, textures.map { URL(fileURLWithPath: $0).lastPathComponent })
    }

    private func makeScene(resolution: Int) throws -> Scene {
        if scene == "tutorial" {
            let placeholder = try TutorialScene.TextureData(size: resolution,
                                                            values: [Float](repeating: 0.5, count: resolution * resolution * 3))
            return try TutorialScene.make(resolution: resolution, texture: placeholder)
        }
        return try Scene(contentsOf: URL(fileURLWithPath: scene))
    }

    /// An optimisation that produced non-finite values: where, and which checkpoint is left.
    struct TrainingDiverged: Error, CustomStringConvertible {
        let iteration: Int
        let reason: String
        /// The iteration of the checkpoint left on disk, if any.
        let kept: Int?

        var description: String {
            "iteration \(iteration): \(reason): the optimisation diverged (try a smaller --lr); stopped. "
                + (kept.map { "model.safetensors still holds iteration \($0), the last good checkpoint." }
                   ?? "No checkpoint was written.")
        }
    }

    private func settingsDescription(size: Int, names: [String]) -> String {
        "Textures: \(names.joined(separator: ", ")) (\(size)x\(size)); variant \(variant); spp \(spp); Adam lr \(lr); seed \(seed)."
    }
}
