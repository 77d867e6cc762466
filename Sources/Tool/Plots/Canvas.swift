// Canvas: an RGB raster for figures (plots, captioned strips): lines, rectangles, images and blended text pixels.
import Integrators

/// An RGB image of floats in [0, 1], white at first, row 0 at the top.
struct Canvas {
    typealias Color = (Float, Float, Float)
    static let black: Color = (0, 0, 0)
    static let grey: Color = (0.85, 0.85, 0.85)

    let width: Int
    let height: Int
    private(set) var pixels: [Float]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        pixels = [Float](repeating: 1, count: width * height * 3)
    }

    /// Mixes `color` into pixel (x, y) with weight `alpha` (pixels outside are ignored).
    mutating func blend(x: Int, y: Int, _ color: Color, alpha: Float = 1) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        let base = (y * width + x) * 3
        pixels[base] += (color.0 - pixels[base]) * alpha
        pixels[base + 1] += (color.1 - pixels[base + 1]) * alpha
        pixels[base + 2] += (color.2 - pixels[base + 2]) * alpha
    }

    /// A straight line from a to b, `thickness` pixels wide.
    mutating func line(from a: (Double, Double), to b: (Double, Double), _ color: Color, thickness: Int = 1) {
        let steps = Int(max(abs(b.0 - a.0), abs(b.1 - a.1)).rounded(.up)) + 1
        for step in 0...steps {
            let t = Double(step) / Double(steps)
            let x = Int((a.0 + (b.0 - a.0) * t).rounded()), y = Int((a.1 + (b.1 - a.1) * t).rounded())
            for dx in 0..<thickness { for dy in 0..<thickness { blend(x: x + dx, y: y + dy, color) } }
        }
    }

    /// Copies an RGB image (`size` x `size`, interleaved) with its top-left corner at (left, top).
    mutating func place(_ image: [Float], size: Int, left: Int, top: Int) {
        for row in 0..<size {
            for column in 0..<size {
                let source = (row * size + column) * 3
                blend(x: left + column, y: top + row, (image[source], image[source + 1], image[source + 2]))
            }
        }
    }

    /// The canvas as a bitmap (values shown as they are).
    var bitmap: Bitmap { Bitmap(width: width, height: height, channelCount: 3, pixels: pixels) }
}
