// Traced 3-vectors (points, directions, normals, RGB) and traced 2-D points, one lane per element.
import Tracer

/// A 3-vector per lane, stored as three traced `Float` arrays (structure of arrays).
public struct Vector3Array {
    /// The x components.
    public var x: FloatArray
    /// The y components.
    public var y: FloatArray
    /// The z components.
    public var z: FloatArray

    /// A vector from its three component arrays.
    public init(x: FloatArray, y: FloatArray, z: FloatArray) {
        self.x = x
        self.y = y
        self.z = z
    }

    /// `count` copies of `v`, as literals.
    public init(repeating v: Vector3f, count: Int = 1) {
        self.init(x: FloatArray(repeating: v.x, count: count),
                  y: FloatArray(repeating: v.y, count: count),
                  z: FloatArray(repeating: v.z, count: count))
    }

    /// `count` copies of `v`, as literals.
    public init(_ v: Vector3f, count: Int) {
        self.init(repeating: v, count: count)
    }

    /// Vectors holding `values` (copied now).
    public init(_ values: [Vector3f]) {
        self.init(x: FloatArray(values.map(\.x)), y: FloatArray(values.map(\.y)), z: FloatArray(values.map(\.z)))
    }

    /// The number of lanes (the largest component count; size-1 components broadcast).
    public var count: Int { Swift.max(x.count, y.count, z.count) }

    /// The vectors (evaluates all three components together).
    public var values: [Vector3f] {
        Tracer.eval(x, y, z)
        let xs = x.values, ys = y.values, zs = z.values
        return (0..<count).map { i in
            Vector3f(xs[xs.count == 1 ? 0 : i], ys[ys.count == 1 ? 0 : i], zs[zs.count == 1 ? 0 : i])
        }
    }

    /// The three component arrays, e.g. for one `eval` together with other arrays.
    public var components: [FloatArray] { [x, y, z] }

    /// The same values with no gradient tracking.
    public var detached: Vector3Array { Vector3Array(x: x.detached(), y: y.detached(), z: z.detached()) }

    /// Component-wise sum.
    public static func + (a: Vector3Array, b: Vector3Array) -> Vector3Array {
        Vector3Array(x: a.x + b.x, y: a.y + b.y, z: a.z + b.z)
    }

    /// Component-wise difference.
    public static func - (a: Vector3Array, b: Vector3Array) -> Vector3Array {
        Vector3Array(x: a.x - b.x, y: a.y - b.y, z: a.z - b.z)
    }

    /// Component-wise product.
    public static func * (a: Vector3Array, b: Vector3Array) -> Vector3Array {
        Vector3Array(x: a.x * b.x, y: a.y * b.y, z: a.z * b.z)
    }

    /// Component-wise quotient.
    public static func / (a: Vector3Array, b: Vector3Array) -> Vector3Array {
        Vector3Array(x: a.x / b.x, y: a.y / b.y, z: a.z / b.z)
    }

    /// Each vector scaled by its lane's `s`.
    public static func * (a: Vector3Array, s: FloatArray) -> Vector3Array {
        Vector3Array(x: a.x * s, y: a.y * s, z: a.z * s)
    }

    /// Each vector scaled by its lane's `s`.
    public static func * (s: FloatArray, a: Vector3Array) -> Vector3Array { a * s }

    /// Every vector scaled by `s`.
    public static func * (a: Vector3Array, s: Float) -> Vector3Array {
        Vector3Array(x: a.x * s, y: a.y * s, z: a.z * s)
    }

    /// Every vector scaled by `s`.
    public static func * (s: Float, a: Vector3Array) -> Vector3Array { a * s }

    /// Each vector divided by its lane's `s`: as Dr.Jit divides a vector by a scalar, one reciprocal then three
    /// products (one division instead of three).
    public static func / (a: Vector3Array, s: FloatArray) -> Vector3Array { a * rcp(s) }

