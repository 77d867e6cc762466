// Traced 2-D points (sample positions, uv coordinates), one lane per element.
import Tracer

/// A 2-D point per lane, stored as two traced `Float` arrays.
public struct Point2Array {
    /// The x (first) coordinates.
    public var x: FloatArray
    /// The y (second) coordinates.
    public var y: FloatArray

    /// A point from its two coordinate arrays.
    public init(x: FloatArray, y: FloatArray) {
        self.x = x
        self.y = y
    }

    /// `count` copies of (x, y), as literals.
    public init(repeating x: Float, _ y: Float, count: Int = 1) {
        self.init(x: FloatArray(repeating: x, count: count), y: FloatArray(repeating: y, count: count))
    }

    /// Points holding `values` (copied now).
    public init(_ values: [SIMD2<Float>]) {
        self.init(x: FloatArray(values.map(\.x)), y: FloatArray(values.map(\.y)))
    }

    /// The number of lanes (size-1 coordinates broadcast).
    public var count: Int { Swift.max(x.count, y.count) }

    /// The points (evaluates both coordinates together).
    public var values: [SIMD2<Float>] {
        Tracer.eval(x, y)
        let xs = x.values, ys = y.values
        return (0..<count).map { i in SIMD2(xs[xs.count == 1 ? 0 : i], ys[ys.count == 1 ? 0 : i]) }
    }

    /// Component-wise sum.
    public static func + (a: Point2Array, b: Point2Array) -> Point2Array { Point2Array(x: a.x + b.x, y: a.y + b.y) }
    /// Component-wise difference.
    public static func - (a: Point2Array, b: Point2Array) -> Point2Array { Point2Array(x: a.x - b.x, y: a.y - b.y) }
    /// Component-wise product.
    public static func * (a: Point2Array, b: Point2Array) -> Point2Array { Point2Array(x: a.x * b.x, y: a.y * b.y) }
    /// Each point scaled by its lane's `s`.
    public static func * (a: Point2Array, s: FloatArray) -> Point2Array { Point2Array(x: a.x * s, y: a.y * s) }
    /// Every point scaled by `s`.
    public static func * (a: Point2Array, s: Float) -> Point2Array { Point2Array(x: a.x * s, y: a.y * s) }

    /// Evaluates both coordinates together.
    public func eval() { Tracer.eval(x, y) }
}

/// `a` where `mask` is true, else `b`, per lane.
public func select(_ mask: BoolArray, _ a: Point2Array, _ b: Point2Array) -> Point2Array {
    Point2Array(x: select(mask, a.x, b.x), y: select(mask, a.y, b.y))
}

extension Point2Array: TraversableStruct {
    /// Visits x, then y.
    public mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        x.traverse(&visitor)
        y.traverse(&visitor)
    }
}
