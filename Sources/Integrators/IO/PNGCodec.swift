// PNGCodec: PNG reading (8/16-bit, any color type) and writing (8/16-bit, 1-4 channels) via libpng.

import CImageCodecs
import Foundation

/// Reads and writes PNG through CImageCodecs (libpng).
enum PNGCodec {
    /// Decodes a PNG: gray, gray + alpha, RGB or RGBA; palette and tRNS become RGB(A), low bit
    /// depths are expanded, samples become value / maxValue with `isSRGB == true`.
    static func decode(_ data: Data, fileName: String) throws -> Bitmap {
        try NativeCodecBridge.decode(data, fileName: fileName, with: imagecodec_png_decode)
    }

    /// Encodes 1-4 channels at `bitDepth`, quantized per `encoding`.
    static func encode(_ bitmap: Bitmap, encoding: IntegerEncoding, bitDepth: PNGBitDepth,
                       fileName: String) throws -> Data {
        guard (1...4).contains(bitmap.channelCount) else {
            throw ImageIOError(fileName: fileName,
                               reason: "PNG holds 1 to 4 channels (gray, gray+alpha, RGB, RGBA), "
                                   + "bitmap has \(bitmap.channelCount)")
        }
        guard bitmap.width > 0, bitmap.height > 0 else {
            throw ImageIOError(fileName: fileName,
                               reason: "cannot write an empty \(bitmap.width)x\(bitmap.height) PNG")
        }
        var buffer = imagecodec_buffer()
        switch bitDepth {
        case .eight:
            let samples = NativeCodecBridge.quantized(bitmap, encoding: encoding, maxValue: 255)
                .map { UInt8($0) }
            try encodeSamples(samples, bitmap, bitDepth: 8, into: &buffer, fileName: fileName)
        case .sixteen:
            let samples = NativeCodecBridge.quantized(bitmap, encoding: encoding, maxValue: 65535)
                .map { UInt16($0) }
            try encodeSamples(samples, bitmap, bitDepth: 16, into: &buffer, fileName: fileName)
        }
        return NativeCodecBridge.takeData(buffer)
    }

    private static func encodeSamples<Sample>(_ samples: [Sample], _ bitmap: Bitmap,
                                              bitDepth: UInt32, into buffer: inout imagecodec_buffer,
                                              fileName: String) throws {
        try samples.withUnsafeBytes { raw in
            try NativeCodecBridge.check(fileName: fileName) { message, capacity in
                imagecodec_png_encode(raw.baseAddress, UInt32(bitmap.width), UInt32(bitmap.height),
                                      UInt32(bitmap.channelCount), bitDepth, &buffer,
                                      message, capacity)
            }
        }
    }
}
