// SRGBTransfer: the exact sRGB transfer curve (IEC 61966-2-1) between encoded and linear values.

import Foundation

/// The sRGB transfer function, evaluated in `Double` and rounded once to `Float`.
public enum SRGBTransfer {
    /// Encoded sRGB value -> linear: `c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055)^2.4`.
    public static func linear(fromEncoded value: Float) -> Float {
        let c = Double(value)
        if c <= 0.04045 { return Float(c / 12.92) }
        return Float(pow((c + 0.055) / 1.055, 2.4))
    }

    /// Linear value -> encoded sRGB: `c <= 0.0031308 ? 12.92 c : 1.055 c^(1/2.4) - 0.055`.
    public static func encoded(fromLinear value: Float) -> Float {
        let c = Double(value)
        if c <= 0.0031308 { return Float(12.92 * c) }
        return Float(1.055 * pow(c, 1.0 / 2.4) - 0.055)
    }
}
