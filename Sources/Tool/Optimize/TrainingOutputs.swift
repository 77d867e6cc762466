// What `Tool optimize` writes to its output folder: metrics, loss plots, texture strips and the HTML report.
import Foundation
import Integrators
import RefractSupport
import Tracer
import Tutorial

/// The contents of metrics.json.
struct TrainingMetrics: Codable {
    /// Mean |render - target| of a texture's render before training and of its distorted texture's render after.
    struct RenderError: Codable {
        var initial: Double
        var final: Double
    }

    var iterations: [IterationRecord]
    var peakRSSMiB: Double
    /// Per texture, at the end of the run.
    var renderErrors: [RenderError]? = nil

    enum CodingKeys: String, CodingKey {
        case iterations
        case peakRSSMiB = "peak_rss_mib"
        case renderErrors = "render_errors"
    }
}

enum TrainingOutputs {
    /// Whether `name` is a file this command writes into its output folder.
    static func isOutputName(_ name: String) -> Bool {
        ["model.safetensors", "metrics.json", "loss.svg", "loss.png", "report.html"].contains(name)
            || (name.hasPrefix("texture_") && name.hasSuffix(".png") && Int(name.dropFirst(8).dropLast(4)) != nil)
    }

    /// Removes the temporary files of writes that an earlier, killed run left in `directory` (its own output names
    /// only; a checkpoint's can be 3 GiB) and says so in one line.
    static func removeAbandonedTemporaries(in directory: URL) {
        let removed = AbandonedTemporary.removeAll(in: directory, forFilesNamed: isOutputName)
        guard !removed.isEmpty else { return }
        let bytes = removed.reduce(0) { $0 + $1.byteCount }
        let size = ByteCountFormatter.string(fromByteCount: Int64(bytes), countStyle: .binary)
        print("removed \(removed.count) temporary file\(removed.count == 1 ? "" : "s") (\(size)) left by an interrupted run: "
              + removed.map(\.url.lastPathComponent).joined(separator: ", "))
    }

    /// Writes metrics.json atomically.
    static func writeMetrics(_ metrics: TrainingMetrics, to directory: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeAtomically(encoder.encode(metrics), to: directory.appendingPathComponent("metrics.json"))
    }

    /// Reads metrics.json (for --resume), or nil when absent.
    static func readMetrics(in directory: URL) throws -> TrainingMetrics? {
        let url = directory.appendingPathComponent("metrics.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            return try JSONDecoder().decode(TrainingMetrics.self, from: Data(contentsOf: url))
        } catch {
            throw RenderError("\(url.path): not a metrics file written by Tool optimize (\(error))")
        }
    }

    /// Writes loss.svg and loss.png.
    static func writeLossPlots(_ losses: [Double], to directory: URL) throws {
        try writeAtomically(Data(LossPlot.svg(losses).utf8), to: directory.appendingPathComponent("loss.svg"))
        try LossPlot.bitmap(losses).write(to: directory.appendingPathComponent("loss.png"),
                                          options: ImageWriteOptions(encoding: .asIs))
    }

    /// Writes texture_N.png: the images side by side with white gaps, each captioned below (`captions`), values
    /// shown as they are (the tutorial's convention: texture values are display values).
    static func writeStrip(_ images: [[Float]], captions: [String], size: Int, to url: URL) throws {
        precondition(captions.count == images.count, "one caption per image")
        let font = try FontRasterizer()
        let gap = 8, textSize = 12
        // Small textures are shown larger, so that captions fit under them.
        let scale = max(1, (120 + size - 1) / size)
        let shown = size * scale
        let cell = max(shown, captions.map { font.width(of: $0, size: textSize) }.max() ?? 0)
        var canvas = Canvas(width: images.count * cell + (images.count + 1) * gap, height: shown + 2 * gap + textSize + 8)
        for (index, (image, caption)) in zip(images, captions).enumerated() {
            let left = gap + index * (cell + gap) + (cell - shown) / 2
            canvas.place(scale == 1 ? image : upscaled(image, size: size, by: scale), size: shown, left: left, top: gap)
            font.draw(caption, size: textSize, x: gap + index * (cell + gap) + cell / 2, y: gap + shown + textSize + 4,
                      anchor: .middle, on: &canvas)
        }
        try canvas.bitmap.write(to: url, options: ImageWriteOptions(encoding: .asIs))
    }

    /// A square RGB image enlarged `scale` times by repeating pixels.
    private static func upscaled(_ image: [Float], size: Int, by scale: Int) -> [Float] {
        let large = size * scale
        var out = [Float](repeating: 0, count: large * large * 3)
        for row in 0..<large {
            for column in 0..<large {
                for channel in 0..<3 {
                    out[(row * large + column) * 3 + channel] = image[((row / scale) * size + column / scale) * 3 + channel]
                }
            }
        }
        return out
    }

    /// Writes report.html: one page with the loss curve, the timings and every strip, referring to the files
    /// beside it (it opens from disk without a server).
    static func writeReport(metrics: TrainingMetrics, textureCount: Int, settings: String, to directory: URL) throws {
        let losses = metrics.iterations.map(\.loss)
        let last = metrics.iterations.last
        let medianTotal = metrics.iterations.map(\.seconds.total).sorted().dropFirst(metrics.iterations.count / 2).first ?? 0
        var rows = ""
        for record in metrics.iterations.suffix(10) {
            let s = record.seconds
            rows += String(format: "<tr><td>%d</td><td>%.4f</td><td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%.3f</td></tr>\n",
                           record.iteration, record.loss, s.model, s.render, s.backward, s.step, s.total)
        }
        var strips = ""
        for index in 1...max(textureCount, 1) where textureCount > 0 {
            let error = metrics.renderErrors.flatMap { index <= $0.count ? $0[index - 1] : nil }
            let errorText = error.map { String(format: " Mean |render - target|: %.4f initially, %.4f with the distorted texture.", $0.initial, $0.final) } ?? ""
            strips += "<figure><img src=\"texture_\(index).png\" alt=\"texture \(index)\"><figcaption>Texture \(index): initial render, input texture, distorted texture, render of the distorted texture, target.\(errorText)</figcaption></figure>\n"
        }
        let html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>Refract: tutorial optimisation</title>
        <style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;}img{image-rendering:pixelated;max-width:100%;}
        table{border-collapse:collapse;}td,th{padding:2px 8px;text-align:right;border-bottom:1px solid #ddd;}</style></head>
        <body>
        <h1>Tutorial optimisation</h1>
        <p>\(settings)</p>
        <p>\(metrics.iterations.count) iterations; final loss \(String(format: "%.4f", last?.loss ?? 0)); median iteration \(String(format: "%.3f", medianTotal)) s; peak memory \(String(format: "%.0f", metrics.peakRSSMiB)) MiB.</p>
        \(LossPlot.svg(losses))
        <h2>Time per phase (last iterations, seconds)</h2>
        <table><tr><th>iteration</th><th>loss</th><th>model</th><th>render</th><th>backward</th><th>step</th><th>total</th></tr>
        \(rows)</table>
        <h2>Textures</h2>
        \(strips)
        <p>Files: <a href="metrics.json">metrics.json</a>, <a href="loss.svg">loss.svg</a>, <a href="loss.png">loss.png</a>, model.safetensors.</p>
        </body></html>

        """
        try writeAtomically(Data(html.utf8), to: directory.appendingPathComponent("report.html"))
    }
}
