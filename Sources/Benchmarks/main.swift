// The throughput report: `swift run -c release Benchmarks [--filter WORD] [--json FILE]`.
import Foundation
import Tracer

var filterWord: String?
var jsonPath: String?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--filter": filterWord = arguments.popFirst()
    case "--json": jsonPath = arguments.popFirst()
    case "--help", "-h":
        print("usage: Benchmarks [--filter WORD] [--json FILE]")
        exit(0)
    default:
        FileHandle.standardError.write(Data("Benchmarks: unknown argument '\(argument)' (expected --filter WORD or --json FILE)\n".utf8))
        exit(2)
    }
}
let filter: (String) -> Bool = { name in filterWord.map { name.contains($0) } ?? true }

print("Refract benchmarks: \(ProcessInfo.processInfo.activeProcessorCount) threads, vector width \(TraceContext.standard.vectorWidth), \(HostCPU.name)")
print(BenchmarkReport.header)
let report = BenchmarkReport()
TracerBenchmarks.run(report, filter: filter)
AutodiffBenchmarks.run(report, filter: filter)
LinearAlgebraBenchmarks.run(report, filter: filter)
RenderBenchmarks.run(report, filter: filter)
TutorialBenchmarks.run(report, filter: filter)
ColdStartBenchmarks.run(report, filter: filter)
if let jsonPath {
    do {
        try report.writeJSON(to: jsonPath)
    } catch {
        FileHandle.standardError.write(Data("Benchmarks: cannot write \(jsonPath): \(error)\n".utf8))
        exit(1)
    }
}
