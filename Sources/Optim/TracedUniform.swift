// Uniform random numbers generated inside a kernel, so that even a 268M-weight layer initialises in milliseconds.
import Tracer

/// A counter-based generator on traced arrays: element i of stream s under seed k is a hash of (k, s, i), mapped
/// to a float in [low, high). Deterministic, independent of threads and of the backend.
public enum TracedUniform {
    /// `count` numbers uniform in [low, high), evaluated into memory.
    public static func uniform(count: Int, seed: UInt64, stream: UInt32, from low: Float, to high: Float,
                               context: TraceContext = .current) -> FloatArray {
        let key0 = UInt32(truncatingIfNeeded: seed) ^ (stream &* 0x9e37_79b9)
        let key1 = UInt32(truncatingIfNeeded: seed >> 32) &+ stream &* 0x85eb_ca6b
        // Keys go in as kernel parameters: a new seed compiles nothing new.
        let index = UInt32Array.arange(count, context: context)
        let mixed = hash(hash(index ^ UInt32Array.opaque(key0, context: context)) &+ UInt32Array.opaque(key1, context: context))
        // 24 random bits -> [0, 1).
        let unit = FloatArray(mixed >> 8) * Float(0x1p-24)
        let result = unit * (high - low) + low
        result.eval()
        return result
    }

    /// A 32-bit integer hash with good avalanche (Wellons' lowbias32).
    static func hash(_ x: UInt32Array) -> UInt32Array {
        var h = x
        h = h ^ (h >> 16)
        h = h * UInt32(0x7feb_352d)
        h = h ^ (h >> 15)
        h = h * UInt32(0x846c_a68b)
        h = h ^ (h >> 16)
        return h
    }
}

extension UInt32Array {
    /// Wrapping addition.
    static func &+ (a: UInt32Array, b: UInt32Array) -> UInt32Array { a + b }
}
