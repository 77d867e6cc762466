// The LLVM backend's face (package access: Tracer and the Tool): compiles kernel programs to native code, and the
// kernels it produces.
import CLLVM
import Foundation

/// Compiles `KernelProgram`s to native vector code for the host CPU through LLVM's ORC JIT.
///
/// Each compile builds one module (IR -> verify -> `default<O3>` -> object code) and adds the object to the JIT.
/// With a disk cache, the object code is stored under the kernel's key, and a later process that finds a valid
/// entry adds the stored bytes instead, skipping IR building, optimisation and code generation. Compilation is
/// serialised by a lock, so the backend can be used from any thread; caching kernels in memory is the caller's.
package final class LLVMBackend: @unchecked Sendable {
    /// The process-wide backend.
    package static let shared = LLVMBackend(jit: nil)

    /// Serialises compiles (the pass pipeline shares one target machine).
    private let lock = NSLock()
    /// The JIT this backend adds code to; nil means the process-wide one, created on first use.
    private let ownJIT: LLVMJIT?

    /// A backend over `jit` (tests give a fresh JIT to stand for a fresh process), or the process-wide JIT.
    init(jit: LLVMJIT?) { ownJIT = jit }

    /// The version of the LLVM libraries the backend was built against (e.g. "14.0.6").
    package var llvmVersion: String { LLVM_VERSION_STRING }

    /// Compiles a program into a kernel ready to run.
    package func compile(_ program: KernelProgram) throws -> LLVMKernel {
        try compile(program, diskCache: nil).kernel
    }

    /// The disk cache key of a program on this machine and build.
    func cacheKey(for program: KernelProgram) -> KernelCacheKey {
        KernelCacheKey(program: program, llvmVersion: llvmVersion, cpuName: HostCPU.name,
                       cpuFeatures: HostCPU.features, build: BuildIdentity.string)
    }

    /// A kernel for `program`: loaded from `diskCache` when it holds a valid entry (`fromDisk`), otherwise compiled
    /// and, with a cache, stored there. A refused or unloadable entry is reported by the cache and never run.
    func compile(_ program: KernelProgram, diskCache: KernelDiskCache?) throws -> (kernel: LLVMKernel, fromDisk: Bool) {
        try lock.withLock {
            let jit = try ownJIT ?? LLVMJIT.shared()
            let key = cacheKey(for: program)
            var symbol = key.symbolName
            func kernel(at address: UnsafeRawPointer) -> LLVMKernel {
                LLVMKernel(program: program, symbolName: symbol, entry: unsafeBitCast(address, to: KernelEntry.self),
                           jit: jit)
            }
            if let address = jit.definedAddress(of: symbol) { return (kernel(at: address), false) }

            var storesObject = diskCache != nil
            if let diskCache, let object = diskCache.load(key) {
                do {
                    return (kernel(at: try jit.addObject(object, defining: symbol)), true)
                } catch {
                    // A well-formed entry that LLVM refuses: its symbol may now be half-defined in the JIT, so the
                    // fresh compile takes another name, and the entry is removed rather than replaced (its object
                    // would carry that name).
                    diskCache.discard(key, reason: "LLVM could not load it: \(error)")
                    symbol += "_recompiled"
                    storesObject = false
                }
            }
            let object = try compileObject(program, name: symbol, jit: jit)
            if storesObject, let diskCache { diskCache.store(object, for: key) }
            let address = try jit.addObject(object, defining: symbol)
            if symbol != key.symbolName { jit.recordAlias(key.symbolName, for: address) }
            return (kernel(at: address), false)
        }
    }

    /// Builds, optimises and compiles the module of `program` to object code defining the function `name`.
    private func compileObject(_ program: KernelProgram, name: String, jit: LLVMJIT) throws -> [UInt8] {
        let context = LLVMContextCreate()!
        defer { LLVMContextDispose(context) }
        let module = try buildModule(program, name: name, jit: jit, context: context)
        defer { LLVMDisposeModule(module) }
        PerfMap.recordIntermediateRepresentation(symbol: name) { takeMessage(LLVMPrintModuleToString(module)) }
        try jit.optimize(module)
        // Again after our own post-O3 rewrites (`LaneMaskWidening`): a bad rewrite is an error, not a crash.
        try verify(module)
        return try jit.emitObject(module)
    }

    /// The LLVM IR of a program's kernel as text, before or after the `default<O3>` pipeline (for dumps and tests).
    package func intermediateRepresentation(of program: KernelProgram, optimized: Bool) throws -> String {
        try lock.withLock {
            let jit = try ownJIT ?? LLVMJIT.shared()
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

/// A kernel compiled (or loaded from the disk cache) by the LLVM backend: native code in the JIT, valid for the
/// process's lifetime.
package final class LLVMKernel: CompiledKernel, @unchecked Sendable {
    /// The program this kernel was compiled from.
    package let program: KernelProgram
    /// The kernel function's symbol name in the JIT.
    package let symbolName: String
    /// The native entry point.
    let entry: KernelEntry
    /// Whether the code refills its loop's lanes (`LLVMCodegen+LaneRefill.swift`).
    package let refillsLanes: Bool
    /// The JIT whose memory holds the code: a JIT frees its code when it goes away (only tests make JITs that do).
    private let jit: LLVMJIT

    /// Wraps a function that `jit` produced for `program`.
    init(program: KernelProgram, symbolName: String, entry: KernelEntry, jit: LLVMJIT) {
        self.program = program
        self.symbolName = symbolName
        self.entry = entry
        refillsLanes = LaneRefillPlan(program) != nil
        self.jit = jit
    }

    /// Runs lanes [start, end) of block `block` by calling the native function.
    package func run(start: Int, end: Int, block: Int,
                    pointers: UnsafePointer<UnsafeMutableRawPointer?>, sizes: UnsafePointer<Int64>) {
        entry(Int64(start), Int64(end), Int64(block), pointers, sizes)
    }
}
