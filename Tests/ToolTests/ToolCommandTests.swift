// End-to-end tests of the command-line program: run the built Tool and check exit codes and output.
import Foundation
import Testing

/// Runs `executable` with `arguments` and returns its exit status and combined output.
func runProcess(_ executable: URL, _ arguments: [String],
                environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// The kernel cache of the Tools the tests run, unless a test names its own: one folder under the temporary
/// directory, so that tests neither fill the user's cache nor depend on it. Test runs share it (it grows by one set
/// of entries per build, not per run), as processes share a real cache; builds never read each other's entries.
let testKernelCacheDirectory = FileManager.default.temporaryDirectory
    .appendingPathComponent("refract-tool-tests-kernel-cache", isDirectory: true)

/// Runs the built `Tool` with `arguments` and returns its exit status and combined output.
func runTool(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
    let environment = ["REFRACT_CACHE_DIR": testKernelCacheDirectory.path].merging(environment) { $1 }
    return try runProcess(Bundle.main.bundleURL.appendingPathComponent("Tool"), arguments, environment: environment)
}

/// A new empty folder under the temporary directory, named `prefix` plus a UUID; tests remove it when done.
func makeTemporaryDirectory(_ prefix: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite("Tool command line")
struct ToolCommandTests {
    @Test("info prints the CPU, vector width, threads, LLVM version and the kernel cache")
    func info() throws {
        let (status, output) = try runTool(["info"])
        #expect(status == 0)
        #expect(output.contains("vector width:"))
        #expect(output.contains("llvm:"))
        #expect(output.contains("threads:"))
        #expect(output.contains("kernel cache:  \(testKernelCacheDirectory.path) (on)"))
        #expect(output.contains("cache size:"))
    }

    @Test("an unknown command fails with a usage message")
    func unknownCommand() throws {
        let (status, output) = try runTool(["frobnicate"])
        #expect(status != 0)
        #expect(output.lowercased().contains("usage") || output.contains("Unexpected argument"))
    }
}
