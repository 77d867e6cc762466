// Jobs that cannot fit are refused before they start, with the estimate and the limit; jobs that fit only in parts
// are traced in passes and give the same bits.
import Foundation
import Testing

@Suite("Memory limit", .serialized)
struct MemoryLimitTests {
    func temporaryDirectory() throws -> URL { try makeTemporaryDirectory("refract-memory") }

    @Test("a 100000x100000 film, 2^32 samples, or a gradient beyond the limit are refused with the estimate and the limit")
    func refusals() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out.exr").path
        var run = try runTool(["render", "--res", "100000", "--spp", "1", "--output", output])
        #expect(run.status == 2, "\(run.output)")
        #expect(run.output.contains("2^32"), "\(run.output)")
        run = try runTool(["render", "--res", "60000", "--spp", "1", "--memory-limit", "64", "--output", output])
        #expect(run.status == 2 && run.output.contains("GiB") && run.output.contains("the memory limit is 64.0 GiB"),
                "\(run.output)")
        run = try runTool(["render", "--res", "64", "--spp", "1100000", "--output", output])
        #expect(run.status == 2 && run.output.contains("fewer than 2^32"), "\(run.output)")
        run = try runTool(["gradient", "--res", "64", "--spp", "4", "--memory-limit", "0.19",
                           "--output", directory.appendingPathComponent("g.npy").path])
        #expect(run.status == 2 && run.output.contains("--memory-limit"), "\(run.output)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test("a render or shard that fits only in passes gives the same bytes as in one pass")
    func passes() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let job = ["--res", "32", "--spp", "13", "--seed", "5"]
        // 0.1885 GiB leaves about 1 MiB above the fixed part: 5 samples of 32x32 pixels per pass.
        let tight = ["--memory-limit", "0.1885"]
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        #expect(try runTool(["render"] + job + ["--output", path("one.npy")]).status == 0)
        let run = try runTool(["render"] + job + tight + ["--output", path("passes.npy")])
        #expect(run.status == 0 && run.output.contains("rendered in passes of at most 5 samples"), "\(run.output)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path("one.npy"))) == Data(contentsOf: URL(fileURLWithPath: path("passes.npy"))))
        #expect(try runTool(["render"] + job + ["--shard", "1/2", "--output", path("a.exr")]).status == 0)
        #expect(try runTool(["render"] + job + tight + ["--shard", "1/2", "--output", path("b.exr")]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path("a.exr"))) == Data(contentsOf: URL(fileURLWithPath: path("b.exr"))))
    }
}
