// `Tool render --shard` and `Tool merge`: partial films that merge into the single render bit for bit, refusals of
// parts that do not belong together, exit codes, and progress lines for farm logs.
import Foundation
import Testing

@Suite("Sharded renders", .serialized)
struct ShardCommandTests {
    func temporaryDirectory() throws -> URL { try makeTemporaryDirectory("refract-shards") }

    /// Renders the job's shards 0..<count into `directory` and returns their paths.
    func renderShards(_ job: [String], count: Int, in directory: URL, prefix: String = "part") throws -> [String] {
        try (0..<count).map { index in
            let path = directory.appendingPathComponent("\(prefix)-\(index)-of-\(count).exr").path
            let run = try runTool(["render"] + job + ["--shard", "\(index)/\(count)", "--output", path])
            #expect(run.status == 0, "\(run.output)")
            return path
        }
    }

    @Test("merged shards equal the single render byte for byte, for N dividing spp or not", arguments: [1, 3, 5])
    func mergeEqualsRender(count: Int) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let job = ["--res", "20", "--spp", "5", "--seed", "9"]
        let single = directory.appendingPathComponent("single.npy").path
        #expect(try runTool(["render"] + job + ["--output", single]).status == 0)
        let parts = try renderShards(job, count: count, in: directory)
        let merged = directory.appendingPathComponent("merged.npy").path
        let run = try runTool(["merge"] + parts.reversed() + ["--output", merged])
        #expect(run.status == 0, "\(run.output)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: merged)) == Data(contentsOf: URL(fileURLWithPath: single)))
    }

    @Test("an RGBA film's shards carry its alpha, and merge into the single render's four channels byte for byte")
    func mergeKeepsAlpha() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let scene = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("IntegratorsTests/Fixtures/Sensors/rgba.xml").path
        let job = ["--scene", scene, "--spp", "4", "--seed", "2"]
        let single = directory.appendingPathComponent("single.npy").path
        #expect(try runTool(["render"] + job + ["--output", single]).status == 0)
        let parts = try renderShards(job, count: 2, in: directory)
        let merged = directory.appendingPathComponent("merged.npy").path
        let run = try runTool(["merge"] + parts + ["--output", merged])
        #expect(run.status == 0, "\(run.output)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: merged))
        #expect(bytes == (try Data(contentsOf: URL(fileURLWithPath: single))))
        #expect(String(decoding: bytes.prefix(128), as: UTF8.self).contains("(30, 40, 4)"))
    }

    @Test("a merge refuses missing and duplicate shards and parts of another job, with exit code 2")
    func refusals() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let job = ["--res", "12", "--spp", "4", "--seed", "1"]
        let parts = try renderShards(job, count: 4, in: directory)
        let other = try renderShards(["--res", "12", "--spp", "4", "--seed", "2"], count: 4, in: directory, prefix: "other")
        let output = directory.appendingPathComponent("out.exr").path
        var run = try runTool(["merge", parts[0], parts[2], "--output", output])
        #expect(run.status == 2 && run.output.contains("missing shards 1/4, 3/4"), "\(run.output)")
        run = try runTool(["merge"] + parts + [parts[1], "--output", output])
        #expect(run.status == 2 && run.output.contains("shard 1/4 is given twice"), "\(run.output)")
        run = try runTool(["merge", parts[0], parts[1], parts[2], other[3], "--output", output])
        #expect(run.status == 2 && run.output.contains("belongs to another job"), "\(run.output)")
        let notPartial = directory.appendingPathComponent("plain.exr").path
        #expect(try runTool(["render"] + job + ["--output", notPartial]).status == 0)
        run = try runTool(["merge", notPartial, "--output", output])
        #expect(run.status == 2 && run.output.contains("not a partial film"), "\(run.output)")
        #expect(!FileManager.default.fileExists(atPath: output))
        run = try runTool(["render"] + job + ["--shard", "4/4", "--output", output])
        #expect(run.status == 2 && run.output.contains("--shard"), "\(run.output)")
        run = try runTool(["render"] + job + ["--shard", "0/5", "--output", output])
        #expect(run.status == 2 && run.output.contains("at most 4 shards"), "\(run.output)")
    }

    @Test("a scene file's job identity covers its referenced files: a changed texture is another job")
    func identityCoversFiles() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let texture = directory.appendingPathComponent("tex.npy")
        try NPYWriter.write([Float](repeating: 0.25, count: 4 * 4 * 3), shape: [4, 4, 3], to: texture)
        let scene = directory.appendingPathComponent("scene.xml")
        try """
        <scene version="3.0.0">
          <sensor type="perspective"><float name="fov" value="60"/>
            <film type="hdrfilm"><integer name="width" value="8"/><integer name="height" value="6"/></film></sensor>
          <shape type="rectangle"><bsdf type="diffuse"><texture type="bitmap" name="reflectance">
            <string name="filename" value="tex.npy"/></texture></bsdf>
            <transform name="to_world"><translate z="3"/></transform></shape>
          <emitter type="constant"/>
        </scene>
        """.write(to: scene, atomically: true, encoding: .utf8)
        let job = ["--scene", scene.path, "--spp", "2"]
        let first = try renderShards(job, count: 2, in: directory, prefix: "a")
        try NPYWriter.write([Float](repeating: 0.75, count: 4 * 4 * 3), shape: [4, 4, 3], to: texture)
        let second = try renderShards(job, count: 2, in: directory, prefix: "b")
        let output = directory.appendingPathComponent("out.npy").path
        let run = try runTool(["merge", first[0], second[1], "--output", output])
        #expect(run.status == 2 && run.output.contains("belongs to another job"), "\(run.output)")
        #expect(try runTool(["merge", second[0], second[1], "--output", output]).status == 0)
    }

    @Test("with standard error not a terminal, render prints plain progress lines with percentage, rate and ETA")
    func plainProgress() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A wavefront reports every bounce.
        let run = try runTool(["render", "--res", "16", "--spp", "2", "--progress-every", "0", "--path-loop", "wavefront",
                               "--output", directory.appendingPathComponent("p.png").path])
        #expect(run.status == 0)
        #expect(run.output.contains("rendering:  17% (bounce 1/6)"), "\(run.output)")
        #expect(run.output.contains("Msamples/s, ETA"), "\(run.output)")
        #expect(!run.output.contains("\r"))
        // The symbolic loop runs every bounce in one kernel and reports once, at the end.
        let symbolic = try runTool(["render", "--res", "16", "--spp", "2", "--progress-every", "0", "--path-loop",
                                    "symbolic", "--output", directory.appendingPathComponent("s.png").path])
        #expect(symbolic.status == 0)
        #expect(symbolic.output.contains("rendering: 100% (bounce 6/6)"), "\(symbolic.output)")
        #expect(!symbolic.output.contains("(bounce 1/6)"), "\(symbolic.output)")
        // A long kernel (a million lanes or more) reports its blocks as they finish.
        let large = try runTool(["render", "--res", "256", "--spp", "16", "--progress-every", "0",
                                 "--output", directory.appendingPathComponent("l.png").path])
        #expect(large.status == 0)
        #expect(large.output.contains("rendering: kernel of 1048576 lanes"), "\(large.output)")
        #expect(large.output.contains("Mlanes/s, ETA"), "\(large.output)")
    }
}
