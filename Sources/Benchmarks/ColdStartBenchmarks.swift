// Cold start: a whole `Tool render` process of the tutorial scene with an empty and with a warm kernel disk cache.
import Foundation

enum ColdStartBenchmarks {
    static func run(_ report: BenchmarkReport, filter: (String) -> Bool) {
        guard ["cold_render_s", "warm_cache_render_s", "warm_over_cold_render"].contains(where: filter) else { return }
        guard let tool = toolExecutable() else {
            FileHandle.standardError.write(Data("Benchmarks: no Tool executable next to this one; build it with `swift build -c release`\n".utf8))
            return
        }
        renders(report, tool: tool)
    }

    /// The Tool built beside this executable (SwiftPM puts every product of a configuration in one folder).
    static func toolExecutable() -> URL? {
        let own = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        let tool = URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent("Tool")
        return FileManager.default.isExecutableFile(atPath: tool.path) ? tool : nil
    }

    /// Wall seconds of `Tool render --scene tutorial --res 128 --spp 4` with REFRACT_CACHE_DIR empty (cold) and then
    /// filled by that run (warm), best of three pairs, each pair with a new cache directory. The ratio is warm over
    /// cold; the target is at most one half.
    static func renders(_ report: BenchmarkReport, tool: URL) {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("refract-cold-start-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        // Page the binary and its libraries in first, so that the first cold run does not pay for that alone.
        _ = try? seconds(tool, ["info"], cache: scratch.appendingPathComponent("unused"))
        var cold = Double.infinity, warm = Double.infinity
        do {
            for repetition in 0..<3 {
                let cache = scratch.appendingPathComponent("cache-\(repetition)", isDirectory: true)
                let arguments = ["render", "--scene", "tutorial", "--res", "128", "--spp", "4",
                                 "--output", scratch.appendingPathComponent("image.exr").path]
                cold = min(cold, try seconds(tool, arguments, cache: cache))
                warm = min(warm, try seconds(tool, arguments, cache: cache))
            }
        } catch {
            FileHandle.standardError.write(Data("Benchmarks: cold start: \(error)\n".utf8))
            return
        }
        report.add("cold_render_s", cold, "s")
        report.add("warm_cache_render_s", warm, "s")
        report.add("warm_over_cold_render", warm / cold, "ratio", target: "<= 0.5")
    }

    /// Runs the Tool with the kernel cache in `cache` and returns its wall time; a failed run is an error.
    static func seconds(_ tool: URL, _ arguments: [String], cache: URL) throws -> Double {
        let process = Process()
        process.executableURL = tool
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["REFRACT_CACHE_DIR"] = cache.path
        environment["REFRACT_CACHE"] = nil
        environment["REFRACT_LOG_LAUNCHES"] = nil
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        let start = DispatchTime.now().uptimeNanoseconds
        try process.run()
        let text = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard process.terminationStatus == 0 else {
            throw ToolRunError(arguments: arguments, status: process.terminationStatus,
                               output: String(decoding: text, as: UTF8.self))
        }
        return elapsed
    }

    /// A Tool run that failed: its arguments, exit status and standard error.
    struct ToolRunError: Error, CustomStringConvertible {
        let arguments: [String]
        let status: Int32
        let output: String
        var description: String { "Tool \(arguments.joined(separator: " ")) exited with \(status): \(output)" }
    }
}
