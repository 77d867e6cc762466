// The kernel disk cache as the Tool configures it: REFRACT_CACHE_DIR, REFRACT_CACHE=0 and --no-kernel-cache.
import ArgumentParser
import Foundation
import Tracer

/// The switch that turns the kernel disk cache off for one run, and where the cache lives.
struct KernelCacheOptions: ParsableArguments {
    @Flag(help: "Compile every kernel instead of loading it from the disk cache (also: REFRACT_CACHE=0).")
    var noKernelCache = false

    /// Where the cache lives: REFRACT_CACHE_DIR, else $XDG_CACHE_HOME/refract, else ~/.cache/refract.
    static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let directory = environment["REFRACT_CACHE_DIR"], !directory.isEmpty {
            return URL(fileURLWithPath: directory, isDirectory: true)
        }
        if let base = environment["XDG_CACHE_HOME"], base.hasPrefix("/") {
            return URL(fileURLWithPath: base, isDirectory: true).appendingPathComponent("refract", isDirectory: true)
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home, isDirectory: true).appendingPathComponent(".cache/refract", isDirectory: true)
    }

    /// Why the cache is off (the flag or REFRACT_CACHE), or nil when it is on.
    func disabledReason(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if noKernelCache { return "--no-kernel-cache" }
        if let value = environment["REFRACT_CACHE"], ["0", "off", "false", "no"].contains(value.lowercased()) {
            return "REFRACT_CACHE=\(value)"
        }
        return nil
    }

    /// The cache for this run, or nil when it is turned off. Its reports go to standard error.
    func diskCache() -> KernelDiskCache? {
        disabledReason() == nil ? KernelDiskCache(directory: Self.directory()) : nil
    }
}
