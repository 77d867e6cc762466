// The Tool with volpath scenes: render, info's media line, and gradient/optimize refusing volpath by name.
import Foundation
import Testing

@Suite("Tool with volpath scenes")
struct VolumetricCommandTests {
    static let smoke = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../IntegratorsTests/Fixtures/Volumes/smoke.xml").standardizedFileURL

    @Test("render writes the image, and info lists the scene's media")
    func renderAndInfo() throws {
        let directory = try makeTemporaryDirectory("volpath-render")
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("smoke.npy")
        let render = try runTool(["render", "--scene", Self.smoke.path, "-D", "res=8", "--spp", "4",
                                  "--output", output.path])
        #expect(render.status == 0, "\(render.output)")
        #expect(FileManager.default.fileExists(atPath: output.path))
        let info = try runTool(["info", "--scene", Self.smoke.path])
        #expect(info.status == 0, "\(info.output)")
        #expect(info.output.contains("media:         1 homogeneous"), "\(info.output)")
        #expect(info.output.contains("integrator:    volpath"), "\(info.output)")
    }

    @Test("gradient refuses volpath with an error naming the integrator")
    func gradientRefused() throws {
        let directory = try makeTemporaryDirectory("volpath-gradient")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try runTool(["gradient", "--scene", Self.smoke.path, "--parameter", "floor.bsdf.reflectance.value",
                                  "--output", directory.appendingPathComponent("g.npy").path])
        #expect(result.status != 0)
        #expect(result.output.contains("volpath integrator renders forward only"), "\(result.output)")
    }
}
