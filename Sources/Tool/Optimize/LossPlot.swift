// The loss curve as an SVG drawing and as a PNG raster, drawn by hand (no plotting library).
import Foundation
import Integrators

enum LossPlot {
    static let width = 640, height = 360, margin = 48

    /// Plot coordinates of each loss (x from iteration, y from loss between the minimum and maximum).
    static func points(_ losses: [Double]) -> [(Double, Double)] {
        guard let low = losses.min(), let high = losses.max() else { return [] }
        let span = max(high - low, 1e-12)
        let plotWidth = Double(width - 2 * margin), plotHeight = Double(height - 2 * margin)
        return losses.enumerated().map { index, loss in
            let x = Double(margin) + (losses.count > 1 ? Double(index) / Double(losses.count - 1) : 0.5) * plotWidth
            let y = Double(margin) + (1 - (loss - low) / span) * plotHeight
            return (x, y)
        }
    }

    /// An SVG document: axes, labels for the first and last iteration and the loss range, and the curve.
    static func svg(_ losses: [Double]) -> String {
        let polyline = points(losses).map { String(format: "%.1f,%.1f", $0.0, $0.1) }.joined(separator: " ")
        let low = losses.min() ?? 0, high = losses.max() ?? 0
        let bottom = height - margin, right = width - margin
        return """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)">
        <rect width="100%" height="100%" fill="white"/>
        <line x1="\(margin)" y1="\(bottom)" x2="\(right)" y2="\(bottom)" stroke="black"/>
        <line x1="\(margin)" y1="\(margin)" x2="\(margin)" y2="\(bottom)" stroke="black"/>
        <text x="\(width / 2)" y="\(height - 10)" font-family="sans-serif" font-size="13" text-anchor="middle">iteration (1 to \(losses.count))</text>
        <text x="\(margin - 4)" y="\(margin + 4)" font-family="sans-serif" font-size="11" text-anchor="end">\(String(format: "%.4f", high))</text>
        <text x="\(margin - 4)" y="\(bottom)" font-family="sans-serif" font-size="11" text-anchor="end">\(String(format: "%.4f", low))</text>
        <text x="\(width / 2)" y="24" font-family="sans-serif" font-size="15" text-anchor="middle">loss (sum of L1 over the textures)</text>
        <polyline points="\(polyline)" fill="none" stroke="#1f77b4" stroke-width="2"/>
        </svg>

        """
    }

    /// The same curve as an 8-bit RGB bitmap (axes and curve only; the SVG carries the labels).
    static func bitmap(_ losses: [Double]) -> Bitmap {
        var pixels = [Float](repeating: 1, count: width * height * 3)
        func plot(_ x: Int, _ y: Int, _ color: (Float, Float, Float)) {
            guard x >= 0, x < width, y >= 0, y < height else { return }
            let base = (y * width + x) * 3
            pixels[base] = color.0
            pixels[base + 1] = color.1
            pixels[base + 2] = color.2
        }
        func line(_ a: (Double, Double), _ b: (Double, Double), _ color: (Float, Float, Float), thickness: Int) {
            let steps = Int(max(abs(b.0 - a.0), abs(b.1 - a.1)).rounded(.up)) + 1
            for step in 0...steps {
                let t = Double(step) / Double(steps)
                let x = Int((a.0 + (b.0 - a.0) * t).rounded()), y = Int((a.1 + (b.1 - a.1) * t).rounded())
                for dx in 0..<thickness { for dy in 0..<thickness { plot(x + dx, y + dy, color) } }
            }
        }
        let black: (Float, Float, Float) = (0, 0, 0)
        line((Double(margin), Double(height - margin)), (Double(width - margin), Double(height - margin)), black, thickness: 1)
        line((Double(margin), Double(margin)), (Double(margin), Double(height - margin)), black, thickness: 1)
        let curve = points(losses)
        for (a, b) in zip(curve, curve.dropFirst()) { line(a, b, (0.12, 0.47, 0.71), thickness: 2) }
        return Bitmap(width: width, height: height, channelCount: 3, pixels: pixels)
    }
}
