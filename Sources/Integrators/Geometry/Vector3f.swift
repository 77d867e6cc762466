// A small three-component Float vector used for points, directions, normals and RGB triples
// on the host side (scene description, transforms). Traced (device) arrays live in Tracer.

/// A plain 3-vector of `Float`s (value type, no SIMD alignment requirements).
public struct Vector3f: Hashable, Sendable, CustomStringConvertible {
    public var x: Float
    public var y: Float
    public var z: Float

    @inlinable public init(_ x: Float, _ y: Float, _ z: Float) {
        self.x = x; self.y = y; self.z = z
    }

    @inlinable public init(x: Float, y: Float, z: Float) {
        self.x = x; self.y = y; self.z = z
    }

    /// All three components set to `value`.
    @inlinable public init(repeating value: Float) {
        self.init(value, value, value)
    }

    public static let zero = Vector3f(0, 0, 0)
    public static let one = Vector3f(1, 1, 1)

    /// Component access by index 0, 1, 2.
    @inlinable public subscript(index: Int) -> Float {
        get {
            switch index {
            case 0: return x
            case 1: return y
            case 2: return z
            default: preconditionFailure("Vector3f index \(index) out of range 0..<3")
            }
        }
        set {
            switch index {
            case 0: x = newValue
            case 1: y = newValue
            case 2: z = newValue
            default: preconditionFailure("Vector3f index \(index) out of range 0..<3")
            }
        }
    }

    @inlinable public static func + (a: Vector3f, b: Vector3f) -> Vector3f { Vector3f(a.x + b.x, a.y + b.y, a.z + b.z) }
    @inlinable public static func - (a: Vector3f, b: Vector3f) -> Vector3f { Vector3f(a.x - b.x, a.y - b.y, a.z - b.z) }
    @inlinable public static prefix func - (a: Vector3f) -> Vector3f { Vector3f(-a.x, -a.y, -a.z) }
    /// Component-wise product.
    @inlinable public static func * (a: Vector3f, b: Vector3f) -> Vector3f { Vector3f(a.x * b.x, a.y * b.y, a.z * b.z) }
    @inlinable public static func * (a: Vector3f, s: Float) -> Vector3f { Vector3f(a.x * s, a.y * s, a.z * s) }
    @inlinable public static func * (s: Float, a: Vector3f) -> Vector3f { Vector3f(a.x * s, a.y * s, a.z * s) }
    /// Component-wise quotient.
    @inlinable public static func / (a: Vector3f, b: Vector3f) -> Vector3f { Vector3f(a.x / b.x, a.y / b.y, a.z / b.z) }
    @inlinable public static func / (a: Vector3f, s: Float) -> Vector3f { Vector3f(a.x / s, a.y / s, a.z / s) }

    @inlinable public static func += (a: inout Vector3f, b: Vector3f) { a = a + b }
    @inlinable public static func -= (a: inout Vector3f, b: Vector3f) { a = a - b }
    @inlinable public static func *= (a: inout Vector3f, s: Float) { a = a * s }

    @inlinable public func dot(_ b: Vector3f) -> Float { x * b.x + y * b.y + z * b.z }

    /// Right-handed cross product `self × b`.
    @inlinable public func cross(_ b: Vector3f) -> Vector3f {
        Vector3f(y * b.z - z * b.y, z * b.x - x * b.z, x * b.y - y * b.x)
    }

    @inlinable public var squaredLength: Float { dot(self) }
    @inlinable public var length: Float { squaredLength.squareRoot() }

    /// `self / length` (components become NaN/inf for the zero vector, as in Mitsuba/Dr.Jit).
    @inlinable public var normalized: Vector3f { self * (1 / length) }

    @inlinable public func min(_ b: Vector3f) -> Vector3f { Vector3f(Swift.min(x, b.x), Swift.min(y, b.y), Swift.min(z, b.z)) }
    @inlinable public func max(_ b: Vector3f) -> Vector3f { Vector3f(Swift.max(x, b.x), Swift.max(y, b.y), Swift.max(z, b.z)) }

    public var isFinite: Bool { x.isFinite && y.isFinite && z.isFinite }

    public var description: String { "(\(x), \(y), \(z))" }
}
