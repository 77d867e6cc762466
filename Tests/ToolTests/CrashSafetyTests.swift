// Outputs that survive kill -9 and full disks: no file under a final name is ever partial, a resumed run reaches the
// uninterrupted run's weights bit for bit, and a full disk gives a clear error and leaves the previous files intact.
import Foundation
import Integrators
import Optim
import Testing

@Suite("Crash safety", .serialized)
struct CrashSafetyTests {
    func temporaryDirectory() throws -> URL { try makeTemporaryDirectory("refract-crash") }

    /// Every file under a final name in `directory` reads as a whole file of its kind.
    static func checkComplete(_ directory: URL) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) where !name.hasPrefix(".") {
            let url = directory.appendingPathComponent(name)
            switch url.pathExtension {
            case "safetensors": _ = try SafeTensors.read(from: url)
            case "json": _ = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
            case "png": _ = try Bitmap(contentsOf: url)
            case "svg", "html":
                let text = try String(contentsOf: url, encoding: .utf8)
                #expect(text.contains(name == "report.html" ? "</html>" : "</svg>"), "\(name) is partial")
            default: break
            }
        }
    }

    @Test("SIGKILL at 20 moments (during checkpoint writes too): files are whole, --resume reaches the same weights")
    func killAndResume() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let textures = try OptimizeCommandTests.writeTextures(in: directory, count: 1)
        func arguments(_ output: URL, resume: Bool) -> [String] {
            ["optimize", "--textures"] + textures + ["--iterations", "8", "--figure-spp", "1", "--checkpoint-every", "1",
                                                      "--output", output.path] + (resume ? ["--resume"] : [])
        }
        let straight = directory.appendingPathComponent("straight")
        #expect(try runTool(arguments(straight, resume: false)).status == 0)
        let killed = directory.appendingPathComponent("killed")
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        for attempt in 0..<20 {
            let checkpoint = killed.appendingPathComponent("model.safetensors")
            let process = Process()
            process.executableURL = Bundle.main.bundleURL.appendingPathComponent("Tool")
            process.arguments = arguments(killed, resume: FileManager.default.fileExists(atPath: checkpoint.path))
            process.environment = ProcessInfo.processInfo.environment
                .merging(["REFRACT_CACHE_DIR": testKernelCacheDirectory.path]) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            if attempt % 2 == 0 {
                // A random moment.
                usleep(UInt32.random(in: 50_000...1_500_000, using: &generator))
            } else {
                // While a file is being written: as soon as a temporary file appears.
                let deadline = Date().addingTimeInterval(5)
                while process.isRunning && Date() < deadline {
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: killed.path)) ?? []
                    if names.contains(where: { $0.hasSuffix(".tmp") }) { break }
                    usleep(200)
                }
            }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
            }
            process.waitUntilExit()
            if FileManager.default.fileExists(atPath: killed.path) { try Self.checkComplete(killed) }
        }
        #expect(kills >= 10, "only \(kills) of 20 runs were still running when killed")
        let last = try runTool(arguments(killed, resume: FileManager.default.fileExists(
            atPath: killed.appendingPathComponent("model.safetensors").path)))
        #expect(last.status == 0, "\(last.output)")
        try Self.checkComplete(killed)
        #expect(try Data(contentsOf: killed.appendingPathComponent("model.safetensors"))
                == Data(contentsOf: straight.appendingPathComponent("model.safetensors")))
    }

    @Test("a full disk during image, metrics or checkpoint writes gives a clear error and leaves the files intact",
          .enabled(if: getuid() == 0, "mounting a small tmpfs needs root"))
    func fullDisk() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let disk = directory.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        #expect(try runProcess(URL(fileURLWithPath: "/bin/mount"), ["-t", "tmpfs", "-o", "size=2m", "tmpfs", disk.path]).status == 0)
        defer { _ = try? runProcess(URL(fileURLWithPath: "/bin/umount"), [disk.path]) }
        let textures = try OptimizeCommandTests.writeTextures(in: directory, count: 1)
        let output = disk.appendingPathComponent("run")
        let common = ["optimize", "--textures"] + textures + ["--figure-spp", "1", "--checkpoint-every", "1", "--output", output.path]
        #expect(try runTool(common + ["--iterations", "2"]).status == 0)
        let image = disk.appendingPathComponent("image.png")
        #expect(try runTool(["render", "--res", "16", "--spp", "1", "--output", image.path]).status == 0)
        let before = try [output.appendingPathComponent("model.safetensors"), output.appendingPathComponent("metrics.json"), image]
            .map { ($0, try Data(contentsOf: $0)) }
        // Fill the disk.
        let filler = disk.appendingPathComponent("filler")
        _ = FileManager.default.createFile(atPath: filler.path, contents: nil)
        let handle = try FileHandle(forWritingTo: filler)
        while (try? handle.write(contentsOf: Data(count: 4096))) != nil {}
        try? handle.close()
        var run = try runTool(common + ["--iterations", "4", "--resume"])
        #expect(run.status == 1 && run.output.contains("No space left on device"), "\(run.output)")
        run = try runTool(["render", "--res", "16", "--spp", "2", "--output", image.path])
        #expect(run.status == 1 && run.output.contains("image.png") && run.output.contains("No space left on device"),
                "\(run.output)")
        for (url, data) in before { #expect(try Data(contentsOf: url) == data, "\(url.lastPathComponent) changed") }
        let left = try FileManager.default.contentsOfDirectory(atPath: output.path) + FileManager.default.contentsOfDirectory(atPath: disk.path)
        #expect(!left.contains { $0.hasSuffix(".tmp") }, "\(left)")
    }
}
