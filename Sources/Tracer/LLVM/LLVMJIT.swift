// The process-wide ORC LLJIT for the host CPU: module optimisation, object code emission, loading and lookup.
import CLLVM
import Foundation

/// An error from the LLVM backend, carrying LLVM's own message where there is one.
package enum LLVMBackendError: Error, CustomStringConvertible {
    /// LLVM reported an error (JIT creation, pass pipeline, linking, symbol lookup).
    case llvm(String)
    /// The generated module failed LLVM's verifier; the verifier's text.
    case invalidModule(String)
    /// The program uses an op or type combination the code generator cannot compile.
    case unsupported(String)

    /// The message, prefixed with the stage that failed.
    package var description: String {
        switch self {
        case .llvm(let message): "LLVM error: \(message)"
        case .invalidModule(let message): "LLVM module verification failed: \(message)"
        case .unsupported(let message): "LLVM backend: unsupported program: \(message)"
        }
    }
}

/// Throws the message of an `LLVMErrorRef` (consuming it) when there is one.
func checkLLVM(_ error: LLVMErrorRef?) throws {
    guard let error else { return }
    let message = LLVMGetErrorMessage(error)
    defer { LLVMDisposeErrorMessage(message) }
    throw LLVMBackendError.llvm(message.map { String(cString: $0) } ?? "unknown error")
}

/// The one LLJIT of the process, compiling for the host CPU with aggressive code generation.
///
/// Every method takes the JIT's lock, so it can be used from any thread. Modules are compiled to relocatable object
/// code by a target machine configured like the JIT's own (so the bytes can be stored in the disk cache and loaded
/// by another process), then added as objects. Compiled code lives as long as the process: kernels are cached by
/// their programs, so the set of objects stays small.
final class LLVMJIT: @unchecked Sendable {
    /// Guards the lazily created `instance`.
    private static let creationLock = NSLock()
    nonisolated(unsafe) private static var instance: LLVMJIT?

    /// The process-wide JIT, created on first use.
    static func shared() throws -> LLVMJIT {
        try creationLock.withLock {
            if let instance { return instance }
            let jit = try LLVMJIT()
            instance = jit
            return jit
        }
    }

    /// Guards the JIT and the pass target machine.
    private let lock = NSLock()
    private let jit: LLVMOrcLLJITRef
    /// A second target machine for the host, used by the pass pipeline and to emit object code (the JIT owns the
    /// first; both are made by `makeHostTargetMachine`, so the code is what the JIT would have generated).
    private let passTargetMachine: LLVMTargetMachineRef
    /// The target triple and data layout every module gets, so that the optimiser knows the real vector widths.
    let triple: String
    let dataLayout: String

    /// Kernel functions already defined, by symbol name: names are deterministic per kernel, and defining one twice
    /// in a JITDylib is an error, so a second request for the same name gets the first definition.
    private var definedSymbols: [String: UnsafeRawPointer] = [:]

    /// Creates an LLJIT for the host, with process symbols (libm) visible to JIT code. The backend uses `shared()`;
    /// tests make their own to stand for a fresh process.
    init() throws {
        Self.initializeNativeTarget()
        triple = takeMessage(LLVMGetDefaultTargetTriple())
        passTargetMachine = try Self.makeHostTargetMachine(triple: triple)
        let layout = LLVMCreateTargetDataLayout(passTargetMachine)
        dataLayout = takeMessage(LLVMCopyStringRepOfTargetData(layout))
        LLVMDisposeTargetData(layout)

        // The builder takes ownership of the target machine builder, which takes ownership of its machine.
        let builder = LLVMOrcCreateLLJITBuilder()
        let jitMachine = try Self.makeHostTargetMachine(triple: triple)
        LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(
            builder, LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(jitMachine))
        var created: LLVMOrcLLJITRef?
        try checkLLVM(LLVMOrcCreateLLJIT(&created, builder))
        guard let created else { throw LLVMBackendError.llvm("LLJIT creation returned no instance") }
        jit = created

        // Unresolved symbols (memset and memcpy, which LLVM may emit for large moves) are looked up in the process.
        var generator: LLVMOrcDefinitionGeneratorRef?
        try checkLLVM(LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(
            &generator, LLVMOrcLLJITGetGlobalPrefix(jit), nil, nil))
        LLVMOrcJITDylibAddGenerator(LLVMOrcLLJITGetMainJITDylib(jit), generator)
    }

    /// Frees the JIT with its code and target machines: the shared JIT lives as long as the process, the fresh ones
    /// that tests make go when the last kernel, backend and cache using them do (`LLVMKernel` keeps its JIT).
    deinit {
        // An error here (a resource that failed to free) is not worth more than freeing the rest.
        if let error = LLVMOrcDisposeLLJIT(jit) { LLVMConsumeError(error) }
        LLVMDisposeTargetMachine(passTargetMachine)
    }

