// End-to-end tests of `Tool optimize` at a tiny resolution: outputs, llvm vs scalar, resume, and input errors.
import Foundation
import Testing

@Suite("Tool optimize", .serialized)
struct OptimizeCommandTests {
    /// Writes `count` 8x8 RGB textures as NPY files (value / 255 steps, like 8-bit images) and returns their paths.
    static func writeTextures(in directory: URL, count: Int, size: Int = 8) throws -> [String] {
        try (0..<count).map { index in
            var values: [Float] = []
            for texel in 0..<size * size {
                for channel in 0..<3 {
                    values.append(Float((texel * 37 + channel * 91 + index * 53) % 256) / 255)
                }
            }
            let url = directory.appendingPathComponent("texture\(index).npy")
            try NPYWriter.write(values, shape: [size, size, 3], to: url)
            return url.path
        }
    }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("refract-optimize-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func losses(in directory: URL) throws -> [Double] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("metrics.json")))
        let iterations = (json as? [String: Any])?["iterations"] as? [[String: Any]] ?? []
        return iterations.compactMap { $0["loss"] as? Double }
    }

    @Test("a short run writes every output, and llvm and scalar agree")
    func outputsAndVariants() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let textures = try Self.writeTextures(in: directory, count: 2)
        var results: [[Double]] = []
        for variant in ["llvm", "scalar"] {
            let output = directory.appendingPathComponent("run-\(variant)")
            let (status, text) = try runTool(["optimize", "--variant", variant, "--textures"] + textures
                                             + ["--iterations", "2", "--figure-spp", "2", "--output", output.path])
            #expect(status == 0, "\(text)")
            #expect(text.contains("iteration 2/2"))
            for file in ["metrics.json", "loss.svg", "loss.png", "texture_1.png", "texture_2.png",
                         "model.safetensors", "report.html"] {
                #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(file).path), "\(file)")
            }
            let metrics = try String(contentsOf: output.appendingPathComponent("metrics.json"), encoding: .utf8)
            for key in ["\"peak_rss_mib\"", "\"model\"", "\"render\"", "\"backward\"", "\"step\"", "\"total\""] {
                #expect(metrics.contains(key))
            }
            let report = try String(contentsOf: output.appendingPathComponent("report.html"), encoding: .utf8)
            #expect(report.contains("texture_2.png") && report.contains("<svg"))
            results.append(try losses(in: output))
        }
        #expect(results[0].count == 2)
        for (a, b) in zip(results[0], results[1]) { #expect(abs(a - b) < 1e-4 * max(1, abs(a))) }
    }

    @Test("--resume continues from the checkpoint with the same losses as an uninterrupted run")
    func resume() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let textures = try Self.writeTextures(in: directory, count: 2)
        let straight = directory.appendingPathComponent("straight")
        let split = directory.appendingPathComponent("split")
        let common = ["optimize", "--textures"] + textures + ["--figure-spp", "1", "--checkpoint-every", "2"]
        var run = try runTool(common + ["--iterations", "4", "--output", straight.path])
        #expect(run.status == 0, "\(run.output)")
        run = try runTool(common + ["--iterations", "2", "--output", split.path])
        #expect(run.status == 0, "\(run.output)")
        run = try runTool(common + ["--iterations", "4", "--output", split.path, "--resume"])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("resuming after iteration 2"))
        let expected = try losses(in: straight), resumed = try losses(in: split)
        #expect(expected.count == 4 && resumed.count == 4)
        #expect(expected == resumed)
        let a = try Data(contentsOf: straight.appendingPathComponent("model.safetensors"))
        let b = try Data(contentsOf: split.appendingPathComponent("model.safetensors"))
        #expect(a == b)
    }

    @Test("a run removes the temporary files a killed run left in its output folder, and nothing else")
    func abandonedTemporaries() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let textures = try Self.writeTextures(in: directory, count: 1)
        let output = directory.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        // What a process killed while writing its checkpoint and metrics leaves (no process has id 2^22 + 1 here:
        // Linux's pid_max is at most 2^22), beside files that are not ours.
        let abandoned = [".model.safetensors.4194305.\(UUID().uuidString).tmp", ".metrics.json.\(UUID().uuidString).tmp"]
        let others = ["notes.txt", ".notes.txt.4194305.\(UUID().uuidString).tmp"]
        for name in abandoned + others { try Data(count: 1000).write(to: output.appendingPathComponent(name)) }
        let run = try runTool(["optimize", "--textures"] + textures + ["--iterations", "1", "--figure-spp", "1",
                                                                       "--output", output.path])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("removed 2 temporary files"), "\(run.output)")
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: output.path))
        #expect(abandoned.allSatisfy { !left.contains($0) })
        #expect(others.allSatisfy { left.contains($0) })
    }

    @Test("textures that are not square or not the same size are refused before any work")
    func badTextures() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let small = try Self.writeTextures(in: directory, count: 1, size: 4)
        let oblong = directory.appendingPathComponent("oblong.npy")
        try NPYWriter.write([Float](repeating: 0.5, count: 4 * 6 * 3), shape: [4, 6, 3], to: oblong)
        let mixed = directory.appendingPathComponent("mixed")
        try FileManager.default.createDirectory(at: mixed, withIntermediateDirectories: true)
        let eight = try Self.writeTextures(in: mixed, count: 1, size: 8)
        var run = try runTool(["optimize", "--textures", oblong.path, "--output", directory.appendingPathComponent("o").path])
        #expect(run.status != 0 && run.output.contains("square"), "\(run.output)")
        run = try runTool(["optimize", "--textures", small[0], eight[0], "--output", directory.appendingPathComponent("o").path])
        #expect(run.status != 0 && run.output.contains("same size"), "\(run.output)")
        run = try runTool(["optimize", "--iterations", "0"])
        #expect(run.status != 0 && run.output.contains("--iterations"), "\(run.output)")
    }
}

/// A minimal NPY (float32, C order) writer for test inputs, independent of the project's own writer.
enum NPYWriter {
    static func write(_ values: [Float], shape: [Int], to url: URL) throws {
        let shapeText = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(shapeText)), }"
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var data = Data([0x93]) + Data("NUMPY".utf8) + Data([1, 0])
        data.append(contentsOf: [UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
        data.append(Data(header.utf8))
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        try data.write(to: url)
    }
}
