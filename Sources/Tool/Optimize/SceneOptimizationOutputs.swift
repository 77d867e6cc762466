// What `optimize --scene` writes: metrics, final values, reference/initial/final images, plots and the report.
import Foundation
import Integrators
import RefractSupport
import Tracer

/// The contents of metrics.json for `optimize --scene`.
struct SceneOptimizationMetrics: Codable {
    /// The optimised keys, in the order given.
    var keys: [String]
    var iterations: [SceneIterationRecord] = []
    var peakRSSMiB: Double = 0
    /// The values the target was rendered with, when known (--reference-spp).
    var referenceValues: [String: [Float]]?
    /// The values before the first iteration.
    var initialValues: [String: [Float]]

    init(keys: [String], referenceValues: [String: [Float]]?, initialValues: [String: [Float]]) {
        self.keys = keys
        self.referenceValues = referenceValues
        self.initialValues = initialValues
    }

    enum CodingKeys: String, CodingKey {
        case keys, iterations
        case peakRSSMiB = "peak_rss_mib"
        case referenceValues = "reference_values"
        case initialValues = "initial_values"
    }
}

struct SceneOptimizationOutputs {
    let directory: URL
    /// The film's size.
    let width: Int, height: Int

    /// The file names this command writes (for removing temporaries left by a killed run).
    static func isOutputName(_ name: String) -> Bool {
        ["optimizer.safetensors", "metrics.json", "parameters.json", "loss.svg", "loss.png", "report.html"].contains(name)
            || ["reference", "initial", "final"].contains { name == "\($0).exr" || name == "\($0).png" }
            || (name.hasPrefix("parameter_") && (name.hasSuffix(".svg") || name.hasSuffix(".png")))
    }

    static func removeAbandonedTemporaries(in directory: URL) {
        let removed = AbandonedTemporary.removeAll(in: directory, forFilesNamed: isOutputName)
        guard !removed.isEmpty else { return }
        print("removed \(removed.count) temporary file\(removed.count == 1 ? "" : "s") left by an interrupted run: "
              + removed.map(\.url.lastPathComponent).joined(separator: ", "))
    }

