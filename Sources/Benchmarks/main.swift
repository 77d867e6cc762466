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
var filterWord: String?
var jsonPath: String?
var comparePath: String?
var mitsubaCLI: String?
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
    case "--help", "-h":
        print("usage: Benchmarks [--filter WORD] [--json FILE] [--compare MITSUBA.json] [--mitsuba-cli PATH]")
        exit(0)
    default:
        FileHandle.standardError.write(Data("Benchmarks: unknown argument '\(argument)' (expected --filter WORD, --json FILE, --compare FILE or --mitsuba-cli PATH)\n".utf8))
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
