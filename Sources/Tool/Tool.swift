// The command-line program: `Tool optimize` (the tutorial end to end), `render`, `gradient` and `info`.
import ArgumentParser
import Foundation
import Tracer

@main
struct Tool: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Refract: differentiable rendering and a tracing JIT on the CPU.",
        subcommands: [OptimizeCommand.self, RenderCommand.self, GradientCommand.self, Info.self]
    )
}

/// `Tool info`: facts about this machine and build that matter for performance and reproducibility.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the environment: CPU, vector width, LLVM, threads, the kernel cache's place and size.")

    @OptionGroup var kernelCache: KernelCacheOptions

    func run() throws {
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
    }
}