    /// Registers the host target and its assembly printer with LLVM (idempotent).
    private static func initializeNativeTarget() {
        LLVMInitializeNativeTarget()
        LLVMInitializeNativeAsmPrinter()
    }

    /// A target machine for the host CPU and its features, with aggressive optimisation.
    private static func makeHostTargetMachine(triple: String) throws -> LLVMTargetMachineRef {
        var target: LLVMTargetRef?
        var message: UnsafeMutablePointer<CChar>?
        if LLVMGetTargetFromTriple(triple, &target, &message) != 0 || target == nil {
            throw LLVMBackendError.llvm(takeMessage(message))
        }
        guard let machine = LLVMCreateTargetMachine(
            target, triple, HostCPU.name, HostCPU.features,
            LLVMCodeGenLevelAggressive, LLVMRelocDefault, LLVMCodeModelJITDefault)
        else { throw LLVMBackendError.llvm("cannot create a target machine for \(triple)") }
        return machine
    }

    /// Gives a module the host's triple and data layout (before optimisation, so the cost model is the host's).
    func configure(_ module: LLVMModuleRef) {
        LLVMSetTarget(module, triple)
        LLVMSetDataLayout(module, dataLayout)
    }

    /// Optimises a module in place with the new pass manager's `default<O3>` pipeline for the host, then widens the
    /// lane masks that cross blocks, and the logic on them, where the host has no mask registers (`LaneMaskWidening`).
    func optimize(_ module: LLVMModuleRef) throws {
        try lock.withLock {
            let options = LLVMCreatePassBuilderOptions()
            defer { LLVMDisposePassBuilderOptions(options) }
            try checkLLVM(LLVMRunPasses(module, "default<O3>", passTargetMachine, options))
            if LaneMaskWidening.isNeeded { LaneMaskWidening.run(on: module) }
        }
    }

    /// Compiles an optimised module to a relocatable object file in memory (the module stays the caller's).
    func emitObject(_ module: LLVMModuleRef) throws -> [UInt8] {
        try lock.withLock {
            var message: UnsafeMutablePointer<CChar>?
            var buffer: LLVMMemoryBufferRef?
            if LLVMTargetMachineEmitToMemoryBuffer(passTargetMachine, module, LLVMObjectFile, &message, &buffer) != 0
                || buffer == nil {
                throw LLVMBackendError.llvm("object code emission failed: \(takeMessage(message))")
            }
            defer { LLVMDisposeMemoryBuffer(buffer) }
            let start = UnsafeRawPointer(LLVMGetBufferStart(buffer)!)
            return Array(UnsafeRawBufferPointer(start: start, count: LLVMGetBufferSize(buffer)))
        }
    }

    /// Adds object code that defines the function `symbol` and returns the function's address. When `symbol` is
    /// already defined in this JIT, the existing definition is returned and the object is not added.
    func addObject(_ object: [UInt8], defining symbol: String) throws -> UnsafeRawPointer {
        try lock.withLock {
            if let address = definedSymbols[symbol] { return address }
            // The JIT takes ownership of the buffer, also when adding fails.
            let buffer = object.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) {
                    LLVMCreateMemoryBufferWithMemoryRangeCopy($0.baseAddress, $0.count, symbol)
                }
            }
            try checkLLVM(LLVMOrcLLJITAddObjectFile(jit, LLVMOrcLLJITGetMainJITDylib(jit), buffer))
            let address = try lookupLocked(symbol)
            definedSymbols[symbol] = address
            PerfMap.record(symbol: symbol, address: address, object: object)
            return address
        }
    }

    /// Makes `name` answer with `address` in `definedAddress(of:)`: a kernel recompiled under another name after its
    /// stored object failed to load is found under its usual name afterwards.
    func recordAlias(_ name: String, for address: UnsafeRawPointer) {
        lock.withLock { definedSymbols[name] = address }
    }

    /// The address of a kernel function defined earlier in this JIT, if there is one.
    func definedAddress(of symbol: String) -> UnsafeRawPointer? {
        lock.withLock { definedSymbols[symbol] }
    }

    /// The address of a function added earlier (the JIT links its object on the first lookup); the lock is held.
    private func lookupLocked(_ name: String) throws -> UnsafeRawPointer {
        var address: LLVMOrcExecutorAddress = 0
        try checkLLVM(LLVMOrcLLJITLookup(jit, &address, name))
        guard let pointer = UnsafeRawPointer(bitPattern: UInt(address)) else {
            throw LLVMBackendError.llvm("symbol \(name) resolved to address 0")
        }
        return pointer
    }
}
