// PPMCodec: binary Netpbm images (.ppm: P6 RGB and P5 gray, 8 or 16 bits), read and written as Mitsuba 3.9.1 does.

import Foundation

/// Reads and writes binary PPM (P6, RGB) and PGM (P5, gray) images with 8-bit (maximum value up to 255) or 16-bit
/// big-endian samples, as sRGB-encoded values in [0, 1] (value / maximum). Mitsuba 3.9.1 reads P6 and writes it
/// with 8 or 16 bits; it reads 16-bit samples in the machine's byte order, here they follow the format's
/// big-endian order.
enum PPMCodec {
    static func decode(_ data: Data, fileName: String) throws -> Bitmap {
        let bytes = [UInt8](data)
        let header = try NetpbmHeader(bytes, count: 4, fileName: fileName)
        let channels: Int
        switch header.tokens[0] {
        case "P6": channels = 3
        case "P5": channels = 1
        default:
            throw ImageIOError(fileName: fileName, reason: "not a binary PPM or PGM file (it starts with "
                               + "\"\(header.tokens[0].prefix(8))\", expected P6 or P5)")
        }
        let width = try header.positiveInteger(1, "width", limit: 1 << 24, fileName: fileName)
        let height = try header.positiveInteger(2, "height", limit: 1 << 24, fileName: fileName)
        let maximum = try header.positiveInteger(3, "maximum value", limit: 65535, fileName: fileName)
        let sampleBytes = maximum <= 255 ? 1 : 2
        let count = width * height * channels
        let available = bytes.count - header.dataOffset
        guard count <= available / sampleBytes else {
            throw ImageIOError(fileName: fileName, reason: "file is truncated (\(width)x\(height) pixels need "
                               + "\(count * sampleBytes) bytes, found \(available))")
        }
        let divisor = Float(maximum)
        let pixels = (0..<count).map { index -> Float in
            let at = header.dataOffset + index * sampleBytes
            let value = sampleBytes == 1 ? Int(bytes[at]) : Int(bytes[at]) << 8 | Int(bytes[at + 1])
            return Float(min(value, maximum)) / divisor
        }
        return Bitmap(width: width, height: height, channelCount: channels, pixels: pixels, isSRGB: true)
    }

    /// P6 for RGB (RGBA loses its alpha), P5 for gray, with 8 or 16 bits per sample.
    static func encode(_ bitmap: Bitmap, encoding: IntegerEncoding, sixteenBits: Bool, fileName: String) throws -> Data {
        let color: Bool
        switch bitmap.channelCount {
        case 1, 2: color = false
        case 3, 4: color = true
        default:
            throw ImageIOError(fileName: fileName, reason: "PPM holds gray or RGB images, not \(bitmap.channelCount) "
                               + "channels", isWriteFailure: true)
        }
        let maximum: Float = sixteenBits ? 65535 : 255
        let samples = NativeCodecBridge.quantized(bitmap, encoding: encoding, maxValue: maximum)
        var data = Data("\(color ? "P6" : "P5")\n\(bitmap.width) \(bitmap.height)\n\(Int(maximum))\n".utf8)
        let kept = color ? 3 : 1
        data.reserveCapacity(data.count + bitmap.width * bitmap.height * kept * (sixteenBits ? 2 : 1))
        for pixel in 0..<bitmap.width * bitmap.height {
            for channel in 0..<kept {
                let value = samples[pixel * bitmap.channelCount + channel]
                if sixteenBits { data.append(UInt8(value >> 8)) }
                data.append(UInt8(value & 0xFF))
            }
        }
        return data
    }
}
