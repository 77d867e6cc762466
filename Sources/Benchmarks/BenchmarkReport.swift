// Collects benchmark figures and prints them as a table and, on request, as JSON.
import Foundation
import RefractSupport
import Tracer

/// One measured figure.
struct Figure: Codable {
    var name: String
    var value: Double
    var unit: String
    /// What the figure should reach, for the table ("<= 20", ">= 0.85"), or empty.
    var target: String = ""
    /// A reference figure measured elsewhere (Mitsuba, PyTorch), or empty.
    var reference: String = ""

    enum CodingKeys: String, CodingKey { case name, value, unit }
}

/// The figures of one run, in the order measured.
final class BenchmarkReport {
    private(set) var figures: [Figure] = []

    func add(_ name: String, _ value: Double, _ unit: String, target: String = "", reference: String = "") {
        let figure = Figure(name: name, value: value, unit: unit, target: target, reference: reference)
        figures.append(figure)
        print(Self.row(figure))
        fflush(stdout)
    }

    static let header = [pad("benchmark", 28), pad("value", 12), pad("unit", 8), pad("target", 10), "reference"]
        .joined(separator: " ")

    static func row(_ figure: Figure) -> String {
        let value = figure.value >= 100 ? String(format: "%.1f", figure.value) : String(format: "%.3f", figure.value)
        return [pad(figure.name, 28), pad(value, 12), pad(figure.unit, 8), pad(figure.target, 10), figure.reference]
            .joined(separator: " ")
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// Writes the figures as a JSON array of {"name", "value", "unit"} to `path`, atomically.
    func writeJSON(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted]
        let data = try encoder.encode(figures)
        try writeAtomically(data, to: URL(fileURLWithPath: path))
    }
}

/// Seconds taken by `body`, best of `repetitions` runs after one warm-up.
func bestTime(repetitions: Int = 5, warmUp: Bool = true, _ body: () -> Void) -> Double {
    if warmUp { body() }
    var best = Double.infinity
    for _ in 0..<repetitions {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return best
}

/// The middle value of `values` (the upper one of the two middle values for an even count, as `medianTime`).
func median(_ values: [Double]) -> Double {
    precondition(!values.isEmpty, "median of no values")
    return values.sorted()[values.count / 2]
}

/// Seconds taken by `body`: the median of `repetitions` runs after one warm-up (for short steps whose best run
/// would flatter them).
func medianTime(repetitions: Int, _ body: () -> Void) -> Double {
    body()
    var times: [Double] = []
    for _ in 0..<repetitions {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return median(times)
}
