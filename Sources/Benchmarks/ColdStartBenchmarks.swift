// Cold start: a whole `Tool render` process of the tutorial scene with an empty and with a warm kernel disk cache.
import Foundation
import Integrators
import Tutorial

enum ColdStartBenchmarks {
    /// `mitsubaCLI`: the `mitsuba` command of Mitsuba's pip package, to time its cold start on the same scene file
    /// (optional; nothing here needs Mitsuba).
    static func run(_ report: BenchmarkReport, filter: (String) -> Bool, mitsubaCLI: String? = nil) {
        guard ["cold_render_s", "warm_cache_render_s", "warm_over_cold_render"].contains(where: filter) else { return }
        guard let tool = toolExecutable() else {
            FileHandle.standardError.write(Data("Benchmarks: no Tool executable next to this one; build it with `swift build -c release`\n".utf8))
            return
        }
        renders(report, tool: tool)
        if let mitsubaCLI { againstMitsuba(report, tool: tool, mitsuba: URL(fileURLWithPath: mitsubaCLI)) }
    }

    /// The tutorial scene (with the `path` integrator: Mitsuba's command line has no `prb`, and the primal render is
    /// the same) as a scene file with its texture, for both renderers' command lines.
    static let sceneXML = """
        <scene version="3.0.0">
          <integrator type="path"/>
          <sensor type="perspective">
            <float name="fov" value="60"/>
            <transform name="to_world"><lookat origin="0, 0, -2" target="0, 0, 0" up="0, -1, 0"/></transform>
            <sampler type="independent"><integer name="sample_count" value="4"/></sampler>
            <film type="hdrfilm"><integer name="width" value="128"/><integer name="height" value="128"/></film>
          </sensor>
          <shape type="rectangle"><transform name="to_world"><scale value="1.2"/></transform>
            <bsdf type="twosided"><bsdf type="diffuse"><texture type="bitmap" name="reflectance">
              <string name="filename" value="texture.png"/></texture></bsdf></bsdf></shape>
          <shape type="sphere"><transform name="to_world"><scale value="0.45"/><translate z="-1"/></transform>
            <bsdf type="dielectric"><float name="int_ior" value="1.06"/></bsdf></shape>
          <emitter type="constant"/>
        </scene>
        """

    /// mitsuba_cold_render_s: Mitsuba's `mitsuba -m llvm_ad_rgb` on the scene file with an empty kernel cache (a
    /// fresh HOME, so ~/.drjit is empty), best of three, beside Refract's cold and warm processes on the same file.
    static func againstMitsuba(_ report: BenchmarkReport, tool: URL, mitsuba: URL) {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("refract-vs-mitsuba-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            let scene = scratch.appendingPathComponent("tutorial.xml")
            try sceneXML.write(to: scene, atomically: true, encoding: .utf8)
            let texture = ProceduralTextures.texture(named: "shapes", size: 128)!
            try Bitmap(width: 128, height: 128, channelCount: 3, pixels: texture)
                .write(to: scratch.appendingPathComponent("texture.png"))
            var llvm: [String: String] = [:]
            if ProcessInfo.processInfo.environment["DRJIT_LIBLLVM_PATH"] == nil,
               let library = ["22", "21", "20", "19"].map({ "/usr/lib/x86_64-linux-gnu/libLLVM-\($0).so" })
                .first(where: FileManager.default.fileExists(atPath:)) {
                llvm["DRJIT_LIBLLVM_PATH"] = library   // Dr.Jit 1.5 rejects LLVM 14 and 15
            }
            var mitsubaCold = Double.infinity, refractCold = Double.infinity, refractWarm = Double.infinity
            for repetition in 0..<3 {
                let home = scratch.appendingPathComponent("home-\(repetition)", isDirectory: true)
                try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
                mitsubaCold = min(mitsubaCold, try seconds(mitsuba, ["-m", "llvm_ad_rgb", "-o",
                                                                     scratch.appendingPathComponent("mitsuba.exr").path, scene.path],
                                                           environment: llvm.merging(["HOME": home.path]) { $1 }))
                let cache = scratch.appendingPathComponent("cache-\(repetition)", isDirectory: true)
                let arguments = ["render", "--scene", scene.path, "--output", scratch.appendingPathComponent("refract.exr").path]
                refractCold = min(refractCold, try seconds(tool, arguments, cache: cache))
                refractWarm = min(refractWarm, try seconds(tool, arguments, cache: cache))
            }
            report.add("mitsuba_cold_render_s", mitsubaCold, "s", reference: "mitsuba -m llvm_ad_rgb, empty ~/.drjit")
            report.add("scene_cold_render_s", refractCold, "s", reference: "Tool render of the same file, empty cache")
            report.add("scene_warm_cache_render_s", refractWarm, "s", reference: "the same, warm cache")
            report.add("mitsuba_cold_over_warm_cache", mitsubaCold / refractWarm, "ratio", target: "> 1",
                       reference: "how many times faster a warm Refract process starts and renders")
        } catch {
            FileHandle.standardError.write(Data("Benchmarks: against Mitsuba's command line: \(error)\n".utf8))
        }
    }

