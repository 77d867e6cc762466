// Kernels made visible to Linux `perf` (REFRACT_PERF_MAP=DIR): /tmp/perf-PID.map lines, each kernel's object and IR.
import CLLVM
import Foundation
import RefractSupport

/// Opt-in profiling aid. With `REFRACT_PERF_MAP` set to a folder, every kernel the JIT loads gets a line in
/// `/tmp/perf-<pid>.map` (the format `perf report` reads for JIT code: start, size, name), and its relocatable object
/// is written to `<folder>/<name>.o`, so that a sample's offset from the kernel's start can be found in
/// `objdump -d` of that file (`scripts/perf-kernels.py` does both).
enum PerfMap {
    /// The folder for object files, when the variable is set.
    static let folder: String? = {
        guard let value = ProcessInfo.processInfo.environment["REFRACT_PERF_MAP"], !value.isEmpty else { return nil }
        try? FileManager.default.createDirectory(atPath: value, withIntermediateDirectories: true)
        return value
    }()

    private static let lock = NSLock()

    /// Records a kernel loaded at `address` from `object` (no-op unless REFRACT_PERF_MAP is set).
    static func record(symbol: String, address: UnsafeRawPointer, object: [UInt8]) {
        guard let folder else { return }
        let size = functionSize(symbol, in: object) ?? 1
        lock.withLock {
            // A profiling aid: a file that cannot be written leaves that kernel unannotated, nothing more.
            try? writeAtomically(Data(object), to: URL(fileURLWithPath: "\(folder)/\(symbol).o"))
            let line = String(format: "%lx %lx %@\n", UInt(bitPattern: address), size, symbol)
            let path = "/tmp/perf-\(getpid()).map"
            if let handle = FileHandle(forWritingAtPath: path) {
                handle.seekToEndOfFile()
                handle.write(Data(line.utf8))
                handle.closeFile()
            } else {
                _ = FileManager.default.createFile(atPath: path, contents: Data(line.utf8))
            }
        }
    }

    /// Writes a kernel's LLVM IR before optimisation to `<folder>/<name>.ll` (no-op unless REFRACT_PERF_MAP is set),
    /// where the operations behind a hot instruction can be counted by kind.
    static func recordIntermediateRepresentation(symbol: String, _ text: () -> String) {
        guard let folder else { return }
        try? writeAtomically(Data(text().utf8), to: URL(fileURLWithPath: "\(folder)/\(symbol).ll"))
    }

    /// The size in bytes of the function `symbol` in an object file, read with LLVM's object API.
    private static func functionSize(_ symbol: String, in object: [UInt8]) -> Int? {
        let buffer = object.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) {
                LLVMCreateMemoryBufferWithMemoryRangeCopy($0.baseAddress, $0.count, symbol)
            }
        }
        defer { LLVMDisposeMemoryBuffer(buffer) }
        var message: UnsafeMutablePointer<CChar>?
        guard let binary = LLVMCreateBinary(buffer, LLVMGetGlobalContext(), &message) else {
            LLVMDisposeMessage(message)
            return nil
        }
        defer { LLVMDisposeBinary(binary) }
        guard let symbols = LLVMObjectFileCopySymbolIterator(binary) else { return nil }
        defer { LLVMDisposeSymbolIterator(symbols) }
        // The source-file entry carries the same name with size 0; the function is the largest entry of that name.
        var size: Int?
        while LLVMObjectFileIsSymbolIteratorAtEnd(binary, symbols) == 0 {
            if let name = LLVMGetSymbolName(symbols), String(cString: name) == symbol {
                size = max(size ?? 0, Int(LLVMGetSymbolSize(symbols)))
            }
            LLVMMoveToNextSymbol(symbols)
        }
        return size
    }
}
