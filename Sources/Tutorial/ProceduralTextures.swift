// Refract's own built-in textures: four patterns that exercise sharp edges, fine detail and smooth gradients.
import Foundation

/// Deterministic test textures, (size, size, 3) row-major with values in [0, 1], quantised to 8 bits like a
/// PNG's values / 255 (the form the tutorial uses).
public enum ProceduralTextures {
    /// The names of the built-in textures, in order.
    public static let names = ["checker", "zoneplate", "gradient", "shapes"]

    /// All four textures at `size`.
    public static func all(size: Int) -> [[Float]] {
        names.map { texture(named: $0, size: size)! }
    }

    /// One texture by name, or nil for an unknown name.
    public static func texture(named name: String, size: Int) -> [Float]? {
        let pattern: (Double, Double) -> (Double, Double, Double)
        switch name {
        case "checker": pattern = checker
        case "zoneplate": pattern = zonePlate
        case "gradient": pattern = gradient
        case "shapes": pattern = shapes
        default: return nil
        }
        var pixels = [Float](repeating: 0, count: size * size * 3)
        for row in 0..<size {
            for column in 0..<size {
                // Texel centres in [0, 1]².
                let u = (Double(column) + 0.5) / Double(size)
                let v = (Double(row) + 0.5) / Double(size)
                let (r, g, b) = pattern(u, v)
                let base = (row * size + column) * 3
                pixels[base] = quantised(r)
                pixels[base + 1] = quantised(g)
                pixels[base + 2] = quantised(b)
            }
        }
        return pixels
    }

    private static func quantised(_ value: Double) -> Float {
        Float((min(max(value, 0), 1) * 255).rounded()) / 255
    }

    /// Sharp edges: an 8x8 board of two colours with a contrasting border.
    private static func checker(_ u: Double, _ v: Double) -> (Double, Double, Double) {
        let cell = (Int(u * 8) + Int(v * 8)) % 2
        if u < 0.03 || u > 0.97 || v < 0.03 || v > 0.97 { return (0.1, 0.1, 0.1) }
        return cell == 0 ? (0.9, 0.75, 0.2) : (0.15, 0.3, 0.7)
    }

    /// Fine detail: a zone plate, whose rings get finer toward the rim.
    private static func zonePlate(_ u: Double, _ v: Double) -> (Double, Double, Double) {
        let x = u - 0.5, y = v - 0.5
        let value = 0.5 + 0.5 * cos(90 * (x * x + y * y))
        return (value, 0.6 * value + 0.2, 1 - 0.8 * value)
    }

    /// Smooth colour gradients: hue along u, brightness along v.
    private static func gradient(_ u: Double, _ v: Double) -> (Double, Double, Double) {
        let hue = u * 6
        let sector = Int(hue) % 6
        let fraction = hue - Double(Int(hue))
        let (r, g, b): (Double, Double, Double)
        switch sector {
        case 0: (r, g, b) = (1, fraction, 0)
        case 1: (r, g, b) = (1 - fraction, 1, 0)
        case 2: (r, g, b) = (0, 1, fraction)
        case 3: (r, g, b) = (0, 1 - fraction, 1)
        case 4: (r, g, b) = (fraction, 0, 1)
        default: (r, g, b) = (1, 0, 1 - fraction)
        }
        let brightness = 0.25 + 0.75 * v
        return (r * brightness, g * brightness, b * brightness)
    }

    /// Shapes: a disk, a triangle and thin bars on a soft background.
    private static func shapes(_ u: Double, _ v: Double) -> (Double, Double, Double) {
        var color = (0.85 - 0.3 * v, 0.85 - 0.2 * u, 0.8)
        let dx = u - 0.32, dy = v - 0.35
        if dx * dx + dy * dy < 0.04 { color = (0.8, 0.1, 0.1) }
        if v > 0.55 && v < 0.9 && abs(u - 0.7) < (v - 0.55) * 0.6 { color = (0.1, 0.6, 0.2) }
        if u > 0.1 && u < 0.5 && v > 0.7 && v < 0.9 && Int(u * 64) % 3 == 0 { color = (0.05, 0.05, 0.05) }
        return color
    }
}