    /// Every vector divided by `s`, as a product with `1 / s` (Dr.Jit's rule).
    public static func / (a: Vector3Array, s: Float) -> Vector3Array { a * (1 / s) }

    /// Vector plus a per-lane scalar on every component.
    public static func + (a: Vector3Array, s: FloatArray) -> Vector3Array {
        Vector3Array(x: a.x + s, y: a.y + s, z: a.z + s)
    }

    /// Vector minus a per-lane scalar on every component.
    public static func - (a: Vector3Array, s: FloatArray) -> Vector3Array {
        Vector3Array(x: a.x - s, y: a.y - s, z: a.z - s)
    }

    /// Negation.
    public static prefix func - (a: Vector3Array) -> Vector3Array {
        Vector3Array(x: -a.x, y: -a.y, z: -a.z)
    }

    public static func += (a: inout Vector3Array, b: Vector3Array) { a = a + b }
    public static func -= (a: inout Vector3Array, b: Vector3Array) { a = a - b }
    public static func *= (a: inout Vector3Array, b: Vector3Array) { a = a * b }
    public static func *= (a: inout Vector3Array, s: FloatArray) { a = a * s }
    public static func *= (a: inout Vector3Array, s: Float) { a = a * s }

    /// The dot product per lane.
    public func dot(_ b: Vector3Array) -> FloatArray {
        let xx = x * b.x
        let yy = y * b.y
        let zz = z * b.z
        return xx + yy + zz
    }

    /// The right-handed cross product `self × b` per lane.
    public func cross(_ b: Vector3Array) -> Vector3Array {
        let cx = y * b.z - z * b.y
        let cy = z * b.x - x * b.z
        let cz = x * b.y - y * b.x
        return Vector3Array(x: cx, y: cy, z: cz)
    }

    /// |v|² per lane.
    public var squaredLength: FloatArray { dot(self) }

    /// |v| per lane.
    public var length: FloatArray { sqrt(squaredLength) }

    /// `self / |self|` (NaN/inf for zero vectors, as in Dr.Jit).
    public func normalized() -> Vector3Array {
        let inverseLength = 1 / length
        return self * inverseLength
    }

    /// The largest of the three components per lane.
    public var maxComponent: FloatArray { Tracer.max(Tracer.max(x, y), z) }

    /// The smallest of the three components per lane.
    public var minComponent: FloatArray { Tracer.min(Tracer.min(x, y), z) }

    /// `self[index]` per lane for each component; masked-off or out-of-range lanes read 0.
    public func gather<I: TracedIndex>(_ index: TracedArray<I>, mask: BoolArray = true) -> Vector3Array {
        Vector3Array(x: x.gather(index, mask: mask), y: y.gather(index, mask: mask), z: z.gather(index, mask: mask))
    }

    /// Evaluates the three components together.
    public func eval() { Tracer.eval(x, y, z) }
}

/// Component-wise minimum.
public func min(_ a: Vector3Array, _ b: Vector3Array) -> Vector3Array {
    Vector3Array(x: min(a.x, b.x), y: min(a.y, b.y), z: min(a.z, b.z))
}

/// Component-wise maximum.
public func max(_ a: Vector3Array, _ b: Vector3Array) -> Vector3Array {
    Vector3Array(x: max(a.x, b.x), y: max(a.y, b.y), z: max(a.z, b.z))
}

/// `a` where `mask` is true, else `b`, per lane.
public func select(_ mask: BoolArray, _ a: Vector3Array, _ b: Vector3Array) -> Vector3Array {
    Vector3Array(x: select(mask, a.x, b.x), y: select(mask, a.y, b.y), z: select(mask, a.z, b.z))
}

extension Vector3Array: TraversableStruct {
    /// Visits x, y and z (so a vector can be part of a symbolic loop's state).
    public mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        x.traverse(&visitor)
        y.traverse(&visitor)
        z.traverse(&visitor)
    }
}
