// `optimize --scene` from start to finish: load, target, starting values, iterations with checkpoints, outputs.
import ArgumentParser
import Foundation
import Integrators
import Optim
import Tracer
import Tutorial

/// One `optimize --scene` run, configured by the command's options.
struct SceneOptimizationRun {
    let command: OptimizeCommand
    let sceneFile: String
    let directory: URL

    private var options: SceneOptimizationOptions { command.sceneOptimization }
    private var checkpointURL: URL { directory.appendingPathComponent("optimizer.safetensors") }

    func run(options compileOptions: CompileOptions) throws {
        let overrides = try SceneOptions.overrides(options.defines)
        let initialValues = try options.initialValues()
        let clamps = try options.clampRanges()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        SceneOptimizationOutputs.removeAbandonedTemporaries(in: directory)
        if command.resume && !FileManager.default.fileExists(atPath: checkpointURL.path) {
            throw ValidationError("--resume: there is no checkpoint at \(checkpointURL.path)")
        }
        try TraceContext.with(compileOptions) {
            var scene = try Scene(contentsOf: URL(fileURLWithPath: sceneFile), overrides: overrides,
                                  bvhQuality: SceneOptions.buildQuality(options.bvhQuality))
            // Gradients come from path replay, whatever integrator the file names (as Mitsuba's tutorial loads
            // its scene with integrator='prb').
            if scene.integrator.kind == .volpath {
                throw ValidationError("the volpath integrator renders forward only: \(sceneFile) cannot be optimised "
                                      + "through participating media (use path or prb)")
            }
            if scene.integrator.kind != .prb && scene.integrator.kind != .prbBasic {
                print("note: \(sceneFile) names the \(scene.integrator.kind.rawValue) integrator; optimising with prb")
                scene.integrator.kind = .prb
            }
            if let mode = options.pathLoop.flatMap(IntegratorSettings.PathLoop.init(rawValue:)) {
                scene.integrator.pathLoop = mode
            }
            let parameters = scene.parameters
            for key in options.parameter + initialValues.map(\.key) where !parameters.contains(key) {
                if scene.fixedParameters.contains(where: { $0.key == key }) {
                    throw ValidationError("scene parameter '\(key)' is not differentiable in Refract; \(sceneFile)'s "
                                          + "differentiable ones: \(parameters.keys.joined(separator: ", "))")
                }
                throw ValidationError("unknown scene parameter '\(key)'; \(sceneFile) has: \(parameters.keys.joined(separator: ", "))")
            }
            let film = scene.sensor.film
            try checkMemory(scene)
            let (target, referenceValues) = try makeTarget(scene: scene, width: film.width, height: film.height)
            for (key, values) in initialValues {
                let count = try parameters.value(key).count
                guard values.count == 1 || values.count == count else {
                    throw ValidationError("--initial \(key): the parameter has \(count) values; give 1 or \(count), got \(values.count)")
                }
                try parameters.set(key, to: FloatArray(values.count == 1 ? Array(repeating: values[0], count: count) : values))
            }
            let optimizer: any KeyedOptimizer = options.optimizer == "sgd"
                ? KeyedSGD(lr: command.learningRate) : KeyedAdam(lr: command.learningRate)
            let optimization = try SceneOptimization(
                scene: scene, keys: options.parameter, target: target, referenceValues: referenceValues,
                optimizer: optimizer, clamps: clamps, loss: ImageLoss(rawValue: options.loss)!,
                samplesPerPixel: command.spp, seed: UInt32(truncatingIfNeeded: command.seed))
            let outputs = SceneOptimizationOutputs(directory: directory, width: film.width, height: film.height)
            var metrics = SceneOptimizationMetrics(keys: options.parameter, referenceValues: referenceValues,
                                                   initialValues: optimization.currentValues())
            if command.resume {
                try optimization.restore(try SafeTensors.read(from: checkpointURL), from: checkpointURL,
                                         optimizerName: options.optimizer)
                let saved = try outputs.readMetrics()
                metrics.initialValues = saved?.initialValues ?? metrics.initialValues
                metrics.iterations = (saved?.iterations ?? []).filter { $0.iteration <= optimization.iteration }
                print("resuming after iteration \(optimization.iteration)")
            } else {
                try outputs.writeImage(target.values, name: "reference")
                try outputs.writeImage(optimization.renderFigure(samplesPerPixel: command.figureSpp, seed: 0).values,
                                       name: "initial")
            }
            try iterate(optimization, metrics: &metrics, outputs: outputs)
            let final = try optimization.renderFigure(samplesPerPixel: command.figureSpp, seed: 0)
            try outputs.writeImage(final.values, name: "final")
            metrics.peakRSSMiB = ProcessMemory.peakResidentMiB
            try outputs.writeMetrics(metrics)
            try outputs.writeParameters(optimization.currentValues())
            try outputs.writePlots(metrics)
            try outputs.writeReport(metrics, settings: settingsDescription(scene: scene))
            print("wrote \(directory.path)/report.html (peak memory \(Int(metrics.peakRSSMiB)) MiB)")
        }
    }

