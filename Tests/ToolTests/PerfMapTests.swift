// REFRACT_PERF_MAP: a render names its kernels for Linux perf (/tmp/perf-PID.map) and leaves their object files.
import Foundation
import Testing

@Suite("Kernels named for perf")
struct PerfMapTests {
    @Test("with REFRACT_PERF_MAP, every kernel of a render has a perf map line (start, size, name) and an object file")
    func mapAndObjects() throws {
        let folder = try makeTemporaryDirectory("refract-perf-map")
        let image = folder.appendingPathComponent("image.exr")
        defer { try? FileManager.default.removeItem(at: folder) }
        let objects = folder.appendingPathComponent("kernels")
        let process = Process()
        process.executableURL = Bundle.main.bundleURL.appendingPathComponent("Tool")
        process.arguments = ["render", "--res", "16", "--spp", "2", "--output", image.path]
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["REFRACT_PERF_MAP": objects.path, "REFRACT_CACHE_DIR": testKernelCacheDirectory.path]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let map = URL(fileURLWithPath: "/tmp/perf-\(process.processIdentifier).map")
        defer { try? FileManager.default.removeItem(at: map) }
        let lines = try String(contentsOf: map, encoding: .utf8).split(separator: "\n")
        let files = try FileManager.default.contentsOfDirectory(atPath: objects.path).filter { $0.hasSuffix(".o") }
        #expect(!lines.isEmpty && lines.count == files.count)
        for line in lines {
            let fields = line.split(separator: " ")
            try #require(fields.count == 3, "\(line)")
            let start = UInt64(fields[0], radix: 16), size = Int(fields[1], radix: 16)
            let name = String(fields[2])
            let object = try Data(contentsOf: objects.appendingPathComponent("\(name).o"))
            #expect(start.map { $0 > 0 } == true && name.hasPrefix("refract_kernel_"), "\(line)")
            // The function's size from the object's symbol table: more than a few bytes, less than the whole file.
            #expect(size.map { $0 > 16 && $0 < object.count } == true, "\(line), object of \(object.count) bytes")
            #expect(object.prefix(4) == Data([0x7F, 0x45, 0x4C, 0x46]), "\(name).o is not ELF")
        }
    }
}
