// `--compare FILE.json`: Mitsuba's figures from ../shared/bench/mitsuba_bench.py beside ours, as speed ratios.
import Foundation

/// The figures of a `mitsuba_bench.py` run (its JSON: `{"figures": [{"name", "value", "unit"}], ...}`), to be
/// printed beside this run's figures of the same names.
struct MitsubaComparison {
    /// Mitsuba's figures, in the file's order.
    let figures: [Figure]
    /// What the file says about the run (versions, variant, threads, host, date), for the table's heading.
    let provenance: String

    /// Reads `path`. Throws an error naming the file and what was expected.
    init(contentsOf path: String) throws {
        struct Failure: Error, CustomStringConvertible { let description: String }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw Failure(description: "\(path): cannot read the file (\(error.localizedDescription))")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let list = object["figures"] as? [[String: Any]] else {
            throw Failure(description: "\(path): expected the JSON object mitsuba_bench.py writes, with a 'figures' array")
        }
        figures = try list.enumerated().map { index, entry in
            guard let name = entry["name"] as? String, let value = entry["value"] as? Double,
                  let unit = entry["unit"] as? String, value.isFinite, value > 0 else {
                throw Failure(description: "\(path): figure \(index) needs a 'name', a positive finite 'value' and a 'unit'")
            }
            return Figure(name: name, value: value, unit: unit)
        }
        provenance = ["system", "mitsuba", "drjit", "variant", "threads", "host", "date_utc"]
            .compactMap { key in object[key].map { "\(key) \($0)" } }.joined(separator: ", ")
    }

    /// How many times faster ours is: the ratio of rates (units per second: "Ms/s") or the inverse ratio of times.
    static func speedup(ours: Figure, theirs: Figure) -> Double {
        ours.unit.hasSuffix("/s") ? ours.value / theirs.value : theirs.value / ours.value
    }

    /// The comparison table: each figure both runs have, with both values and the speed-up.
    func table(against report: BenchmarkReport) -> String {
        var lines = ["", "Against Mitsuba (\(provenance)):",
                     [pad("figure", 28), pad("Refract", 12), pad("Mitsuba", 12), pad("unit", 8), "Refract faster by"]
                        .joined(separator: " ")]
        var shared = 0
        for theirs in figures {
            guard let ours = report.figures.last(where: { $0.name == theirs.name }) else { continue }
            shared += 1
            let speedup = Self.speedup(ours: ours, theirs: theirs)
            lines.append([pad(theirs.name, 28), pad(String(format: "%.4g", ours.value), 12),
                          pad(String(format: "%.4g", theirs.value), 12), pad(ours.unit, 8),
                          String(format: "%.2fx", speedup)].joined(separator: " "))
        }
        if shared == 0 { lines.append("(no figure of this run has a name the file shares)") }
        return lines.joined(separator: "\n")
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
