// Command-line options shared by the commands that render: which scene, which texture, film size, backend, cache.
import ArgumentParser
import Foundation
import Integrators
import Tracer
import Tutorial

/// The options that choose and configure a scene, and the backend that renders it.
struct SceneOptions: ParsableArguments {
    @Option(help: "Backend: llvm (vector kernels) or scalar (reference interpreter).")
    var variant: String = "llvm"

    @Option(help: "The built-in tutorial scene ('tutorial') or a Mitsuba 3 XML file.")
    var scene: String = "tutorial"

    @Option(name: .customShort("D"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Override a scene default: -D name=value.", valueName: "name=value"))
    var defines: [String] = []

    @Option(help: "Replace the tutorial plane's texture: PNG/JPEG (linearised) or NPY (raw values).")
    var texture: String?

    @Option(help: "Film resolution of the tutorial scene (square).")
    var res: Int?

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(help: "How the primal path loop runs: wavefront (one launch per bounce) or symbolic (one kernel); default: the library's.")
    var pathLoop: String?

    @Option(help: ArgumentHelp(SceneOptions.bvhQualityHelp, valueName: "quality"))
    var bvhQuality: String = EmbreeBuildQuality.automatic.rawValue

    @OptionGroup var kernelCache: KernelCacheOptions

    /// The help of `--bvh-quality`, which `optimize --scene` shares.
    static let bvhQualityHelp = "Embree's BVH over the meshes: high (Mitsuba's: the fastest rays), medium (built about "
        + "twice as fast, rays 4-8% slower) or automatic (high up to \(EmbreeBuildQuality.automaticHighLimit) "
        + "triangles, or when the film at the file's spp (or --spp) takes \(EmbreeBuildQuality.automaticSamplesPerTriangle) "
        + "samples per triangle; medium otherwise)."

    /// A `--bvh-quality` value, validated.
    static func buildQuality(_ value: String) throws -> EmbreeBuildQuality {
        guard let quality = EmbreeBuildQuality(rawValue: value) else {
            throw ValidationError("--bvh-quality must be high, medium or automatic, got '\(value)'")
        }
        return quality
    }

    /// The backend, validated.
    func compileOptions() throws -> CompileOptions {
        guard let variant = Variant(rawValue: variant) else {
            throw ValidationError("--variant must be llvm or scalar, got '\(variant)'")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        return CompileOptions(variant: variant, threadCount: threads, logsLaunches: CompileOptions.launchLogRequested,
                              diskCache: kernelCache.diskCache())
    }

    /// The `-D` overrides as a dictionary.
    func overrides() throws -> [String: String] { try Self.overrides(defines) }

    /// `name=value` definitions (the `-D` options) as a dictionary, each checked.
    static func overrides(_ defines: [String]) throws -> [String: String] {
        var result: [String: String] = [:]
        for define in defines {
            guard let equals = define.firstIndex(of: "="), equals != define.startIndex else {
                throw ValidationError("-D expects name=value, got '\(define)'")
            }
            let name = String(define[..<equals]), value = String(define[define.index(after: equals)...])
            // A number that is not finite would reach the scene as NaN or infinity (Double reads "nan", "inf").
            if let number = Double(value.trimmingCharacters(in: .whitespaces)), !Float(number).isFinite {
                throw ValidationError("-D \(name)=\(value): expected a finite number")
            }
            result[name] = value
        }
        return result
    }

    /// Loads the scene described by the options; meshes must fit in `memory` (default: the machine's). A command
    /// that will render more or fewer samples per pixel than the file's sampler says tells `samplesPerPixel` (it
    /// weighs the BVH build of `--bvh-quality automatic`).
    func loadScene(memory: RenderMemory = .machineDefault, samplesPerPixel: Int? = nil) throws -> Scene {
        var loaded = try loadSceneDescription(memoryLimit: memory.limit, samplesPerPixel: samplesPerPixel)
        if let pathLoop {
            guard let mode = IntegratorSettings.PathLoop(rawValue: pathLoop) else {
                throw ValidationError("--path-loop must be wavefront or symbolic, got '\(pathLoop)'")
            }
            loaded.integrator.pathLoop = mode
        }
        return loaded
    }

    /// The scene as the tutorial or the XML file describes it.
    private func loadSceneDescription(memoryLimit: Int, samplesPerPixel: Int?) throws -> Scene {
        if let res, res < 1 { throw ValidationError("--res must be at least 1, got \(res)") }
        if scene == "tutorial" {
            let data = try texture.map { try TutorialScene.textureData(contentsOf: URL(fileURLWithPath: $0)) }
            return try TutorialScene.make(resolution: res ?? 128, texture: data)
        }
        if texture != nil { throw ValidationError("--texture applies to the tutorial scene only") }
        if res != nil { throw ValidationError("--res applies to the tutorial scene only; use -D in the scene file") }
        return try Scene(contentsOf: URL(fileURLWithPath: scene), overrides: overrides(), memoryLimit: memoryLimit,
                         bvhQuality: Self.buildQuality(bvhQuality), expectedSamplesPerPixel: samplesPerPixel)
    }

    /// The requested samples per pixel, or the scene's sampler's, validated.
    func samplesPerPixel(_ requested: Int?, for scene: Scene) throws -> Int {
        let samples = requested ?? scene.sensor.sampleCount
        guard samples > 0 else { throw ValidationError("--spp must be at least 1, got \(samples)") }
        // Stratified samplers render the count they settle on, as Mitsuba's do (with the same notice).
        let settled = scene.sensor.samplePattern.sampleCount(forRequested: samples)
        if settled != samples {
            let note = "note: the \(scene.sensor.samplePattern.name) sampler renders \(settled) samples per pixel "
                + "(\(samples) rounded up)\n"
            FileHandle.standardError.write(Data(note.utf8))
        }
        return settled
    }
}
