// The command-line program: `Tool optimize` (the tutorial end to end), `render`, `gradient` and `info`.
import ArgumentParser
import Foundation
import Integrators
import Optim
import Tracer

@main
struct Tool: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Refract: differentiable rendering and a tracing JIT on the CPU.",
        subcommands: [OptimizeCommand.self, RenderCommand.self, MergeCommand.self, GradientCommand.self, ParamsCommand.self, Info.self]
    )

    /// Runs the command; exits 0 on success, 2 for bad input (arguments, files, scenes, checkpoints: the message
    /// names the input), 1 for an internal failure (anything else), so that farm schedulers can tell a job to fix
    /// from a node to retry.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            // Help, version and clean exits keep ArgumentParser's own output and status.
            if code == .success || error is ExitCode { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(isInputError(error, code: code) ? 2 : 1)
        }
    }

    /// Whether `error` is about the user's input rather than a failure of the program or the machine.
    static func isInputError(_ error: any Error, code: ExitCode) -> Bool {
        if code == .validationFailure { return true }   // argument parsing and ValidationError
        switch error {
        case let error as ImageIOError where error.isWriteFailure: return false
        case let error as SafeTensorsError:
            if case .unwritable = error.problem { return false }
            return true
        case is ImageIOError, is SceneError, is SafeTensorsError, is CheckpointError, is RenderError: return true
        default: return false
        }
    }
}

/// `Tool info`: facts about this machine and build that matter for performance and reproducibility.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the environment: CPU, vector width, LLVM, threads, the kernel cache's place and size; "
            + "with --scene FILE.xml, what the scene holds, how long it takes to load and its memory per triangle.")

    @OptionGroup var kernelCache: KernelCacheOptions

    @Option(help: "A Mitsuba 3 XML file to load and describe.")
    var scene: String?

    @Option(name: .customShort("D"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Override a scene default: -D name=value.", valueName: "name=value"))
    var defines: [String] = []

    @Option(help: ArgumentHelp(SceneOptions.bvhQualityHelp, valueName: "quality"))
    var bvhQuality: String = EmbreeBuildQuality.automatic.rawValue

    @OptionGroup var memoryLimit: MemoryLimitOption

    func run() throws {
        _ = try SceneOptions.buildQuality(bvhQuality)
        let context = TraceContext.standard
        print("cpu:           \(HostCPU.name)")
        print("vector width:  \(context.vectorWidth) lanes (\(HostCPU.enabledFeatures.contains("avx512f") ? "AVX-512" : HostCPU.enabledFeatures.contains("avx2") ? "AVX2" : "SSE"))")
        print("threads:       \(context.threadCount)")
        print("llvm:          \(LLVMBackend.shared.llvmVersion)")
        print("variants:      \(Variant.allCases.map(\.rawValue).joined(separator: ", "))")
        let cache = KernelDiskCache(directory: KernelCacheOptions.directory())
        let usage = cache.usage
        let state = kernelCache.disabledReason().map { "off (\($0))" } ?? "on"
        print("kernel cache:  \(cache.directory.path) (\(state))")
        print(String(format: "cache size:    %d entries, %.1f MiB (%d bytes)", usage.entries,
                     Double(usage.bytes) / 1_048_576, usage.bytes))
        if let scene {
            let options = try SceneOptions.parse(["--scene", scene, "--bvh-quality", bvhQuality]
                                                 + defines.flatMap { ["-D", $0] })
            try SceneFacts.measure(options, memory: try memoryLimit.memory()).print()
        } else if !defines.isEmpty {
            throw ValidationError("-D applies to a --scene")
        }
    }
}
