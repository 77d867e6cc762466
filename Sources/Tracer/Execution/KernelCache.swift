// The process-wide in-memory cache of compiled kernels, keyed by the program itself.
import Foundation

/// Compiled kernels by backend and program. A hit skips code generation and compilation entirely.
final class KernelCache: @unchecked Sendable {
    static let shared = KernelCache()

    private struct Key: Hashable {
        var variant: Variant
        var program: KernelProgram
    }

    private let lock = NSLock()
    private var kernels: [Key: CompiledKernel] = [:]

    /// The kernel for `program`, compiling it on a miss. `compiled` tells which happened.
    func kernel(for program: KernelProgram, variant: Variant) -> (kernel: CompiledKernel, compiled: Bool) {
        let key = Key(variant: variant, program: program)
        if let kernel = lock.withLock({ kernels[key] }) { return (kernel, false) }
        let kernel: CompiledKernel
        switch variant {
        case .scalar:
            kernel = ScalarKernel(program: program)
        case .llvm:
            do {
                kernel = try LLVMBackend.shared.compile(program)
            } catch {
                fatalError("Tracer: LLVM failed to compile kernel \(String(program.structuralHash, radix: 16)): \(error)")
            }
        }
        lock.withLock { kernels[key] = kernel }
        return (kernel, true)
    }

    /// The number of cached kernels.
    var count: Int { lock.withLock { kernels.count } }
}
