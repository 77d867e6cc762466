// HalfFloat: IEEE 754 binary16 <-> Float bit conversion (round to nearest even, inf/NaN/denormals).

/// Converts between `Float` and the 16-bit IEEE 754 half-precision bit pattern used by EXR files.
///
/// Written with integer operations so that it behaves identically on every platform,
/// including those where Swift's `Float16` is unavailable.
public enum HalfFloat {
    /// The half-precision bit pattern nearest to `value`, ties to even.
    ///
    /// Values beyond the largest finite half (65504, more precisely from 65520 up) become
    /// infinity, values below half the smallest denormal (2^-25) become a signed zero,
    /// and NaN stays a quiet NaN that keeps the sign and the top payload bits.
    public static func bits(from value: Float) -> UInt16 {
        let pattern = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: (pattern >> 16) & 0x8000)
        let floatExponent = Int((pattern >> 23) & 0xFF)
        let mantissa = pattern & 0x7F_FFFF

        if floatExponent == 0xFF {
            if mantissa == 0 { return sign | 0x7C00 }
            return sign | 0x7E00 | UInt16(truncatingIfNeeded: mantissa >> 13)
        }
        let exponent = floatExponent - 127 + 15
        if exponent >= 0x1F { return sign | 0x7C00 }
        if exponent <= 0 {
            // Denormal half (or zero): shift the 24-bit significand into 10 bits, rounding.
            let shift = 14 - exponent
            if shift >= 25 { return sign }
            let significand = mantissa | 0x80_0000
            return sign | roundedShift(significand, by: UInt32(shift))
        }
        let truncated = UInt32(exponent << 10) | (mantissa >> 13)
        let remainder = mantissa & 0x1FFF
        let roundsUp = remainder > 0x1000 || (remainder == 0x1000 && truncated & 1 == 1)
        // A carry out of the mantissa correctly bumps the exponent (up to infinity).
        return sign | UInt16(truncatingIfNeeded: truncated + (roundsUp ? 1 : 0))
    }

    /// The exact `Float` value of a half-precision bit pattern (every half is representable).
    public static func float(fromBits bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            let magnitude = Float(mantissa) * 0x1p-24
            return Float(bitPattern: sign | magnitude.bitPattern)
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }

    /// `value >> shift` rounded to nearest, ties to even (shift in 1...24).
    private static func roundedShift(_ value: UInt32, by shift: UInt32) -> UInt16 {
        let truncated = value >> shift
        let remainder = value & ((1 << shift) - 1)
        let halfway: UInt32 = 1 << (shift - 1)
        let roundsUp = remainder > halfway || (remainder == halfway && truncated & 1 == 1)
        return UInt16(truncatingIfNeeded: truncated + (roundsUp ? 1 : 0))
    }
}
