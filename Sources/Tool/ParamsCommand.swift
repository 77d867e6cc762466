// `Tool params`: every parameter of a scene under Mitsuba's keys, with its type, shape and value (mi.traverse).
import ArgumentParser
import Foundation
import Integrators
import Tracer

struct ParamsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "params",
        abstract: "List the scene's parameters (Mitsuba's mi.traverse): key, type, shape and value; ∂ marks the ones Refract differentiates (optimize --parameter takes those).")

    @OptionGroup var sceneOptions: SceneOptions

    @Flag(help: "Print JSON: [{\"key\", \"type\", \"shape\", \"differentiable\", \"values\" or \"summary\"}].")
    var json = false

    /// One parameter as listed.
    struct Entry: Encodable {
        var key: String
        var type: String
        var shape: [Int]
        var differentiable: Bool
        /// All values, when there are at most 16.
        var values: [Float]?
        /// Minimum, maximum and mean, for larger values.
        var summary: [String: Float]?
    }

    func run() throws {
        try TraceContext.with(sceneOptions.compileOptions()) {
            let scene = try sceneOptions.loadScene()
            let parameters = scene.parameters
            func entry(_ key: String, _ type: String, _ shape: [Int], _ values: [Float], differentiable: Bool) -> Entry {
                let small = values.count <= 16
                let summary = small ? nil : ["min": values.min() ?? 0, "max": values.max() ?? 0,
                                             "mean": values.reduce(0, +) / Float(max(values.count, 1))]
                return Entry(key: key, type: type, shape: shape, differentiable: differentiable,
                             values: small ? values : nil, summary: summary)
            }
            // The sensor and film first, then the differentiable values, then emitters' and meshes' other values.
            let fixed = scene.fixedParameters
            let sensorPrefix = scene.sensor.id + "."
            let sensor = fixed.filter { $0.key.hasPrefix(sensorPrefix) }
            let rest = fixed.filter { !$0.key.hasPrefix(sensorPrefix) }
            let entries = sensor.map { entry($0.key, $0.type, $0.shape, $0.values, differentiable: false) }
                + (try parameters.keys.map { key in
                    let shape = try parameters.shape(of: key)
                    return entry(key, try parameters.typeName(of: key), shape, try parameters.value(key).values,
                                 differentiable: true)
                })
                + rest.map { entry($0.key, $0.type, $0.shape, $0.values, differentiable: false) }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(entries), as: UTF8.self))
                return
            }
            print("SceneParameters[")
            for entry in entries {
                let value = entry.values.map { "[" + $0.map { String($0) }.joined(separator: ", ") + "]" }
                    ?? String(format: "min %.4g, max %.4g, mean %.4g", entry.summary!["min"]!, entry.summary!["max"]!,
                              entry.summary!["mean"]!)
                print("  \(entry.differentiable ? "∂" : " ") \(entry.key): \(entry.type) \(entry.shape): \(value)")
            }
            print("]")
        }
    }
}
