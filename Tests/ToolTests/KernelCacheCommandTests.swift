// The Tool's kernel disk cache end to end: REFRACT_CACHE_DIR, the switches that turn it off, damaged entries and
// several Tool processes filling one directory at once.
import Foundation
import Testing

/// A render small enough to be quick and large enough to compile the whole path tracer.
private func renderArguments(_ output: URL) -> [String] {
    ["render", "--res", "16", "--spp", "2", "--seed", "5", "--output", output.path]
}

/// A fresh temporary directory, removed by the caller.
private func makeCacheTestDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("refract-cache-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The cache's entry files under `directory`, and whether any temporary file was left.
private func cacheContents(_ directory: URL) -> (entries: [String], temporaries: Int) {
    let files = (try? FileManager.default.subpathsOfDirectory(atPath: directory.path)) ?? []
    return (files.filter { $0.hasSuffix(".kernel") }.sorted(), files.filter { $0.hasSuffix(".tmp") }.count)
}

@Suite("Tool kernel cache")
struct KernelCacheCommandTests {
    @Test("a second render loads every kernel from REFRACT_CACHE_DIR and writes the same image; info counts them")
    func warmRender() throws {
        let directory = try makeCacheTestDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = directory.appendingPathComponent("cache")
        let environment = ["REFRACT_CACHE_DIR": cache.path, "REFRACT_LOG_LAUNCHES": "1"]
        let cold = try runTool(renderArguments(directory.appendingPathComponent("cold.npy")), environment: environment)
        #expect(cold.status == 0, "\(cold.output)")
        let entries = cacheContents(cache).entries
        #expect(!entries.isEmpty)
        #expect(cold.output.contains(" compile ") && !cold.output.contains(" disk "))

        let warm = try runTool(renderArguments(directory.appendingPathComponent("warm.npy")), environment: environment)
        #expect(warm.status == 0, "\(warm.output)")
        #expect(warm.output.contains(" disk ") && !warm.output.contains(" compile "), "every kernel comes from disk")
        #expect(!warm.output.contains("kernel cache:"))
        #expect(try Data(contentsOf: directory.appendingPathComponent("cold.npy"))
                == Data(contentsOf: directory.appendingPathComponent("warm.npy")))
        #expect(cacheContents(cache).entries == entries)

        let info = try runTool(["info"], environment: ["REFRACT_CACHE_DIR": cache.path])
        #expect(info.output.contains("kernel cache:  \(cache.path) (on)"))
        #expect(info.output.contains("cache size:    \(entries.count) entries"))
    }

    @Test("REFRACT_CACHE=0 and --no-kernel-cache write nothing", arguments: [true, false])
    func switchedOff(byEnvironment: Bool) throws {
        let directory = try makeCacheTestDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = directory.appendingPathComponent("cache")
        var environment = ["REFRACT_CACHE_DIR": cache.path]
        var arguments = renderArguments(directory.appendingPathComponent("image.npy"))
        if byEnvironment { environment["REFRACT_CACHE"] = "0" } else { arguments.append("--no-kernel-cache") }
        let run = try runTool(arguments, environment: environment)
        #expect(run.status == 0, "\(run.output)")
        #expect(!FileManager.default.fileExists(atPath: cache.path))
        let info = try runTool(["info"] + (byEnvironment ? [] : ["--no-kernel-cache"]), environment: environment)
        #expect(info.output.contains(byEnvironment ? "(off (REFRACT_CACHE=0))" : "(off (--no-kernel-cache))"))
        #expect(info.output.contains("cache size:    0 entries"))
    }

    @Test("a corrupt entry is reported once, not run, and replaced; the image is unchanged")
    func corruptEntry() throws {
        let directory = try makeCacheTestDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = directory.appendingPathComponent("cache")
        let environment = ["REFRACT_CACHE_DIR": cache.path]
        let first = try runTool(renderArguments(directory.appendingPathComponent("a.npy")), environment: environment)
        #expect(first.status == 0, "\(first.output)")
        let entry = cache.appendingPathComponent(try #require(cacheContents(cache).entries.first))
        var bytes = try [UInt8](Data(contentsOf: entry))
        let intact = bytes
        bytes[bytes.count - 200] ^= 0xff
        try Data(bytes).write(to: entry)

        let second = try runTool(renderArguments(directory.appendingPathComponent("b.npy")), environment: environment)
        #expect(second.status == 0, "\(second.output)")
        let reports = second.output.split(separator: "\n").filter { $0.hasPrefix("kernel cache:") }
        #expect(reports.count == 1 && reports[0].contains("corrupt entry") && reports[0].contains(entry.path),
                "\(second.output)")
        #expect(try Data(contentsOf: directory.appendingPathComponent("a.npy"))
                == Data(contentsOf: directory.appendingPathComponent("b.npy")))
        #expect(try [UInt8](Data(contentsOf: entry)) == intact)
    }

    @Test("two Tool processes filling one empty cache at once leave valid entries")
    func concurrentProcesses() async throws {
        let directory = try makeCacheTestDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cache = directory.appendingPathComponent("cache")
        let environment = ["REFRACT_CACHE_DIR": cache.path]
        let runs = try await withThrowingTaskGroup(of: (Int32, String).self) { group in
            for index in 0..<2 {
                group.addTask {
                    try runTool(renderArguments(directory.appendingPathComponent("\(index).npy")), environment: environment)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for (status, output) in runs {
            #expect(status == 0, "\(output)")
            #expect(!output.contains("kernel cache:"), "\(output)")
        }
        #expect(cacheContents(cache).temporaries == 0)
        #expect(try Data(contentsOf: directory.appendingPathComponent("0.npy"))
                == Data(contentsOf: directory.appendingPathComponent("1.npy")))
        let reader = try runTool(renderArguments(directory.appendingPathComponent("2.npy")),
                                 environment: environment.merging(["REFRACT_LOG_LAUNCHES": "1"]) { $1 })
        #expect(reader.status == 0 && !reader.output.contains("kernel cache:") && !reader.output.contains(" compile "),
                "\(reader.output)")
    }
}
