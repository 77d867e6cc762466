// The command-line program: `Tool info`, and (as they land) `optimize`, `render` and `gradient`.
import ArgumentParser
import Foundation
import Tracer

@main
struct Tool: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Refract: differentiable rendering and a tracing JIT on the CPU.",
        subcommands: [Info.self, RenderCommand.self, GradientCommand.self, Optimize.self]
    )
}

/// `Tool info`: facts about this machine and build that matter for performance and reproducibility.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the environment: CPU, vector width, LLVM, threads.")

    func run() throws {
        let context = TraceContext.standard
        print("cpu:           \(HostCPU.name)")
        print("vector width:  \(context.vectorWidth) lanes (\(HostCPU.enabledFeatures.contains("avx512f") ? "AVX-512" : HostCPU.enabledFeatures.contains("avx2") ? "AVX2" : "SSE"))")
        print("threads:       \(context.threadCount)")
        print("llvm:          \(LLVMBackend.shared.llvmVersion)")
        print("variants:      \(Variant.allCases.map(\.rawValue).joined(separator: ", "))")
    }
}

/// `Tool optimize`: the tutorial end to end. The Optim module and the renderer it needs are not in yet.
struct Optimize: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the PyTorch/Mitsuba interoperability tutorial end to end.")

    @Option(help: "Backend: llvm or scalar.") var variant: String = "llvm"

    func run() throws {
        throw ValidationError("optimize is not available yet: it needs the renderer (Integrators) and the dense layer (Optim), which are still being built")
    }
}
