// The four element types a traced array can hold, and their Swift counterparts.

/// The element type of a traced array. Every element is stored in 32 bits (masks as 0 or 1 in a `UInt32`).
public enum ScalarType: UInt8, Sendable, CustomStringConvertible {
    case float32
    case int32
    case uint32
    case bool

    /// Bytes per element in a buffer.
    public var byteSize: Int { 4 }

    /// True for `int32` and `uint32`.
    public var isInteger: Bool { self == .int32 || self == .uint32 }

    public var description: String {
        switch self {
        case .float32: "f32"
        case .int32: "i32"
        case .uint32: "u32"
        case .bool: "bool"
        }
    }
}

/// A Swift scalar type that can be the element of a `TracedArray`.
///
/// Values travel through the tracer as their 32-bit patterns (`bits`); the conversion is exact.
public protocol TracedElement: Sendable {
    /// The tracer's name for this type.
    static var scalarType: ScalarType { get }
    /// The 32-bit pattern of the value.
    var bits: UInt32 { get }
    /// Rebuilds a value from its 32-bit pattern.
    init(bits: UInt32)
}

extension Float: TracedElement {
    public static var scalarType: ScalarType { .float32 }
    public var bits: UInt32 { bitPattern }
    public init(bits: UInt32) { self.init(bitPattern: bits) }
}

extension Int32: TracedElement {
    public static var scalarType: ScalarType { .int32 }
    public var bits: UInt32 { UInt32(bitPattern: self) }
    public init(bits: UInt32) { self.init(bitPattern: bits) }
}

extension UInt32: TracedElement {
    public static var scalarType: ScalarType { .uint32 }
    public var bits: UInt32 { self }
    public init(bits: UInt32) { self = bits }
}

extension Bool: TracedElement {
    public static var scalarType: ScalarType { .bool }
    public var bits: UInt32 { self ? 1 : 0 }
    public init(bits: UInt32) { self = bits != 0 }
}

/// Traced element types with arithmetic (`Float`, `Int32`, `UInt32`).
public protocol TracedNumeric: TracedElement {
    /// The value of an integer in this type (integers wrap). A static function rather than an initialiser, so that
    /// importing Tracer adds no overload to `Float.init`.
    static func tracedValue(of integer: Int) -> Self
}
extension Float: TracedNumeric {
    public static func tracedValue(of integer: Int) -> Float { Float(integer) }
}
extension Int32: TracedNumeric {
    public static func tracedValue(of integer: Int) -> Int32 { Int32(truncatingIfNeeded: integer) }
}
extension UInt32: TracedNumeric {
    public static func tracedValue(of integer: Int) -> UInt32 { UInt32(truncatingIfNeeded: integer) }
}

/// Traced integer element types (`Int32`, `UInt32`).
public protocol TracedInteger: TracedNumeric, TracedBitwise {}
extension Int32: TracedInteger {}
extension UInt32: TracedInteger {}

/// Element types that support the bitwise operations (`Int32`, `UInt32`, `Bool`).
public protocol TracedBitwise: TracedElement {}
extension Int32: TracedBitwise {}
extension UInt32: TracedBitwise {}
extension Bool: TracedBitwise {}
