// JPEGCodec: JPEG reading (8-bit gray/RGB) and writing (gray/RGB, quality 1-100) via libjpeg.

import CImageCodecs
import Foundation

/// Reads and writes JPEG through CImageCodecs (libjpeg).
enum JPEGCodec {
    /// Decodes a gray or RGB JPEG to value / 255 with `isSRGB == true`; CMYK is rejected.
    static func decode(_ data: Data, fileName: String) throws -> Bitmap {
        try NativeCodecBridge.decode(data, fileName: fileName, with: imagecodec_jpeg_decode)
    }

    /// Encodes a gray (1 channel) or RGB (3 channel) bitmap, quantized per `encoding`.
    static func encode(_ bitmap: Bitmap, encoding: IntegerEncoding, quality: Int,
                       fileName: String) throws -> Data {
        guard bitmap.channelCount == 1 || bitmap.channelCount == 3 else {
            throw ImageIOError(fileName: fileName,
                               reason: "JPEG holds gray (1 channel) or RGB (3 channels), bitmap has "
                                   + "\(bitmap.channelCount); use droppingAlpha() first")
        }
        guard bitmap.width > 0, bitmap.height > 0 else {
            throw ImageIOError(fileName: fileName,
                               reason: "cannot write an empty \(bitmap.width)x\(bitmap.height) JPEG")
        }
        let samples = NativeCodecBridge.quantized(bitmap, encoding: encoding, maxValue: 255)
            .map { UInt8($0) }
        var buffer = imagecodec_buffer()
        try NativeCodecBridge.check(fileName: fileName) { message, capacity in
            imagecodec_jpeg_encode(samples, UInt32(bitmap.width), UInt32(bitmap.height),
                                   UInt32(bitmap.channelCount), Int32(clamping: quality), &buffer,
                                   message, capacity)
        }
        return NativeCodecBridge.takeData(buffer)
    }
}
