// The process-wide in-memory cache of compiled kernels, keyed by the program itself.
import Foundation

/// Where a kernel came from.
enum KernelSource {
    /// The in-memory cache: nothing was built.
    case memory
    /// The disk cache: the stored object code was loaded, nothing was compiled.
    case disk
    /// A fresh compile (code generation, optimisation, object code).
    case compiled
}

/// Compiled kernels by backend and program. A hit skips code generation and compilation entirely.
final class KernelCache: @unchecked Sendable {
    static let shared = KernelCache(llvm: .shared)

    private struct Key: Hashable {
        var variant: Variant
        var program: KernelProgram
    }

    private let lock = NSLock()
    private var kernels: [Key: CompiledKernel] = [:]
    /// The backend that compiles on a miss (tests give a fresh one to stand for a fresh process).
    private let llvm: LLVMBackend

    init(llvm: LLVMBackend) { self.llvm = llvm }

    /// The kernel for `program`, loading it from `diskCache` or compiling it on a miss; `source` tells which.
    func kernel(for program: KernelProgram, variant: Variant,
                diskCache: KernelDiskCache? = nil) -> (kernel: CompiledKernel, source: KernelSource) {
        let key = Key(variant: variant, program: program)
        if let kernel = lock.withLock({ kernels[key] }) { return (kernel, .memory) }
        let kernel: CompiledKernel
        let source: KernelSource
        switch variant {
        case .scalar:
            // Interpreting needs no compile, so there is nothing to store on disk.
            (kernel, source) = (ScalarKernel(program: program), .compiled)
        case .llvm:
            do {
                let result = try llvm.compile(program, diskCache: diskCache)
                (kernel, source) = (result.kernel, result.fromDisk ? .disk : .compiled)
            } catch {
                fatalError("Tracer: LLVM failed to compile kernel \(String(program.structuralHash, radix: 16)): \(error)")
            }
        }
        lock.withLock { kernels[key] = kernel }
        return (kernel, source)
    }

    /// The number of cached kernels.
    var count: Int { lock.withLock { kernels.count } }
}
