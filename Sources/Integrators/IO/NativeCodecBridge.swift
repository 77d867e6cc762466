// NativeCodecBridge: calls into CImageCodecs, turning its status codes into ImageIOError and its
// integer samples into Bitmaps (and back).

import CImageCodecs
import Foundation

/// Shared plumbing for the libpng / libjpeg / zlib wrappers in CImageCodecs.
enum NativeCodecBridge {
    /// Runs a C call that reports failure as a non-zero status plus a message, and throws an
    /// `ImageIOError` for `fileName` with that message when it fails.
    static func check(fileName: String,
                      _ call: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws {
        var message = [CChar](repeating: 0, count: Int(IMAGECODEC_MESSAGE_CAPACITY))
        let status = message.withUnsafeMutableBufferPointer { buffer in
            call(buffer.baseAddress!, buffer.count)
        }
        guard status == Int32(IMAGECODEC_OK) else {
            let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw ImageIOError(fileName: fileName,
                               reason: text.isEmpty ? "codec error \(status)" : text)
        }
    }

    /// Decodes `data` with a CImageCodecs decoder into a Bitmap with samples divided by
    /// 255 or 65535 and `isSRGB == true`.
    static func decode(
        _ data: Data, fileName: String,
        with decoder: (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<imagecodec_pixels>?,
                       UnsafeMutablePointer<CChar>?, Int) -> Int32
    ) throws -> Bitmap {
        var decoded = imagecodec_pixels()
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            try check(fileName: fileName) { message, capacity in
                decoder(bytes.baseAddress, bytes.count, &decoded, message, capacity)
            }
        }
        defer { imagecodec_free(decoded.samples) }
        let width = Int(decoded.width), height = Int(decoded.height)
        let channels = Int(decoded.channels)
        let count = width * height * channels
        var samples = [Float](repeating: 0, count: count)
        if count > 0, let source = decoded.samples {
            if decoded.bitDepth == 16 {
                let typed = source.assumingMemoryBound(to: UInt16.self)
                for index in 0..<count { samples[index] = Float(typed[index]) / 65535 }
            } else {
                let typed = source.assumingMemoryBound(to: UInt8.self)
                for index in 0..<count { samples[index] = Float(typed[index]) / 255 }
            }
        }
        return Bitmap(width: width, height: height, channelCount: channels, pixels: samples,
                      isSRGB: true)
    }

    /// The bitmap's samples prepared for an integer file: sRGB-encoded per `encoding`,
    /// clamped to [0, 1] (NaN -> 0), scaled by `maxValue` and rounded to nearest.
    static func quantized(_ bitmap: Bitmap, encoding: IntegerEncoding, maxValue: Float) -> [UInt32] {
        let source = encoding == .srgb ? bitmap.srgbEncoded() : bitmap
        let scale = Double(maxValue) // Double keeps 16-bit rounding exact
        return source.clamped().pixels.map { UInt32((Double($0) * scale).rounded()) }
    }

    /// Copies a malloc'd CImageCodecs buffer into `Data` and frees it.
    static func takeData(_ buffer: imagecodec_buffer) -> Data {
        defer { imagecodec_free(buffer.bytes) }
        guard let bytes = buffer.bytes, buffer.length > 0 else { return Data() }
        return Data(bytes: bytes, count: buffer.length)
    }
}
