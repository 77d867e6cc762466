// LinePlot: a titled line chart with labelled axes, tick values and a legend, drawn as SVG and as PNG (FreeType text).
import Foundation
import Integrators

/// A line chart of one or more series over a shared x axis.
struct LinePlot {
    /// One line: its name (for the legend), its points and its colour.
    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
        var color: Canvas.Color
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    var width = 720, height = 420

    /// The plotting area inside the margins (left, top, right, bottom) in pixels.
    private var area: (left: Double, top: Double, right: Double, bottom: Double) {
        (78, 44, Double(width) - 24, Double(height) - 56)
    }

    /// Well-rounded tick values (1, 2 or 5 times a power of ten) covering `low ... high`.
    static func ticks(_ low: Double, _ high: Double, count: Int = 6) -> [Double] {
        guard high > low, low.isFinite, high.isFinite else { return [low] }
        let rough = (high - low) / Double(count)
        let power = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= rough } ?? 10 * power
        var values: [Double] = []
        var value = ceil(low / step) * step
        while value <= high + step * 1e-9 {
            values.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return values
    }

    /// The data range, widened a little so that lines do not touch the frame.
    private var ranges: (x: ClosedRange<Double>, y: ClosedRange<Double>) {
        let all = series.flatMap(\.points)
        let xs = all.map(\.x), ys = all.map(\.y)
        var (xLow, xHigh) = (xs.min() ?? 0, xs.max() ?? 1)
        var (yLow, yHigh) = (ys.min() ?? 0, ys.max() ?? 1)
        if xHigh <= xLow { (xLow, xHigh) = (xLow - 1, xHigh + 1) }
        if yHigh <= yLow { (yLow, yHigh) = (yLow - max(abs(yLow) * 0.1, 1e-6), yHigh + max(abs(yHigh) * 0.1, 1e-6)) }
        let pad = (yHigh - yLow) * 0.05
        return (xLow...xHigh, (yLow - pad)...(yHigh + pad))
    }

