// The throughput report: `swift run -c release Benchmarks [--filter WORD] [--json FILE]`.
import Foundation
import Integrators
import Tracer

// REFRACT_PATH_LOOP=wavefront|symbolic chooses the path loop of the render and tutorial benchmarks (default: the
// library's), so that both modes can be measured back to back.
let pathLoopVariable = ProcessInfo.processInfo.environment["REFRACT_PATH_LOOP"]
let benchmarkIntegrator: IntegratorSettings = {
    var settings = IntegratorSettings()
    guard let pathLoopVariable else { return settings }
    guard let mode = IntegratorSettings.PathLoop(rawValue: pathLoopVariable) else {
        FileHandle.standardError.write(Data("Benchmarks: REFRACT_PATH_LOOP must be wavefront or symbolic, got '\(pathLoopVariable)'\n".utf8))
        exit(2)
    }
    settings.pathLoop = mode
    return settings
}()
// REFRACT_LOG_LAUNCHES=1 writes one line per kernel launch to standard error, as it does for the Tool.
if CompileOptions.launchLogRequested { TraceContext.standard.options.logsLaunches = true }
// REFRACT_REFILL_LANES=0 compiles loop kernels without lane refilling (on by default), =1 with, for A/B runs.
if let refill = ProcessInfo.processInfo.environment["REFRACT_REFILL_LANES"] {
    TraceContext.standard.options.refillsLoopLanes = refill != "0"
}
var filterWord: String?
var jsonPath: String?
var comparePath: String?
var mitsubaCLI: String?
var sceneRequests: [SceneBenchmarks.Request] = []
/// The value after `flag`, or exit 2 naming the flag and what it expects.
func value(after flag: String, expected: String) -> String {
    guard let value = arguments.popFirst() else {
        FileHandle.standardError.write(Data("Benchmarks: \(flag) needs \(expected)\n".utf8))
        exit(2)
    }
    return value
}
/// A positive integer after `flag` (`--spp`, `--res`), which applies to the last `--scene`.
func sceneNumber(after flag: String) -> Int {
    let text = value(after: flag, expected: "a positive integer")
    guard let number = Int(text), number > 0 else {
        FileHandle.standardError.write(Data("Benchmarks: \(flag) needs a positive integer, got '\(text)'\n".utf8))
        exit(2)
    }
    guard !sceneRequests.isEmpty else {
        FileHandle.standardError.write(Data("Benchmarks: \(flag) applies to the --scene before it; there is none\n".utf8))
        exit(2)
    }
    return number
}
var arguments = CommandLine.arguments.dropFirst()
if arguments.first == TutorialProcess.argument {
    do {
        try TutorialProcess.runChild(resumingFrom: arguments.dropFirst().first == "--resume" ? arguments.dropFirst(2).first : nil)
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("Benchmarks: \(error)\n".utf8))
        exit(1)
    }
}
while let argument = arguments.popFirst() {
    switch argument {
    case "--filter": filterWord = arguments.popFirst()
    case "--json": jsonPath = arguments.popFirst()
    case "--compare": comparePath = arguments.popFirst()
    case "--mitsuba-cli": mitsubaCLI = arguments.popFirst()
    case "--scene": sceneRequests.append(.init(path: value(after: "--scene", expected: "a scene file")))
    case "--spp": sceneRequests[sceneRequests.count - 1].samplesPerPixel = sceneNumber(after: "--spp")
    case "--res": sceneRequests[sceneRequests.count - 1].resolution = sceneNumber(after: "--res")
    case "--param":
        let key = value(after: "--param", expected: "a parameter key")
        guard !sceneRequests.isEmpty else {
            FileHandle.standardError.write(Data("Benchmarks: --param applies to the --scene before it; there is none\n".utf8))
            exit(2)
        }
        sceneRequests[sceneRequests.count - 1].parameter = key
    case "--write-scale-scene":
        let folder = value(after: "--write-scale-scene", expected: "a folder")
        do {
            print(try SceneBenchmarks.writeScaleScene(to: folder).path)
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("Benchmarks: --write-scale-scene \(folder): \(error)\n".utf8))
            exit(1)
        }
    case "--help", "-h":
        print("""
            usage: Benchmarks [--filter WORD] [--json FILE] [--compare MITSUBA.json] [--mitsuba-cli PATH]
                              [--scene FILE.xml [--spp N] [--res N] [--param KEY]]...
                   Benchmarks --write-scale-scene FOLDER   (the scale benchmark's scene, for mitsuba_bench.py --scene)
            """)
        exit(0)
    default:
        FileHandle.standardError.write(Data("Benchmarks: unknown argument '\(argument)' (expected --filter, --json, --compare, --mitsuba-cli, --scene, --spp, --res, --param or --write-scale-scene; see --help)\n".utf8))
        exit(2)
    }
}
// Read before measuring, so that a bad file is reported at once, not after the run.
var comparison: MitsubaComparison?
if let comparePath {
    do {
        comparison = try MitsubaComparison(contentsOf: comparePath)
    } catch {
        FileHandle.standardError.write(Data("Benchmarks: --compare: \(error)\n".utf8))
        exit(2)
    }
}
let filter: (String) -> Bool = { name in filterWord.map { name.contains($0) } ?? true }

print("Refract benchmarks: \(ProcessInfo.processInfo.activeProcessorCount) threads, vector width \(TraceContext.standard.vectorWidth), \(HostCPU.name), path loop \(benchmarkIntegrator.pathLoop)")
print(BenchmarkReport.header)
let report = BenchmarkReport()
TracerBenchmarks.run(report, filter: filter)
AutodiffBenchmarks.run(report, filter: filter)
LinearAlgebraBenchmarks.run(report, filter: filter)
RenderBenchmarks.run(report, filter: filter)
EmbreeBenchmarks.run(report, filter: filter)
SceneBenchmarks.run(report, filter: filter, requests: sceneRequests)
TutorialBenchmarks.run(report, filter: filter)
ColdStartBenchmarks.run(report, filter: filter, mitsubaCLI: mitsubaCLI)
if let comparison { print(comparison.table(against: report)) }
if let jsonPath {
    do {
        try report.writeJSON(to: jsonPath)
    } catch {
        FileHandle.standardError.write(Data("Benchmarks: cannot write \(jsonPath): \(error)\n".utf8))
        exit(1)
    }
}
