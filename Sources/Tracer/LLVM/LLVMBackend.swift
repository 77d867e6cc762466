// The LLVM backend's public face: compiles kernel programs to native code, and the kernels it produces.
import CLLVM
import Foundation

/// Compiles `KernelProgram`s to native vector code for the host CPU through LLVM's ORC JIT.
///
/// Each compile builds one module (IR -> verify -> `default<O3>` -> JIT) and looks up its function. Compilation
/// is serialised by a lock, so the backend can be used from any thread; caching compiled kernels is the caller's.
public final class LLVMBackend: @unchecked Sendable {
    /// The process-wide backend.
    public static let shared = LLVMBackend()

    /// Serialises compiles (the pass pipeline shares one target machine).
    private let lock = NSLock()
    /// Compiles so far; makes every kernel's symbol name unique.
    private var compileCount = 0

    private init() {}

    /// The version of the LLVM libraries the backend was built against (e.g. "14.0.6").
    public var llvmVersion: String { LLVM_VERSION_STRING }

    /// Compiles a program into a kernel ready to run.
    public func compile(_ program: KernelProgram) throws -> LLVMKernel {
        try lock.withLock {
            let jit = try LLVMJIT.shared()
            compileCount += 1
            let name = "refract_kernel_\(String(program.structuralHash, radix: 16))_\(compileCount)"

            // The module must live in a thread-safe context to be handed to the JIT.
            let threadSafeContext = LLVMOrcCreateNewThreadSafeContext()
            defer { LLVMOrcDisposeThreadSafeContext(threadSafeContext) }
            let module = try buildModule(program, name: name, jit: jit,
                                         context: LLVMOrcThreadSafeContextGetContext(threadSafeContext))
            do {
                try jit.optimize(module)
            } catch {
                LLVMDisposeModule(module)
                throw error
            }
            try jit.add(module, context: threadSafeContext!)
            let address = try jit.lookup(name)
            return LLVMKernel(program: program, symbolName: name, entry: unsafeBitCast(address, to: KernelEntry.self))
        }
    }

    /// The LLVM IR of a program's kernel as text, before or after the `default<O3>` pipeline (for dumps and tests).
    public func intermediateRepresentation(of program: KernelProgram, optimized: Bool) throws -> String {
        try lock.withLock {
            let jit = try LLVMJIT.shared()
            let context = LLVMContextCreate()!
            defer { LLVMContextDispose(context) }
            let name = "refract_kernel_\(String(program.structuralHash, radix: 16))"
            let module = try buildModule(program, name: name, jit: jit, context: context)
            defer { LLVMDisposeModule(module) }
            if optimized { try jit.optimize(module) }
            return takeMessage(LLVMPrintModuleToString(module))
        }
    }

    /// Builds and verifies the module holding the kernel function `name`, in `context`.
    private func buildModule(_ program: KernelProgram, name: String, jit: LLVMJIT,
                             context: LLVMContextRef) throws -> LLVMModuleRef {
        let module = LLVMModuleCreateWithNameInContext(name, context)!
        do {
            jit.configure(module)
            try LLVMCodegen(program: program, context: context, module: module).build(name: name)
            try verify(module)
            return module
        } catch {
            LLVMDisposeModule(module)
            throw error
        }
    }

    /// Runs LLVM's verifier; its report becomes the error.
    private func verify(_ module: LLVMModuleRef) throws {
        var message: UnsafeMutablePointer<CChar>?
        let failed = LLVMVerifyModule(module, LLVMReturnStatusAction, &message) != 0
        let text = takeMessage(message)
        if failed { throw LLVMBackendError.invalidModule(text) }
    }
}

/// A kernel compiled by the LLVM backend: native code in the process-wide JIT, valid for the process's lifetime.
public final class LLVMKernel: CompiledKernel, @unchecked Sendable {
    /// The program this kernel was compiled from.
    public let program: KernelProgram
    /// The kernel function's symbol name in the JIT.
    public let symbolName: String
    /// The native entry point.
    let entry: KernelEntry

    /// Wraps a function that the JIT produced for `program`.
    init(program: KernelProgram, symbolName: String, entry: KernelEntry) {
        self.program = program
        self.symbolName = symbolName
        self.entry = entry
    }

    /// Runs lanes [start, end) of block `block` by calling the native function.
    public func run(start: Int, end: Int, block: Int,
                    pointers: UnsafePointer<UnsafeMutableRawPointer?>, sizes: UnsafePointer<Int64>) {
        entry(Int64(start), Int64(end), Int64(block), pointers, sizes)
    }
}
