// PFMCodec: Portable Float Maps (.pfm: PF RGB, Pf gray), read and written as Mitsuba 3.9.1 does.

import Foundation

/// Reads and writes PFM images: a text header ("PF" for RGB or "Pf" for gray, width, height, and a scale whose
/// sign gives the byte order: negative little-endian), then 32-bit floats with the bottom row first. Values are
/// linear and multiplied by |scale| when it is not 1, as in Mitsuba 3.9.1's `read_pfm`. Written little-endian
/// with scale −1; an alpha channel is dropped and an sRGB-encoded bitmap linearised first.
enum PFMCodec {
    static func decode(_ data: Data, fileName: String) throws -> Bitmap {
        let bytes = [UInt8](data)
        let header = try NetpbmHeader(bytes, count: 4, fileName: fileName)
        let channels: Int
        switch header.tokens[0] {
        case "PF": channels = 3
        case "Pf": channels = 1
        default:
            throw ImageIOError(fileName: fileName, reason: "not a PFM file (it starts with "
                               + "\"\(header.tokens[0].prefix(8))\", expected PF or Pf)")
        }
        let width = try header.positiveInteger(1, "width", limit: 1 << 24, fileName: fileName)
        let height = try header.positiveInteger(2, "height", limit: 1 << 24, fileName: fileName)
        guard let scaleAndOrder = Float(header.tokens[3]), scaleAndOrder.isFinite, scaleAndOrder != 0 else {
            throw ImageIOError(fileName: fileName, reason: "the scale \"\(header.tokens[3])\" is not a nonzero number")
        }
        let count = width * height * channels
        let available = bytes.count - header.dataOffset
        guard count <= available / 4 else {
            throw ImageIOError(fileName: fileName, reason: "file is truncated (\(width)x\(height) pixels need "
                               + "\(count * 4) bytes, found \(available))")
        }
        let littleEndian = scaleAndOrder < 0
        let scale = abs(scaleAndOrder)
        var pixels = [Float](repeating: 0, count: count)
        let rowValues = width * channels
        for fileRow in 0..<height {
            let row = height - 1 - fileRow
            for index in 0..<rowValues {
                let at = header.dataOffset + (fileRow * rowValues + index) * 4
                let word = littleEndian
                    ? UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
                    : UInt32(bytes[at + 3]) | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at]) << 24
                let value = Float(bitPattern: word)
                pixels[row * rowValues + index] = scale == 1 ? value : value * scale
            }
        }
        return Bitmap(width: width, height: height, channelCount: channels, pixels: pixels)
    }

    /// "PF" for RGB and RGBA (alpha dropped), "Pf" for gray and gray + alpha.
    static func encode(_ bitmap: Bitmap, fileName: String) throws -> Data {
        guard bitmap.channelCount <= 4 else {
            throw ImageIOError(fileName: fileName, reason: "PFM holds gray or RGB images, not \(bitmap.channelCount) "
                               + "channels", isWriteFailure: true)
        }
        let linear = bitmap.linearized()
        let kept = linear.colorChannelCount
        var data = Data("\(kept == 1 ? "Pf" : "PF")\n\(bitmap.width) \(bitmap.height)\n-1\n".utf8)
        data.reserveCapacity(data.count + bitmap.width * bitmap.height * kept * 4)
        for row in stride(from: bitmap.height - 1, through: 0, by: -1) {
            for column in 0..<bitmap.width {
                for channel in 0..<kept {
                    let word = linear.pixels[(row * bitmap.width + column) * bitmap.channelCount + channel].bitPattern
                    data.append(contentsOf: [UInt8(word & 0xFF), UInt8(word >> 8 & 0xFF), UInt8(word >> 16 & 0xFF),
                                             UInt8(word >> 24)])
                }
            }
        }
        return data
    }
}
