// `Tool optimize`: the PyTorch/Mitsuba interoperability tutorial end to end, or (--scene) any scene's parameters.
import ArgumentParser
import Foundation
import Integrators
import Optim
import Tracer
import Tutorial

struct OptimizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Without --scene: train a dense layer that pre-distorts textures so that, seen through the glass sphere, they look like the originals (the PyTorch/Mitsuba tutorial). With --scene: recover scene parameters from a reference image by PRB gradients (Mitsuba's gradient-based optimisation tutorial).")

    @Option(help: "Backend: llvm (vector kernels) or scalar (reference interpreter).")
    var variant: String = "llvm"

    @Option(help: "A Mitsuba 3 XML file whose --parameter values are optimised against a reference (without it: the tutorial).")
    var scene: String?

    @OptionGroup(title: "Scene optimisation (with --scene)") var sceneOptimization: SceneOptimizationOptions

    @Option(parsing: .upToNextOption, help: "Tutorial: texture files (PNG/JPEG/NPY; square, all the same size). Default: Refract's four built-in 128x128 textures.")
    var textures: [String] = []

    @Flag(help: "Tutorial: linearise 8-bit textures with the sRGB curve (the tutorial uses value / 255 as it is).")
    var linearTextures = false

    @Option(help: "Iterations to run, in total, counting those before --resume (default: 100 for the tutorial, 50 with --scene).")
    var iterations: Int?

    @Option(help: "Samples per pixel of the renders of each iteration.")
    var spp: Int = 4

    @Option(help: "Samples per pixel of the figures: the tutorial's texture strips, the initial and final renders of --scene.")
    var figureSpp: Int = 512

    @Option(help: "The learning rate (default: 2e-4 for the tutorial's Adam, 0.05 with --scene).")
    var lr: Double?

    @Option(help: "Seed: of the tutorial layer's initialisation (render seeds are iteration * textures + texture); with --scene, iteration i renders with seed 65536 * seed + 2i and replays its gradient with the next one.")
    var seed: UInt64 = 0

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @OptionGroup var kernelCache: KernelCacheOptions

    @Option(help: "Output folder.")
    var output: String = "runs/optimize"

    @Option(help: "Also write a checkpoint every N iterations (default: only at the end, on Ctrl-C and every --checkpoint-minutes).")
    var checkpointEvery: Int?

    @Option(help: "Write a checkpoint when this many minutes have passed since the last one (a checkpoint of the tutorial is 3 GiB; one of --scene holds the optimised values and the optimiser's state, 3 floats per value for Adam).")
    var checkpointMinutes: Double = 10

    @Flag(help: "Continue from the checkpoint in the output folder.")
    var resume = false

    /// --iterations, or the mode's default.
    var totalIterations: Int { iterations ?? (scene == nil ? 100 : 50) }

    /// --lr, or the mode's default.
    var learningRate: Double { lr ?? (scene == nil ? 2e-4 : 0.05) }

    func validate() throws {
        guard Variant(rawValue: variant) != nil else { throw ValidationError("--variant must be llvm or scalar, got '\(variant)'") }
        guard totalIterations >= 1 else { throw ValidationError("--iterations must be at least 1, got \(totalIterations)") }
        guard spp >= 1 else { throw ValidationError("--spp must be at least 1, got \(spp)") }
        guard learningRate > 0 && learningRate.isFinite else {
            throw ValidationError("--lr must be a positive number, got \(learningRate)")
        }
        guard figureSpp >= 1 else { throw ValidationError("--figure-spp must be at least 1, got \(figureSpp)") }
        if let checkpointEvery, checkpointEvery < 1 {
            throw ValidationError("--checkpoint-every must be at least 1, got \(checkpointEvery)")
        }
        guard checkpointMinutes > 0 && checkpointMinutes.isFinite else {
            throw ValidationError("--checkpoint-minutes must be a positive number, got \(checkpointMinutes)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if scene == nil {
            if let option = sceneOptimization.givenOptions.first {
                throw ValidationError("\(option) applies to --scene FILE.xml (without --scene, optimize runs the tutorial)")
            }
        } else {
            if !textures.isEmpty || linearTextures {
                throw ValidationError("\(textures.isEmpty ? "--linear-textures" : "--textures") applies to the tutorial (without --scene)")
            }
            try sceneOptimization.check()
        }
    }

    func run() throws {
        let options = CompileOptions(variant: Variant(rawValue: variant)!, threadCount: threads,
                                     logsLaunches: CompileOptions.launchLogRequested,
                                     diskCache: kernelCache.diskCache())
        let directory = URL(fileURLWithPath: output, isDirectory: true)
        if let scene {
            try SceneOptimizationRun(command: self, sceneFile: scene, directory: directory).run(options: options)
            return
        }
        // Everything that can be wrong with the inputs is checked before any work starts.
        let (values, size, names) = try loadTextures()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        TrainingOutputs.removeAbandonedTemporaries(in: directory)
        let checkpointURL = directory.appendingPathComponent("model.safetensors")
        if resume && !FileManager.default.fileExists(atPath: checkpointURL.path) {
            throw ValidationError("--resume: there is no checkpoint at \(checkpointURL.path)")
        }
        try TraceContext.with(options) {
            let placeholder = try TutorialScene.TextureData(size: size, values: [Float](repeating: 0.5, count: size * size * 3))
            let scene = try TutorialScene.make(resolution: size, texture: placeholder)
            let training = try TutorialTraining(scene: scene, parameterKey: TutorialScene.textureKey, textures: values,
                                                resolution: size, samplesPerPixel: spp, learningRate: learningRate,
                                                seed: seed)
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
        let clock = ContinuousClock()
        let iterations = totalIterations
        let progress = IterationProgress(total: iterations, first: training.iteration)
        // The iteration of the checkpoint on disk (the one --resume would continue from), if any.
        var savedIteration: Int? = resume ? training.iteration : nil
        var schedule = CheckpointSchedule(every: checkpointEvery, minutes: checkpointMinutes)
        func saveCheckpoint() throws {
            schedule.saved()
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
            progress.report(iteration: record.iteration, details: String(format: "loss %.4f", record.loss),
                            seconds: record.seconds.total)
            if schedule.isDue(after: training.iteration) { try saveCheckpoint() }
        }
        progress.finish()
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

    /// An optimisation that produced non-finite values: where, and which checkpoint is left.
    struct TrainingDiverged: Error, CustomStringConvertible {
        let iteration: Int
        let reason: String
        /// The iteration of the checkpoint left on disk, if any.
        let kept: Int?
        /// The checkpoint's file name.
        var checkpoint = "model.safetensors"

        var description: String {
            "iteration \(iteration): \(reason): the optimisation diverged (try a smaller --lr); stopped. "
                + (kept.map { "\(checkpoint) still holds iteration \($0), the last good checkpoint." }
                   ?? "No checkpoint was written.")
        }
    }

    private func settingsDescription(size: Int, names: [String]) -> String {
        "Textures: \(names.joined(separator: ", ")) (\(size)x\(size)); variant \(variant); spp \(spp); Adam lr \(learningRate); seed \(seed)."
    }
}
