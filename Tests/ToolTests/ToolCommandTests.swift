// End-to-end tests of the command-line program: run the built Tool and check exit codes and output.
import Foundation
import Integrators
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

    @Test("info --scene loads a mesh scene and prints its shapes, triangles, load time and bytes per triangle",
          .enabled(if: EmbreeLibrary.isAvailable, "needs libembree3 (libembree-dev)"))
    func infoScene() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../IntegratorsTests/Fixtures/MeshScene/scene.xml").standardizedFileURL
        let scene = try Scene(contentsOf: file)
        let meshes = try #require(scene.meshes)
        let (status, output) = try runTool(["info", "--scene", file.path, "-D", "spp=3"])
        #expect(status == 0, "\(output)")
        #expect(output.contains("triangles:     \(meshes.triangleCount) (\(meshes.vertexCount) vertices), BVH built at "
                                + "high quality"), "\(output)")
        #expect(output.contains("shapes:        \(scene.shapes.count) ("), "\(output)")
        #expect(output.contains("spp 3"), "\(output)")
        // Embree's own count of its copy and BVH: tens of bytes per triangle, never nothing.
        let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("per triangle:") })
        let embree = try #require(line.firstMatch(of: #/Embree BVH and copy ([0-9.]+)/#).flatMap { Double($0.1) })
        #expect(embree > 16 && embree < 1000, "\(line)")
        let (mediumStatus, mediumOutput) = try runTool(["info", "--scene", file.path, "--bvh-quality", "medium"])
        #expect(mediumStatus == 0 && mediumOutput.contains("BVH built at medium quality"), "\(mediumOutput)")
        let (qualityStatus, qualityOutput) = try runTool(["info", "--scene", file.path, "--bvh-quality", "best"])
        #expect(qualityStatus != 0 && qualityOutput.contains("--bvh-quality must be high, medium or automatic, got 'best'"),
                "\(qualityOutput)")
        let (badStatus, badOutput) = try runTool(["info", "-D", "spp=3"])
        #expect(badStatus != 0 && badOutput.contains("-D applies to a --scene"), "\(badOutput)")
    }

    @Test("an unknown command fails with a usage message")
    func unknownCommand() throws {
        let (status, output) = try runTool(["frobnicate"])
        #expect(status != 0)
        #expect(output.lowercased().contains("usage") || output.contains("Unexpected argument"))
    }
}
