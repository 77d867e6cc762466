// Scene files side by side with Mitsuba (`--scene FILE.xml`, under mitsuba_bench.py's names) and the scale benchmark.
import Foundation
import Integrators
import Tracer

enum SceneBenchmarks {
    /// One `--scene FILE.xml [--spp N] [--res N] [--param KEY]` of the command line, as mitsuba_bench.py takes it.
    struct Request {
        var path: String
        var samplesPerPixel: Int?
        var resolution: Int?
        var parameter: String?

        /// The figures' name part: the file name without its extension, as mitsuba_bench.py names them.
        var name: String { URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent }
    }

    static func run(_ report: BenchmarkReport, filter: (String) -> Bool, requests: [Request]) {
        for request in requests where filter("scene_\(request.name)") {
            do {
                let overrides = request.resolution.map { ["res": "\($0)"] } ?? [:]
                let scene = try Scene(contentsOf: URL(fileURLWithPath: request.path), overrides: overrides)
                measure(scene, name: request.name, samplesPerPixel: request.samplesPerPixel,
                        parameter: request.parameter, report: report)
            } catch {
                print("scene_\(request.name)_fwd_msps: skipped, \(request.path): \(error)")
            }
        }
        if filter("scale") {
            guard EmbreeLibrary.isAvailable else {
                print("scale: skipped, Embree 3 is not installed (apt-get install libembree3-3)")
                return
            }
            do { try scale(report) } catch { print("scale: failed: \(error)") }
        }
    }

    /// `scene_NAME_fwd_msps`: million samples (pixels x spp) per second of a primal render, median of five after
    /// a render that compiles, as mitsuba_bench.py times Mitsuba's; with a parameter, `scene_NAME_bwd_msps`: the
    /// PRB backward of the mean image with respect to it, alone (render with gradients + backward, minus a render).
    /// `mitsubaCounterpart` is false for a figure that Mitsuba's script has no twin of (no target, no comparison).
    static func measure(_ scene: Scene, name: String, samplesPerPixel: Int?, parameter: String?,
                        report: BenchmarkReport, mitsubaCounterpart: Bool = true) {
        let spp = samplesPerPixel ?? scene.sensor.sampleCount
        let film = scene.sensor.film
        let samples = Double(film.pixelCount * spp)
        var seed: UInt32 = 0
        let forward = medianTime(repetitions: 5) {
            seed += 1
            _ = scene.render(samplesPerPixel: spp, seed: seed).array.first
        }
        let size = "\(film.width)x\(film.height) spp \(spp)"
        report.add("scene_\(name)_fwd_msps", samples / forward / 1e6, "Ms/s",
                   target: mitsubaCounterpart ? ">= 2x Mi" : "",
                   reference: mitsubaCounterpart ? "\(size); Mitsuba's: --compare" : size)
        guard let parameter else { return }
        do {
            let plain = try scene.parameters.value(parameter).detached()
            var times: [Double] = []
            for repetition in 0..<4 {
                let seed = UInt32(2 * repetition)
                try scene.parameters.set(parameter, to: plain)
                let primal = time { _ = scene.render(samplesPerPixel: spp, seed: seed, seedGrad: seed + 1).array.first }
                var value = plain.detached()
                value.enableGradient()
                try scene.parameters.set(parameter, to: value)
                let both = time {
                    scene.render(samplesPerPixel: spp, seed: seed, seedGrad: seed + 1).array.mean().backward()
                    value.gradient.eval()
                }
                if repetition > 0 { times.append(both - primal) }
            }
            try scene.parameters.set(parameter, to: plain)
            report.add("scene_\(name)_bwd_msps", samples / times.sorted()[times.count / 2] / 1e6, "Ms/s",
                       target: ">= 3x Mi", reference: "d mean / d \(parameter), backward alone")
        } catch {
            print("scene_\(name)_bwd_msps: skipped, \(error)")
        }
    }

    /// 1,000 PLY files of 5,000 triangles each (ScaleScene): the seconds to load the scene file (parse every file and
    /// build Embree's BVH) at the default BVH quality and at Mitsuba's high quality, the memory the default takes
    /// per triangle, and the render's speed as for `--scene` with each BVH. `scene_scale_fwd_msps`, the figure
    /// compared with Mitsuba's, is the render over the BVH Mitsuba builds (high quality): the same rays through the
    /// same tree. The default (automatic) builds at medium quality here, as a one-off render of 0.2 samples per
    /// triangle does not pay for the high build; its speed is `scene_scale_automatic_fwd_msps`.
    static func scale(_ report: BenchmarkReport) throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("refract-scale-\(ProcessInfo.processInfo.processIdentifier)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try ScaleScene.write(to: folder)
        try scaleDefaultQuality(report, file: file)
        var loaded: Scene?
        let high = try time { loaded = try Scene(contentsOf: file, bvhQuality: .high) }
        report.add("scale_load_high_s", high, "s", reference: "the same at high BVH quality (Mitsuba's)")
        if let scene = loaded { measure(scene, name: "scale", samplesPerPixel: nil, parameter: nil, report: report) }
    }

    private static func scaleDefaultQuality(_ report: BenchmarkReport, file: URL) throws {
        let embree = try EmbreeLibrary.shared()
        let (residentBefore, embreeBefore) = (RenderMemory.residentBytes() ?? 0, embree.allocatedBytes)
        var loaded: Scene?
        let seconds = try time { loaded = try Scene(contentsOf: file) }
        guard let scene = loaded, let meshes = scene.meshes else { return }
        let triangles = Double(meshes.triangleCount)
        let resident = Double((RenderMemory.residentBytes() ?? 0) - residentBefore) / triangles
        let embreeBytes = Double(embree.allocatedBytes - embreeBefore) / triangles
        report.add("scale_load_s", seconds, "s", target: "a few s",
                   reference: "\(ScaleScene.shapeCount) PLY files, \(meshes.triangleCount) triangles: parse + BVH "
                       + "(\(meshes.accelerator.buildQuality.rawValue))")
        report.add("scale_bytes_per_triangle", resident, "B", reference: String(
            format: "resident growth; Embree (BVH + copy) %.0f, traced buffers %.0f", embreeBytes,
            meshes.bufferBytesPerTriangle))
        measure(scene, name: "scale_automatic", samplesPerPixel: nil, parameter: nil, report: report,
                mitsubaCounterpart: false)
    }

    /// `Benchmarks --write-scale-scene FOLDER`: the scale scene for Mitsuba (`mitsuba_bench.py --scene`).
    static func writeScaleScene(to path: String) throws -> URL {
        try ScaleScene.write(to: URL(fileURLWithPath: path))
    }

    private static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
