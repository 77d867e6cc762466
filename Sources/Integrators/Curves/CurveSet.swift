// CurveSet: the control points and segments of one linearcurve or bsplinecurve shape, in world space (host memory).

/// How a curve file's control points are joined (Mitsuba's two curve plugins).
public enum CurveBasis: String, Sendable, Equatable {
    /// Straight segments between consecutive points, joined and capped by spheres (`linearcurve`).
    case linear = "linearcurve"
    /// Uniform cubic B-spline segments over every four consecutive points, open-ended (`bsplinecurve`).
    case bspline = "bsplinecurve"

    /// The fewest control points one curve may have (one segment).
    public var minimumPointsPerCurve: Int { self == .linear ? 2 : 4 }

    /// The control points a segment spans: 2 for a line, 4 for a cubic B-spline.
    var pointsPerSegment: Int { minimumPointsPerCurve }
}

/// The curves of one shape as Mitsuba's curve plugins hold them: `controlPoints` flattened as x, y, z, radius per
/// point (positions through `to_world`, radii as written: Mitsuba does not scale them), `segmentIndices` the
/// index of each segment's first control point, and `curveFirstSegments` each curve's first segment index with the
/// segment count appended (Mitsuba's `m_curves_prim_idx`).
public struct CurveSet: Sendable, Equatable {
    /// The file's name, for messages.
    public var name: String
    /// The curve type.
    public var basis: CurveBasis
    /// x, y, z, radius of each control point (Mitsuba's `control_points`).
    public var controlPoints: [Float]
    /// The first control point of each segment (Mitsuba's `segment_indices`).
    public var segmentIndices: [UInt32]
    /// The first segment of each curve, then the total segment count.
    public var curveFirstSegments: [UInt32]

    public init(name: String, basis: CurveBasis, controlPoints: [Float], segmentIndices: [UInt32],
                curveFirstSegments: [UInt32]) {
        self.name = name
        self.basis = basis
        self.controlPoints = controlPoints
        self.segmentIndices = segmentIndices
        self.curveFirstSegments = curveFirstSegments
    }

    /// The number of control points (Mitsuba's `control_point_count`).
    public var controlPointCount: Int { controlPoints.count / 4 }
    /// The number of segments (Embree's primitives).
    public var segmentCount: Int { segmentIndices.count }
    /// The number of curves.
    public var curveCount: Int { curveFirstSegments.count - 1 }

    /// The box around every control point's sphere, as Mitsuba's curves compute their bounding box (the points
    /// moved by ± radius along each axis). A B-spline lies inside its control points' hull, so this holds it too.
    public var bounds: (min: Vector3f, max: Vector3f)? {
        guard controlPointCount > 0 else { return nil }
        var low = Vector3f(.infinity, .infinity, .infinity), high = Vector3f(-.infinity, -.infinity, -.infinity)
        for i in 0..<controlPointCount {
            let r = abs(controlPoints[4 * i + 3])
            for axis in 0..<3 {
                let value = controlPoints[4 * i + axis]
                low[axis] = Swift.min(low[axis], value - r)
                high[axis] = Swift.max(high[axis], value + r)
            }
        }
        return (low, high)
    }
}
