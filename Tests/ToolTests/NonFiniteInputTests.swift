// Non-finite values: refused in inputs before any work (naming the file and element, or the -D name), and an
// optimisation that diverges stops with the last good checkpoint intact.
import Foundation
import Testing

@Suite("Non-finite values", .serialized)
struct NonFiniteInputTests {
    func temporaryDirectory() throws -> URL { try makeTemporaryDirectory("refract-nonfinite") }

    @Test("a texture or training input holding NaN or infinity is refused, naming the file and the element")
    func textures() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var values = [Float](repeating: 0.5, count: 8 * 8 * 3)
        values[2 * 24 + 5 * 3 + 1] = .nan
        let bad = directory.appendingPathComponent("bad.npy")
        try NPYWriter.write(values, shape: [8, 8, 3], to: bad)
        let output = directory.appendingPathComponent("out.png").path
        var run = try runTool(["render", "--texture", bad.path, "--output", output])
        #expect(run.status == 2, "\(run.output)")
        #expect(run.output.contains("bad.npy") && run.output.contains("row 2, column 5, channel 1") && run.output.contains("nan"),
                "\(run.output)")
        values[2 * 24 + 5 * 3 + 1] = .infinity
        try NPYWriter.write(values, shape: [8, 8, 3], to: bad)
        run = try runTool(["optimize", "--textures", bad.path, "--output", directory.appendingPathComponent("o").path])
        #expect(run.status == 2 && run.output.contains("inf"), "\(run.output)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test("a scene value or -D value that is not finite is refused, naming it")
    func sceneValues() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let scene = directory.appendingPathComponent("scene.xml")
        try """
        <scene version="3.0.0">
          <default name="fov" value="60"/>
          <sensor type="perspective"><float name="fov" value="$fov"/>
            <film type="hdrfilm"><integer name="width" value="8"/><integer name="height" value="6"/></film></sensor>
          <emitter type="constant"><rgb name="radiance" value="1, nan, 1"/></emitter>
        </scene>
        """.write(to: scene, atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent("out.exr").path
        var run = try runTool(["render", "--scene", scene.path, "--output", output])
        #expect(run.status == 2 && run.output.contains("nan") && run.output.contains("scene.xml"), "\(run.output)")
        run = try runTool(["render", "--scene", scene.path, "-D", "fov=inf", "--output", output])
        #expect(run.status == 2 && run.output.contains("-D fov=inf: expected a finite number"), "\(run.output)")
    }

    @Test("a diverging optimisation stops with a clear message and leaves the last good checkpoint intact")
    func divergence() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let textures = try OptimizeCommandTests.writeTextures(in: directory, count: 1)
        let output = directory.appendingPathComponent("run")
        let common = ["optimize", "--textures"] + textures + ["--figure-spp", "1", "--checkpoint-every", "1",
                                                            "--output", output.path]
        var run = try runTool(common + ["--iterations", "2"])
        #expect(run.status == 0, "\(run.output)")
        let checkpoint = output.appendingPathComponent("model.safetensors")
        let good = try Data(contentsOf: checkpoint)
        run = try runTool(common + ["--iterations", "6", "--resume", "--lr", "2e38"])
        #expect(run.status == 1, "\(run.output)")
        #expect(run.output.contains("the optimisation diverged (try a smaller --lr)"), "\(run.output)")
        #expect(run.output.contains("model.safetensors still holds iteration 2"), "\(run.output)")
        #expect(try Data(contentsOf: checkpoint) == good)
    }
}
