// The tutorial's peak memory in a process of its own: a fresh run, and a run resumed from a checkpoint.
import Foundation
import Integrators
import Optim
import Tracer
import Tutorial

enum TutorialProcess {
    /// The argument that makes this executable a child that trains (`--resume FILE` restores a checkpoint first),
    /// prints its peak resident memory and exits.
    static let argument = "--tutorial-process"

    /// The tutorial's training state at 128x128 with the built-in textures (what `Tool optimize` trains).
    static func makeTraining() throws -> TutorialTraining {
        let size = 128
        return try TutorialTraining(
            scene: TutorialScene.make(resolution: size, texture: .init(size: size, values: [Float](repeating: 0.5, count: size * size * 3)),
                                     integrator: benchmarkIntegrator),
            parameterKey: TutorialScene.textureKey, textures: ProceduralTextures.all(size: size), resolution: size,
            samplesPerPixel: 4, learningRate: 2e-4, seed: 0)
    }

    /// The child: two iterations, after restoring `checkpoint` when given; prints "peak_rss_mib <value>".
    static func runChild(resumingFrom checkpoint: String?) throws {
        let training = try makeTraining()
        if let checkpoint {
            let opened = try Checkpoint.read(from: URL(fileURLWithPath: checkpoint))
            try opened.restore(module: training.model, optimizer: training.optimizer)
            training.iteration = opened.iteration
        }
        for _ in 0..<2 { _ = try training.step() }
        print("peak_rss_mib \(ProcessMemory.peakResidentMiB)")
    }

    /// Runs this executable as a child (see `argument`) and returns its peak resident memory in MiB.
    static func peakResidentMiB(resumingFrom checkpoint: URL?) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = [argument] + (checkpoint.map { ["--resume", $0.path] } ?? [])
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let line = output.split(separator: "\n").last(where: { $0.hasPrefix("peak_rss_mib ") }),
              let value = Double(line.dropFirst("peak_rss_mib ".count)) else {
            throw RenderError("the tutorial child process failed (status \(process.terminationStatus)): \(output)")
        }
        return value
    }

    /// tutorial_run_peak_rss_mib and tutorial_resume_peak_rss_mib: a fresh process training, and one resuming from
    /// the checkpoint of `training` (written to a temporary folder), each for two iterations.
    static func run(_ report: BenchmarkReport, checkpointOf training: TutorialTraining) throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("refract-bench-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        try Checkpoint(module: training.model, optimizer: training.optimizer, iteration: training.iteration, seed: 0)
            .write(to: url)
        let fresh = try peakResidentMiB(resumingFrom: nil)
        let resumed = try peakResidentMiB(resumingFrom: url)
        report.add("tutorial_run_peak_rss_mib", fresh, "MiB", reference: "a process of its own, 2 iterations")
        report.add("tutorial_resume_peak_rss_mib", resumed, "MiB", target: "<= 1.1 run",
                   reference: "resumed from a checkpoint, 2 iterations")
        report.add("tutorial_resume_vs_run_peak", resumed / fresh, "ratio", target: "<= 1.1")
    }
}
