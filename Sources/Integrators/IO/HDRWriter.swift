// HDRWriter: encodes a Bitmap as a Radiance RGBE (.hdr) file with flat scanlines.

import Foundation

/// Writes linear gray or RGB images as Radiance pictures that Radiance, stb_image and Mitsuba read.
enum HDRWriter {
    /// Encodes 1 (gray, written as R = G = B) or 3 (RGB) channels; an sRGB-encoded bitmap is linearized first,
    /// since RGBE holds linear values. Scanlines are flat (not run-length encoded): simpler, and every reader
    /// accepts them. Negative and NaN values become 0, values beyond RGBE's range its largest.
    static func encode(_ bitmap: Bitmap, fileName: String) throws -> Data {
        guard bitmap.channelCount == 1 || bitmap.channelCount == 3, bitmap.width > 0, bitmap.height > 0 else {
            throw ImageIOError(fileName: fileName,
                               reason: "Radiance HDR output holds gray or RGB pixels (1 or 3 channels, at least "
                                   + "1x1), bitmap is \(bitmap.width)x\(bitmap.height) with \(bitmap.channelCount)")
        }
        let linear = bitmap.linearized()
        var data = Data("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y \(bitmap.height) +X \(bitmap.width)\n".utf8)
        var body = [UInt8](repeating: 0, count: bitmap.width * bitmap.height * 4)
        let stride = bitmap.channelCount
        for pixel in 0..<bitmap.width * bitmap.height {
            let base = pixel * stride
            let rgb = stride == 1
                ? (linear.pixels[base], linear.pixels[base], linear.pixels[base])
                : (linear.pixels[base], linear.pixels[base + 1], linear.pixels[base + 2])
            let rgbe = encode(rgb)
            for k in 0..<4 { body[pixel * 4 + k] = rgbe[k] }
        }
        data.append(contentsOf: body)
        return data
    }

    /// One pixel as stb_image_write's `stbiw__linear_to_rgbe`: with maximum = m * 2^e (m in [0.5, 1)), each
    /// mantissa is floor(value * 256 / 2^e) and the exponent byte e + 128; a maximum under 1e-32 is black.
    static func encode(_ rgb: (Float, Float, Float)) -> [UInt8] {
        func clean(_ value: Float) -> Float { value.isNaN || value < 0 ? 0 : min(value, .greatestFiniteMagnitude) }
        let (r, g, b) = (clean(rgb.0), clean(rgb.1), clean(rgb.2))
        let maximum = max(r, g, b)
        guard maximum >= 1e-32 else { return [0, 0, 0, 0] }
        let exponent = Int(maximum.exponent) + 1
        guard exponent <= 127 else { return [255, 255, 255, 255] }
        let normalize = Float(sign: .plus, exponent: 8 - exponent, significand: 1)
        return [UInt8(min(255, r * normalize)), UInt8(min(255, g * normalize)), UInt8(min(255, b * normalize)),
                UInt8(exponent + 128)]
    }
}
