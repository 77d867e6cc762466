// The process's peak resident memory, from the kernel.
import Foundation

/// Facts about this process's memory use.
public enum ProcessMemory {
    /// Peak resident set size in MiB (VmHWM), or 0 where /proc is not available.
    public static var peakResidentMiB: Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kilobytes = Double(fields[1]) { return kilobytes / 1024 }
        }
        return 0
    }
}
