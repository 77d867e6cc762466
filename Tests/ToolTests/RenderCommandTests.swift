// End-to-end tests of `Tool render` and `Tool gradient`: exit codes, messages and the files they write.
import Foundation
import Integrators
import Testing

@Suite("Tool render and gradient")
struct RenderCommandTests {
    /// A fresh temporary directory, removed by the caller.
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("refract-tool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("render writes EXR, PNG and NPY images and reports samples per second", arguments: ["exr", "png", "npy"])
    func render(format: String) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("image.\(format)")
        let (status, text) = try runTool(["render", "--res", "16", "--spp", "2", "--seed", "3", "--output", output.path])
        #expect(status == 0, "\(text)")
        #expect(text.contains("Msamples/s"))
        let data = try Data(contentsOf: output)
        #expect(data.count > 100)
        // No temporary file is left next to the output.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["image.\(format)"])
    }

    @Test("an aov scene writes its outputs as named EXR channels after Mitsuba's R, G, B; PNG is refused")
    func aovRender() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let scene = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../IntegratorsTests/Fixtures/MeshScene/aov.xml").standardizedFileURL
        let output = directory.appendingPathComponent("aovs.exr")
        let (status, text) = try runTool(["render", "--scene", scene.path, "-D", "res=8", "--spp", "2",
                                          "--output", output.path])
        #expect(status == 0, "\(text)")
        let image = try EXRImage(contentsOf: output)
        // EXR keeps channels sorted by name.
        let names = Set(image.channels.map(\.name))
        #expect(names.isSuperset(of: ["R", "G", "B", "dd.y.T", "pp.X", "nn.Z", "uv.V", "alb.R", "pi.I"]), "\(names)")
        #expect(image.channels.count == 3 + 22 && image.width == 8)
        let depth = try #require(image.channels.first { $0.name == "dd.y.T" })
        #expect(depth.values.contains { $0 > 1 })  // depths of a few units
        #expect(image.channels.first { $0.name == "R" }?.values.allSatisfy { $0 == 0 } == true)
        let png = try runTool(["render", "--scene", scene.path, "-D", "res=8", "--spp", "1",
                               "--output", directory.appendingPathComponent("aovs.png").path])
        #expect(png.status == 2 && png.output.contains(".exr or .npy"), "\(png.output)")
        // Nested integrators: R, G, B are the first one's image, then each one's R, G, B and A, then the outputs.
        let nestedScene = scene.deletingLastPathComponent().appendingPathComponent("aov_nested.xml")
        let nestedOutput = directory.appendingPathComponent("nested.exr")
        let nested = try runTool(["render", "--scene", nestedScene.path, "-D", "res=8", "--spp", "2",
                                  "--output", nestedOutput.path])
        #expect(nested.status == 0, "\(nested.output)")
        let channels = try EXRImage(contentsOf: nestedOutput).channels
        #expect(Set(channels.map(\.name)) == ["R", "G", "B", "my_image.R", "my_image.G", "my_image.B", "my_image.A",
                                               "dl.R", "dl.G", "dl.B", "dl.A", "dd.y.T", "nn.X", "nn.Y", "nn.Z"])
        let red = channels.first { $0.name == "R" }?.values, mine = channels.first { $0.name == "my_image.R" }?.values
        #expect(red != nil && red == mine && red!.contains { $0 > 0 })
    }

    @Test("REFRACT_LOG_LAUNCHES logs one line per kernel launch with its lanes and times")
    func launchLog() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("image.npy")
        let arguments = ["render", "--res", "8", "--spp", "1", "--output", output.path]
        let (status, text) = try runTool(arguments, environment: ["REFRACT_LOG_LAUNCHES": "1"])
        #expect(status == 0, "\(text)")
        let launches = text.split(separator: "\n").filter { $0.hasPrefix("Tracer: launch ") }
        // The path loop (one kernel, or one per bounce for a wavefront) and the film: a handful, each with lanes and times.
        #expect(launches.count >= 3 && launches.count <= 20, "\(launches.count) launches")
        #expect(launches.contains { $0.contains("lanes 64 ") && $0.contains(" run ") && $0.contains(" trace ") })
        let (_, quiet) = try runTool(arguments)
        #expect(!quiet.contains("Tracer: launch "))
    }

    @Test("--path-loop symbolic and wavefront write the same image, with fewer launches for symbolic; others are refused")
    func pathLoop() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var images: [Data] = []
        var launches: [Int] = []
        for mode in ["symbolic", "wavefront"] {
            let output = directory.appendingPathComponent("\(mode).npy")
            let (status, text) = try runTool(["render", "--res", "8", "--spp", "2", "--path-loop", mode,
                                              "--output", output.path], environment: ["REFRACT_LOG_LAUNCHES": "1"])
            #expect(status == 0, "\(text)")
            images.append(try Data(contentsOf: output))
            launches.append(text.split(separator: "\n").filter { $0.hasPrefix("Tracer: launch ") }.count)
        }
        #expect(images[0] == images[1])
        // The symbolic loop is one kernel; the wavefront launches once per bounce.
        #expect(launches[0] < launches[1], "\(launches)")
        let (status, text) = try runTool(["render", "--res", "8", "--spp", "1", "--path-loop", "dynamic",
                                          "--output", directory.appendingPathComponent("x.npy").path])
        #expect(status != 0)
        #expect(text.contains("--path-loop must be wavefront or symbolic"))
    }

    @Test("render on the scalar backend works too")
    func renderScalar() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("image.npy")
        let (status, text) = try runTool(["render", "--variant", "scalar", "--res", "4", "--spp", "1",
                                          "--output", output.path])
        #expect(status == 0, "\(text)")
        // NPY header + 4 x 4 x 3 float32 values.
        #expect(try Data(contentsOf: output).count == 128 + 4 * 4 * 3 * 4)
    }

    @Test("gradient writes d mean(image) / d texture with the texture's shape")
    func gradient() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("gradient.npy")
        let (status, text) = try runTool(["gradient", "--res", "16", "--spp", "2", "--output", output.path])
        #expect(status == 0, "\(text)")
        let data = try Data(contentsOf: output)
        let header = String(decoding: data.prefix(128), as: UTF8.self)
        #expect(header.contains("(128, 128, 3)"))
    }

    @Test("bad arguments fail with a message that names them",
          arguments: [
            (["render", "--variant", "gpu", "--output", "/tmp/x.exr"], "--variant"),
            (["render", "--output", "/tmp/x.txt"], "x.txt"),
            (["render", "--spp", "0", "--output", "/tmp/x.exr"], "--spp"),
            (["render", "--texture", "/nonexistent/t.png", "--output", "/tmp/x.exr"], "t.png"),
            (["render", "--scene", "/nonexistent/scene.xml", "--output", "/tmp/x.exr"], "scene.xml"),
            (["gradient", "--parameter", "nope", "--output", "/tmp/g.npy"], "nope"),
            (["gradient", "--output", "/tmp/g.png"], ".npy"),
          ])
    func badArguments(arguments: [String], mentioned: String) throws {
        let (status, text) = try runTool(arguments)
        #expect(status != 0)
        #expect(text.contains(mentioned), "\(text)")
    }
}
