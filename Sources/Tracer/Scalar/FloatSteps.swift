// The transcendental steps on one Float: the scalar backend's and literal folding's version.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `TranscendentalSteps` on single lanes, in plain Swift arithmetic (which is never contracted).
struct FloatSteps: TranscendentalSteps {
    @inline(__always) func real(_ value: Float) -> Float { value }
    @inline(__always) func wide(_ value: Double) -> Double { value }
    @inline(__always) func integer(_ value: Int32) -> Int32 { value }

    @inline(__always) func add(_ a: Float, _ b: Float) -> Float { a + b }
    @inline(__always) func sub(_ a: Float, _ b: Float) -> Float { a - b }
    @inline(__always) func mul(_ a: Float, _ b: Float) -> Float { a * b }
    @inline(__always) func div(_ a: Float, _ b: Float) -> Float { a / b }
    @inline(__always) func fma(_ a: Float, _ b: Float, _ c: Float) -> Float { c.addingProduct(a, b) }
    @inline(__always) func negate(_ a: Float) -> Float { -a }
    @inline(__always) func abs(_ a: Float) -> Float { Swift.abs(a) }
    @inline(__always) func roundEven(_ a: Float) -> Float { a.rounded(.toNearestOrEven) }
    @inline(__always) func truncate(_ a: Float) -> Float { a.rounded(.towardZero) }
    @inline(__always) func less(_ a: Float, _ b: Float) -> Bool { a < b }
    @inline(__always) func lessEqual(_ a: Float, _ b: Float) -> Bool { a <= b }
    @inline(__always) func equal(_ a: Float, _ b: Float) -> Bool { a == b }
    @inline(__always) func isNaN(_ a: Float) -> Bool { a.isNaN }
    @inline(__always) func select(_ mask: Bool, _ a: Float, _ b: Float) -> Float { mask ? a : b }

    @inline(__always) func bits(_ a: Float) -> Int32 { Int32(bitPattern: a.bitPattern) }
    @inline(__always) func real(bits: Int32) -> Float { Float(bitPattern: UInt32(bitPattern: bits)) }
    @inline(__always) func integer(_ a: Float) -> Int32 { Int32(a) }
    @inline(__always) func real(_ a: Int32) -> Float { Float(a) }

    @inline(__always) func add(_ a: Int32, _ b: Int32) -> Int32 { a &+ b }
    @inline(__always) func sub(_ a: Int32, _ b: Int32) -> Int32 { a &- b }
    @inline(__always) func and(_ a: Int32, _ b: Int32) -> Int32 { a & b }
    @inline(__always) func or(_ a: Int32, _ b: Int32) -> Int32 { a | b }
    @inline(__always) func xor(_ a: Int32, _ b: Int32) -> Int32 { a ^ b }
    @inline(__always) func shiftLeft(_ a: Int32, _ count: Int32) -> Int32 { a &<< count }
    @inline(__always) func shiftRight(_ a: Int32, _ count: Int32) -> Int32 { a &>> count }
    @inline(__always) func equal(_ a: Int32, _ b: Int32) -> Bool { a == b }
    @inline(__always) func less(_ a: Int32, _ b: Int32) -> Bool { a < b }
    @inline(__always) func select(_ mask: Bool, _ a: Int32, _ b: Int32) -> Int32 { mask ? a : b }

    @inline(__always) func and(_ a: Bool, _ b: Bool) -> Bool { a && b }
    @inline(__always) func or(_ a: Bool, _ b: Bool) -> Bool { a || b }
    @inline(__always) func xor(_ a: Bool, _ b: Bool) -> Bool { a != b }
    @inline(__always) func not(_ a: Bool) -> Bool { !a }

    @inline(__always) func widen(_ a: Float) -> Double { Double(a) }
    @inline(__always) func narrow(_ a: Double) -> Float { Float(a) }
    @inline(__always) func add(_ a: Double, _ b: Double) -> Double { a + b }
    @inline(__always) func sub(_ a: Double, _ b: Double) -> Double { a - b }
    @inline(__always) func mul(_ a: Double, _ b: Double) -> Double { a * b }
    @inline(__always) func div(_ a: Double, _ b: Double) -> Double { a / b }
    @inline(__always) func fma(_ a: Double, _ b: Double, _ c: Double) -> Double { c.addingProduct(a, b) }
    @inline(__always) func roundEven(_ a: Double) -> Double { a.rounded(.toNearestOrEven) }
    @inline(__always) func less(_ a: Double, _ b: Double) -> Bool { a < b }
    @inline(__always) func isNaN(_ a: Double) -> Bool { a.isNaN }
    @inline(__always) func select(_ mask: Bool, _ a: Double, _ b: Double) -> Double { mask ? a : b }
    @inline(__always) func integer(_ a: Double) -> Int32 { Int32(a) }

    @inline(__always)
    func rarely(_ mask: Bool, input: Float, _ compute: (Float) -> (Int32, Float, Float),
                otherwise: (Int32, Float, Float)) -> (Int32, Float, Float) {
        mask ? compute(input) : otherwise
    }
}
