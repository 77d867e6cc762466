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

/// Runs the built `Tool` with `arguments` and returns its exit status and combined output.
func runTool(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
    try runProcess(Bundle.main.bundleURL.appendingPathComponent("Tool"), arguments, environment: environment)
}

@Suite("Tool command line")
struct ToolCommandTests {
    @Test("info prints the CPU, vector width, threads and LLVM version")
    func info() throws {
        let (status, output) = try runTool(["info"])
        #expect(status == 0)
        #expect(output.contains("vector width:"))
        #expect(output.contains("llvm:"))
        #expect(output.contains("threads:"))
    }

    @Test("an unknown command fails with a usage message")
    func unknownCommand() throws {
        let (status, output) = try runTool(["frobnicate"])
        #expect(status != 0)
        #expect(output.lowercased().contains("usage") || output.contains("Unexpected argument"))
    }
}
