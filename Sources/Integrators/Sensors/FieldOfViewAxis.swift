// The film extent that a perspective camera's `fov` spans (Mitsuba's `fov_axis`), and its conversion to the x axis.
import Foundation

/// Which extent of the film `fov` measures (Mitsuba's `fov_axis`; default `x`).
public enum FieldOfViewAxis: String, CaseIterable, Hashable, Sendable {
    /// The width.
    case x
    /// The height.
    case y
    /// The diagonal.
    case diagonal
    /// The smaller of width and height.
    case smaller
    /// The larger of width and height.
    case larger

    /// The horizontal field of view, in degrees, equal to `degrees` along this axis on a film of aspect ratio
    /// `aspect` = width / height (Mitsuba's `parse_fov`, computed in double precision and stored as a float).
    public func horizontalFieldOfView(_ degrees: Double, aspect: Double) -> Float {
        let halfAngle = degrees * Double.pi / 360
        switch resolved(aspect: aspect) {
        case .y:
            return Float(Self.degrees(2 * atan(tan(halfAngle) * aspect)))
        case .diagonal:
            let diagonal = 2 * tan(halfAngle)
            let width = diagonal / (1 + 1 / (aspect * aspect)).squareRoot()
            return Float(Self.degrees(2 * atan(width * 0.5)))
        default:
            return Float(degrees)
        }
    }

    /// `smaller` and `larger` replaced by `x` or `y` for a film of aspect ratio `aspect`.
    public func resolved(aspect: Double) -> FieldOfViewAxis {
        switch self {
        case .smaller: aspect > 1 ? .y : .x
        case .larger: aspect > 1 ? .x : .y
        default: self
        }
    }

    private static func degrees(_ radians: Double) -> Double { radians * 180 / Double.pi }
}