    private func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    private static func json<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(value)
    }

    func writeMetrics(_ metrics: SceneOptimizationMetrics) throws {
        try writeAtomically(Self.json(metrics), to: url("metrics.json"))
    }

    /// metrics.json of an earlier run (for --resume), or nil when absent.
    func readMetrics() throws -> SceneOptimizationMetrics? {
        guard FileManager.default.fileExists(atPath: url("metrics.json").path) else { return nil }
        do {
            return try JSONDecoder().decode(SceneOptimizationMetrics.self, from: Data(contentsOf: url("metrics.json")))
        } catch {
            throw RenderError("\(url("metrics.json").path): not a metrics file written by optimize --scene (\(error))")
        }
    }

    /// parameters.json: the final value of each optimised key.
    func writeParameters(_ values: [String: [Float]]) throws {
        try writeAtomically(Self.json(values), to: url("parameters.json"))
    }

    /// NAME.exr (linear, as rendered) and NAME.png (sRGB) of an image of the film's size.
    func writeImage(_ pixels: [Float], name: String) throws {
        let bitmap = Bitmap(width: width, height: height, channelCount: 3, pixels: pixels)
        try bitmap.write(to: url("\(name).exr"))
        try bitmap.write(to: url("\(name).png"))
    }

    /// loss.svg/png and parameter_KEY.svg/png.
    func writePlots(_ metrics: SceneOptimizationMetrics) throws {
        let font = try FontRasterizer()
        let loss = LossPlot.chart(metrics.iterations.map(\.loss), yLabel: "loss (image vs target)", title: "Loss")
        try writeAtomically(Data(loss.svg.utf8), to: url("loss.svg"))
        try loss.bitmap(font: font).write(to: url("loss.png"), options: ImageWriteOptions(encoding: .asIs))
        for key in metrics.keys {
            let plot = ParameterPlot.chart(key: key, metrics: metrics)
            try writeAtomically(Data(plot.svg.utf8), to: url(Self.plotName(key) + ".svg"))
            try plot.bitmap(font: font).write(to: url(Self.plotName(key) + ".png"), options: ImageWriteOptions(encoding: .asIs))
        }
    }

    /// "parameter_KEY" with characters other than letters, digits, '.', '_' and '-' replaced by '_'.
    static func plotName(_ key: String) -> String {
        "parameter_" + String(key.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" })
    }

    /// report.html: settings, final against reference values, the three images, the plots and timings.
    func writeReport(_ metrics: SceneOptimizationMetrics, settings: String) throws {
        let last = metrics.iterations.last
        let totals = metrics.iterations.map(\.seconds.total).sorted()
        let median = totals.isEmpty ? 0 : totals[totals.count / 2]
        func list(_ values: [Float]?) -> String {
            guard let values else { return "unknown" }
            if values.count > 8 {
                let s = SceneOptimization.summary(values)
                return String(format: "%d values: min %.4g, mean %.4g, max %.4g", values.count, s["min"]!, s["mean"]!, s["max"]!)
            }
            return values.map { String(format: "%.4g", $0) }.joined(separator: ", ")
        }
        var values = ""
        let finals = (try? Data(contentsOf: url("parameters.json"))).flatMap { try? JSONDecoder().decode([String: [Float]].self, from: $0) }
        for key in metrics.keys {
            values += "<tr><td><code>\(key)</code></td><td>\(list(metrics.initialValues[key]))</td><td>\(list(finals?[key]))</td><td>\(list(metrics.referenceValues?[key]))</td></tr>\n"
        }
        var rows = ""
        for record in metrics.iterations.suffix(10) {
            let s = record.seconds
            rows += String(format: "<tr><td>%d</td><td>%.6g</td><td>%@</td><td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%.3f</td></tr>\n",
                           record.iteration, record.loss, record.parameterError.map { String(format: "%.4g", $0) } ?? "",
                           s.render, s.backward, s.step, s.total)
        }
        var errorText = ""
        if let first = metrics.iterations.first?.parameterError, let final = last?.parameterError {
            let initial = SceneOptimization.squaredDistance(metrics.initialValues, metrics.referenceValues, keys: metrics.keys) ?? first
            errorText = String(format: " Squared parameter error: %.4g initially, %.4g at the end (%.0f-fold smaller).",
                               initial, final, initial / max(final, .leastNonzeroMagnitude))
        }
        let plots = metrics.keys.map { "<figure><img src=\"\(Self.plotName($0)).png\" alt=\"values of \($0)\"><figcaption>\($0)</figcaption></figure>" }
            .joined(separator: "\n")
        let html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Refract: scene optimisation</title>
        <style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;}img{image-rendering:pixelated;}
        .images img{width:256px;margin-right:8px;}table{border-collapse:collapse;}
        td,th{padding:2px 8px;text-align:right;border-bottom:1px solid #ddd;}figure{display:inline-block;}</style></head>
        <body>
        <h1>Scene optimisation</h1>
        <p>\(settings)</p>
        <p>\(metrics.iterations.count) iterations; final loss \(String(format: "%.6g", last?.loss ?? 0)); median iteration \(String(format: "%.3f", median)) s; peak memory \(String(format: "%.0f", metrics.peakRSSMiB)) MiB.\(errorText)</p>
        <h2>Parameters</h2>
        <table><tr><th>key</th><th>initial</th><th>final</th><th>reference</th></tr>
        \(values)</table>
        <h2>Images</h2>
        <div class="images"><figure><img src="reference.png" alt="reference"><figcaption>target</figcaption></figure>
        <figure><img src="initial.png" alt="initial"><figcaption>initial values</figcaption></figure>
        <figure><img src="final.png" alt="final"><figcaption>final values</figcaption></figure></div>
        <h2>Loss and values</h2>
        \(try String(contentsOf: url("loss.svg"), encoding: .utf8))
        \(plots)
        <h2>Time per phase (last iterations, seconds)</h2>
        <table><tr><th>iteration</th><th>loss</th><th>parameter error</th><th>render</th><th>backward</th><th>step</th><th>total</th></tr>
        \(rows)</table>
        <p>Files: <a href="metrics.json">metrics.json</a>, <a href="parameters.json">parameters.json</a>, reference/initial/final .exr and .png, optimizer.safetensors (the checkpoint for --resume).</p>
        </body></html>

        """
        try writeAtomically(Data(html.utf8), to: url("report.html"))
    }
}
