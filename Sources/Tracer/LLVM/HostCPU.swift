// The host CPU as LLVM sees it: its name, its feature string, and the natural vector width for 32-bit lanes.
import CLLVM

/// The CPU this process runs on, as reported by LLVM. The JIT compiles for exactly this CPU.
package enum HostCPU {
    /// LLVM's name for the host CPU (e.g. "skylake-avx512").
    package static let name: String = takeMessage(LLVMGetHostCPUName())

    /// LLVM's feature string for the host CPU: comma-separated "+feature" / "-feature" entries.
    package static let features: String = takeMessage(LLVMGetHostCPUFeatures())

    /// The features that are enabled (the names of the "+feature" entries).
    package static let enabledFeatures: Set<String> = Set(
        features.split(separator: ",").filter { $0.hasPrefix("+") }.map { String($0.dropFirst()) }
    )

    /// Lanes of 32-bit values in the widest vector register: 16 with AVX-512F, 8 with AVX or AVX2, otherwise 4.
    package static var hostVectorWidth: Int {
        if enabledFeatures.contains("avx512f") { return 16 }
        if enabledFeatures.contains("avx2") || enabledFeatures.contains("avx") { return 8 }
        return 4
    }
}

/// Copies a string that LLVM allocated and frees LLVM's copy.
func takeMessage(_ message: UnsafeMutablePointer<CChar>?) -> String {
    guard let message else { return "" }
    defer { LLVMDisposeMessage(message) }
    return String(cString: message)
}