    /// The Tool built beside this executable (SwiftPM puts every product of a configuration in one folder).
    static func toolExecutable() -> URL? {
        let own = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        let tool = URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent("Tool")
        return FileManager.default.isExecutableFile(atPath: tool.path) ? tool : nil
    }

    /// Wall seconds of `Tool render --scene tutorial --res 128 --spp 4` with REFRACT_CACHE_DIR empty (cold) and then
    /// filled by that run (warm), best of three pairs, each pair with a new cache directory. The ratio is warm over
    /// cold; the target is at most one half.
    static func renders(_ report: BenchmarkReport, tool: URL) {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("refract-cold-start-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        // Page the binary and its libraries in first, so that the first cold run does not pay for that alone.
        _ = try? seconds(tool, ["info"], cache: scratch.appendingPathComponent("unused"))
        var cold = Double.infinity, warm = Double.infinity
        do {
            for repetition in 0..<3 {
                let cache = scratch.appendingPathComponent("cache-\(repetition)", isDirectory: true)
                let arguments = ["render", "--scene", "tutorial", "--res", "128", "--spp", "4",
                                 "--output", scratch.appendingPathComponent("image.exr").path]
                cold = min(cold, try seconds(tool, arguments, cache: cache))
                warm = min(warm, try seconds(tool, arguments, cache: cache))
            }
        } catch {
            FileHandle.standardError.write(Data("Benchmarks: cold start: \(error)\n".utf8))
            return
        }
        report.add("cold_render_s", cold, "s")
        report.add("warm_cache_render_s", warm, "s")
        report.add("warm_over_cold_render", warm / cold, "ratio", target: "<= 0.5")
    }

    /// Runs the Tool with the kernel cache in `cache` and returns its wall time; a failed run is an error.
    static func seconds(_ tool: URL, _ arguments: [String], cache: URL) throws -> Double {
        try seconds(tool, arguments, environment: ["REFRACT_CACHE_DIR": cache.path])
    }

    /// Runs `executable` with `environment` added (Refract's own variables cleared first) and returns its wall time;
    /// a failed run is an error.
    static func seconds(_ tool: URL, _ arguments: [String], environment extra: [String: String]) throws -> Double {
        let process = Process()
        process.executableURL = tool
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["REFRACT_CACHE"] = nil
        environment["REFRACT_LOG_LAUNCHES"] = nil
        environment.merge(extra) { $1 }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        let start = DispatchTime.now().uptimeNanoseconds
        try process.run()
        let text = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard process.terminationStatus == 0 else {
            throw ToolRunError(arguments: arguments, status: process.terminationStatus,
                               output: String(decoding: text, as: UTF8.self))
        }
        return elapsed
    }

    /// A Tool run that failed: its arguments, exit status and standard error.
    struct ToolRunError: Error, CustomStringConvertible {
        let arguments: [String]
        let status: Int32
        let output: String
        var description: String { "Tool \(arguments.joined(separator: " ")) exited with \(status): \(output)" }
    }
}
