// Sampling points on a shape for area lights (Mitsuba's `sample_position`/`sample_direction` and their pdfs).
import Tracer

/// A point sampled on a shape's surface (Mitsuba's `PositionSample3f`).
public struct PositionSample {
    /// The point p.
    public var p: Vector3Array
    /// The unit normal at p (flipped where the shape flips its normals).
    public var n: Vector3Array
    /// The surface coordinates of p.
    public var uv: Point2Array
    /// The density of p per unit area (0 on inactive lanes).
    public var pdf: FloatArray

    public init(p: Vector3Array, n: Vector3Array, uv: Point2Array, pdf: FloatArray) {
        self.p = p
        self.n = n
        self.uv = uv
        self.pdf = pdf
    }
}

/// A point sampled on a shape as seen from a reference point (Mitsuba's `DirectionSample3f`).
public struct DirectionSample {
    /// The point p on the shape.
    public var p: Vector3Array
    /// The unit normal at p.
    public var n: Vector3Array
    /// The surface coordinates of p.
    public var uv: Point2Array
    /// The unit direction d from the reference point to p.
    public var d: Vector3Array
    /// The distance from the reference point to p.
    public var dist: FloatArray
    /// The density of d per unit solid angle at the reference point (0 on inactive lanes).
    public var pdf: FloatArray

    public init(p: Vector3Array, n: Vector3Array, uv: Point2Array, d: Vector3Array, dist: FloatArray,
                pdf: FloatArray) {
        self.p = p
        self.n = n
        self.uv = uv
        self.d = d
        self.dist = dist
        self.pdf = pdf
    }
}

/// A shape that an area light can sample. `samplePosition` and `pdfPosition` are per unit area;
/// `sampleDirection` and `pdfDirection` per unit solid angle at a reference point. The direction methods default
/// to Mitsuba's `Shape::sample_direction`/`pdf_direction`: a position sample converted with dist²/|cos θ|.
public protocol AreaSampling {
    /// A point on the surface from a uniform `sample` in [0, 1)².
    func samplePosition(_ sample: Point2Array, active: BoolArray) -> PositionSample
    /// The area density of `samplePosition` at `position` (which must lie on the surface).
    func pdfPosition(_ position: PositionSample, active: BoolArray) -> FloatArray
    /// A point on the surface as seen from `reference`, with its solid-angle density there.
    func sampleDirection(from reference: Vector3Array, sample: Point2Array, active: BoolArray) -> DirectionSample
    /// The solid-angle density of `sampleDirection` from `reference` toward the surface point `p` with normal `n`.
    func pdfDirection(from reference: Vector3Array, to p: Vector3Array, n: Vector3Array, active: BoolArray)
        -> FloatArray
}

extension AreaSampling {
    /// Mitsuba's `Shape::sample_direction`: a position sample, d = normalize(p − reference), and the area pdf
    /// times dist²/|d·n| (0 where that is not finite: the reference point on the surface, or d in its plane).
    public func sampleDirection(from reference: Vector3Array, sample: Point2Array, active: BoolArray)
        -> DirectionSample {
        let position = samplePosition(sample, active: active)
        let offset = position.p - reference
        let distSquared = offset.squaredLength
        let dist = sqrt(distSquared)
        let d = offset / dist
        let x = distSquared / abs(d.dot(position.n))
        // Dr.Jit's isfinite: false for ±∞ and NaN (every comparison with NaN is false).
        let finite = abs(x) .< Float.infinity
        let pdf = position.pdf * select(finite, x, .constant(0))
        return DirectionSample(p: position.p, n: position.n, uv: position.uv, d: d, dist: dist,
                               pdf: select(active, pdf, .constant(0)))
    }

    /// Mitsuba's `Shape::pdf_direction`: the area pdf times dist²/|d·n|, 0 where d·n = 0.
    public func pdfDirection(from reference: Vector3Array, to p: Vector3Array, n: Vector3Array, active: BoolArray)
        -> FloatArray {
        let offset = p - reference
        let distSquared = offset.squaredLength
        let dist = sqrt(distSquared)
        let d = offset / dist
        let cosine = abs(d.dot(n))
        let position = PositionSample(p: p, n: n, uv: Point2Array(repeating: 0, 0), pdf: .constant(0))
        let pdf = pdfPosition(position, active: active) * select(cosine .!= 0, dist * dist / cosine, .constant(0))
        return select(active, pdf, .constant(0))
    }
}

/// `value` on `lanes` lanes where `active`, 0 elsewhere: the density of a shape sampled uniformly by area. Full
/// width even when `active` is a literal, so that callers can read one value per lane.
func uniformDensity(_ value: Float, lanes: Int, active: BoolArray) -> FloatArray {
    select(active, FloatArray(repeating: value, count: Swift.max(lanes, active.count)), .constant(0))
}