    /// Refuses, before any rendering, an iteration whose gradient render cannot fit in this machine's memory (its
    /// wavefronts and the replay's hit log are held at once), rather than being killed for it.
    private func checkMemory(_ scene: Scene) throws {
        let memory = RenderMemory.machineDefault
        let pixels = scene.sensor.film.pixelCount
        let extra = scene.replayLogBytesPerSample
        let fitting = try memory.samplesPerPass(pixels: pixels, samplesPerPixel: command.spp, withGradients: true,
                                                extraBytesPerSample: extra)
        guard fitting >= command.spp else {
            let needed = RenderMemory.estimate(samples: pixels * command.spp, withGradients: true,
                                               extraBytesPerSample: extra)
            throw ValidationError("optimize: an iteration at --spp \(command.spp) renders \(pixels) pixels with gradients, "
                                  + "about \(RenderMemory.gibibytes(needed)); at most \(fitting) spp fit in the memory "
                                  + "available (\(RenderMemory.gibibytes(memory.limit))): lower --spp or the resolution")
        }
    }

    /// The target image and, when rendered here, the parameter values it was rendered with. A rendered reference
    /// is traced in as many passes as the memory available needs (the same image).
    private func makeTarget(scene: Scene, width: Int, height: Int) throws -> (FloatArray, [String: [Float]]?) {
        if let referenceSpp = options.referenceSpp {
            let values = try Dictionary(uniqueKeysWithValues: options.parameter.map { ($0, try scene.parameters.value($0).values) })
            let progress = ProgressLine("reference", context: .current)
            let perPass = try RenderMemory.machineDefault.samplesPerPass(pixels: scene.sensor.film.pixelCount,
                                                                          samplesPerPixel: referenceSpp, withGradients: false)
            let image = try scene.render(samplesPerPixel: referenceSpp,
                                         seed: UInt32.max - UInt32(truncatingIfNeeded: command.seed),
                                         samplesPerPass: perPass) { progress.update(done: $0, total: $1) }
            image.array.eval()
            progress.finish()
            return (image.array, values)
        }
        let path = options.reference!
        var bitmap: Bitmap
        do {
            bitmap = try Bitmap(inputContentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ValidationError("--reference: \(error)")
        }
        guard bitmap.width == width && bitmap.height == height else {
            throw ValidationError("--reference \(path) is \(bitmap.width)x\(bitmap.height); the scene's film is \(width)x\(height)")
        }
        if bitmap.isSRGB { bitmap = bitmap.linearized() }
        if bitmap.hasAlpha { bitmap = bitmap.droppingAlpha() }
        if bitmap.channelCount == 1 { bitmap = bitmap.expandingGrayToRGB() }
        guard bitmap.channelCount == 3 else {
            throw ValidationError("--reference \(path) has \(bitmap.channelCount) channels; expected RGB (or gray, or with alpha)")
        }
        if let bad = bitmap.pixels.firstIndex(where: { !$0.isFinite }) {
            throw ValidationError("--reference \(path): value \(bad) is \(bitmap.pixels[bad]); expected finite values")
        }
        return (FloatArray(bitmap.pixels), nil)
    }

    /// The iterations with progress, periodic checkpoints and Ctrl-C handling.
    private func iterate(_ optimization: SceneOptimization, metrics: inout SceneOptimizationMetrics,
                         outputs: SceneOptimizationOutputs) throws {
        InterruptFlag.install()
        let iterations = command.totalIterations
        let progress = IterationProgress(total: iterations, first: optimization.iteration)
        var schedule = CheckpointSchedule(every: command.checkpointEvery, minutes: command.checkpointMinutes)
        var savedIteration: Int? = command.resume ? optimization.iteration : nil
        func saveCheckpoint() throws {
            schedule.saved()
            try optimization.checkpoint(optimizerName: options.optimizer).write(to: checkpointURL)
            savedIteration = optimization.iteration
            metrics.peakRSSMiB = ProcessMemory.peakResidentMiB
            try outputs.writeMetrics(metrics)
        }
        while optimization.iteration < iterations && !InterruptFlag.isSet {
            let record = try optimization.step()
            guard record.loss.isFinite, record.parameters.values.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
                throw OptimizeCommand.TrainingDiverged(iteration: record.iteration, reason: "the loss or a parameter is not finite",
                                                       kept: savedIteration, checkpoint: checkpointURL.lastPathComponent)
            }
            metrics.iterations.append(record)
            var details = String(format: "loss %.6g", record.loss)
            if let error = record.parameterError { details += String(format: "  parameter error %.3g", error) }
            progress.report(iteration: record.iteration, details: details, seconds: record.seconds.total)
            if schedule.isDue(after: optimization.iteration) { try saveCheckpoint() }
        }
        progress.finish()
        if InterruptFlag.isSet { print("interrupted: stopping after iteration \(optimization.iteration)") }
        try saveCheckpoint()
    }

    private func settingsDescription(scene: Scene) -> String {
        let film = scene.sensor.film
        let target = options.reference.map { "the image \($0)" } ?? "the scene as loaded at spp \(options.referenceSpp!)"
        return "Scene \(sceneFile) (\(film.width)x\(film.height)); parameters \(options.parameter.joined(separator: ", ")); "
            + "target: \(target); \(options.optimizer) lr \(command.learningRate); loss \(options.loss); spp \(command.spp); "
            + "seed \(command.seed); variant \(command.variant)."
    }
}
