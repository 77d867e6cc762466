// The affine map of surface coordinates that textures apply before a lookup (Mitsuba's `to_uv`).
import Tracer

/// (u', v') = M · (u, v, 1) for a 2 × 3 matrix M, Mitsuba's `ScalarAffineTransform3f` `to_uv`. A 4 × 4
/// `<transform name="to_uv">` keeps its x and y rows and columns and its translation, as Mitsuba reads it.
public struct UVTransform: Equatable, Sendable {
    /// Row-major 2 × 3: (m00, m01, m02, m10, m11, m12).
    public let entries: [Float]

    /// The map of row-major 2 × 3 `entries`; they must be finite.
    public init(_ entries: [Float]) {
        precondition(entries.count == 6, "UVTransform: to_uv needs 6 entries (2 x 3), got \(entries.count)")
        precondition(entries.allSatisfy(\.isFinite), "UVTransform: to_uv must be finite, got \(entries)")
        self.entries = entries
    }

    /// The identity: uv unchanged.
    public static let identity = UVTransform([1, 0, 0, 0, 1, 0])

    public var isIdentity: Bool { self == .identity }

    /// M · (u, v, 1) per lane.
    public func apply(_ uv: Point2Array) -> Point2Array {
        let m = entries.map { FloatArray(repeating: $0) }
        return Point2Array(x: fma(m[0], uv.x, fma(m[1], uv.y, m[2])), y: fma(m[3], uv.x, fma(m[4], uv.y, m[5])))
    }

    /// The 3 × 3 matrix with last row (0, 0, 1), as `mi.traverse` lists it under "to_uv" (not differentiable);
    /// textures make it once, when they are made.
    func listing() -> ParameterSlot {
        ParameterSlot(fixed: Array(entries[0..<3]) + Array(entries[3..<6]) + [0, 0, 1], shape: [3, 3],
                      type: "ScalarAffineTransform3f")
    }

    /// The property `to_uv` of `description` (default identity).
    init(_ description: PluginDescription) throws {
        let m = try description.transform("to_uv", default: .identity).matrix
        let entries = [m[0, 0], m[0, 1], m[0, 3], m[1, 0], m[1, 1], m[1, 3]]
        guard entries.allSatisfy(\.isFinite) else {
            throw description.error("to_uv must be finite, got \(entries)", property: "to_uv")
        }
        self.init(entries)
    }
}