    /// Pixel position of a data point.
    private func position(_ x: Double, _ y: Double) -> (Double, Double) {
        let (xr, yr) = ranges
        let a = area
        return (a.left + (x - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * (a.right - a.left),
                a.bottom - (y - yr.lowerBound) / (yr.upperBound - yr.lowerBound) * (a.bottom - a.top))
    }

    /// A tick label: as few digits as the tick spacing needs.
    private static func label(_ value: Double, step: Double) -> String {
        let digits = max(0, min(6, Int(-floor(log10(max(step, 1e-12))))))
        return String(format: "%.\(digits)f", value)
    }

    private var xTicks: [Double] { Self.ticks(ranges.x.lowerBound, ranges.x.upperBound).filter { $0 == $0.rounded() || ranges.x.upperBound - ranges.x.lowerBound < 10 } }
    private var yTicks: [Double] { Self.ticks(ranges.y.lowerBound, ranges.y.upperBound) }

    private static func hex(_ color: Canvas.Color) -> String {
        String(format: "#%02x%02x%02x", Int(color.0 * 255), Int(color.1 * 255), Int(color.2 * 255))
    }

    /// The chart as an SVG document.
    var svg: String {
        let a = area
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="DejaVu Sans, sans-serif">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(width / 2)" y="26" font-size="16" text-anchor="middle">\(title)</text>

        """
        let yStep = yTicks.count > 1 ? yTicks[1] - yTicks[0] : 1
        for tick in yTicks {
            let y = position(ranges.x.lowerBound, tick).1
            out += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#d9d9d9\"/>\n", a.left, y, a.right, y)
            out += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\">%@</text>\n", a.left - 6, y + 4,
                          Self.label(tick, step: yStep))
        }
        let xStep = xTicks.count > 1 ? xTicks[1] - xTicks[0] : 1
        for tick in xTicks {
            let x = position(tick, ranges.y.lowerBound).0
            out += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", x, a.bottom, x, a.bottom + 5)
            out += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">%@</text>\n", x, a.bottom + 19,
                          Self.label(tick, step: xStep))
        }
        out += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"black\"/>\n",
                      a.left, a.top, a.right - a.left, a.bottom - a.top)
        out += "<text x=\"\((a.left + a.right) / 2)\" y=\"\(height - 12)\" font-size=\"13\" text-anchor=\"middle\">\(xLabel)</text>\n"
        out += "<text transform=\"translate(18 \((a.top + a.bottom) / 2)) rotate(-90)\" font-size=\"13\" text-anchor=\"middle\">\(yLabel)</text>\n"
        for line in series {
            let points = line.points.map { position($0.x, $0.y) }.map { String(format: "%.1f,%.1f", $0.0, $0.1) }
            out += "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"\(Self.hex(line.color))\" stroke-width=\"2\"/>\n"
        }
        if series.count > 1 {
            for (index, line) in series.enumerated() {
                let y = a.top + 16 + Double(index) * 18
                out += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%@\" stroke-width=\"2\"/>\n",
                              a.right - 170, y - 4, a.right - 146, y - 4, Self.hex(line.color))
                out += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">%@</text>\n", a.right - 140, y, line.name)
            }
        }
        return out + "</svg>\n"
    }

    /// The chart as a raster, its text drawn by `font`.
    func bitmap(font: FontRasterizer) -> Bitmap {
        var canvas = Canvas(width: width, height: height)
        let a = area
        font.draw(title, size: 16, x: width / 2, y: 26, anchor: .middle, on: &canvas)
        let yStep = yTicks.count > 1 ? yTicks[1] - yTicks[0] : 1
        for tick in yTicks {
            let y = position(ranges.x.lowerBound, tick).1
            canvas.line(from: (a.left, y), to: (a.right, y), Canvas.grey)
            font.draw(Self.label(tick, step: yStep), size: 12, x: Int(a.left) - 6, y: Int(y) + 4, anchor: .end, on: &canvas)
        }
        let xStep = xTicks.count > 1 ? xTicks[1] - xTicks[0] : 1
        for tick in xTicks {
            let x = position(tick, ranges.y.lowerBound).0
            canvas.line(from: (x, a.bottom), to: (x, a.bottom + 5), Canvas.black)
            font.draw(Self.label(tick, step: xStep), size: 12, x: Int(x), y: Int(a.bottom) + 19, anchor: .middle, on: &canvas)
        }
        for (from, to) in [((a.left, a.top), (a.right, a.top)), ((a.right, a.top), (a.right, a.bottom)),
                           ((a.right, a.bottom), (a.left, a.bottom)), ((a.left, a.bottom), (a.left, a.top))] {
            canvas.line(from: from, to: to, Canvas.black)
        }
        font.draw(xLabel, size: 13, x: Int((a.left + a.right) / 2), y: height - 12, anchor: .middle, on: &canvas)
        drawVertical(yLabel, size: 13, x: 22, centreY: Int((a.top + a.bottom) / 2), font: font, on: &canvas)
        for line in series {
            let points = line.points.map { position($0.x, $0.y) }
            for (p, q) in zip(points, points.dropFirst()) { canvas.line(from: p, to: q, line.color, thickness: 2) }
            if points.count == 1 { canvas.line(from: points[0], to: points[0], line.color, thickness: 3) }
        }
        if series.count > 1 {
            for (index, line) in series.enumerated() {
                let y = a.top + 16 + Double(index) * 18
                canvas.line(from: (a.right - 170, y - 4), to: (a.right - 146, y - 4), line.color, thickness: 2)
                font.draw(line.name, size: 12, x: Int(a.right) - 140, y: Int(y), on: &canvas)
            }
        }
        return canvas.bitmap
    }

    /// Text read bottom to top (the y axis label): drawn on a canvas of its own, then turned a quarter.
    private func drawVertical(_ text: String, size: Int, x: Int, centreY: Int, font: FontRasterizer, on canvas: inout Canvas) {
        let length = font.width(of: text, size: size) + 4
        var strip = Canvas(width: length, height: size + 6)
        font.draw(text, size: size, x: 2, y: size, on: &strip)
        let top = centreY - length / 2
        for row in 0..<strip.height {
            for column in 0..<strip.width {
                let base = (row * strip.width + column) * 3
                let value = strip.pixels[base]
                if value < 1 { canvas.blend(x: x - size + row, y: top + length - 1 - column, Canvas.black, alpha: 1 - value) }
            }
        }
    }
}
