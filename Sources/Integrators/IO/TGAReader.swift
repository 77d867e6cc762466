// TGAReader: decodes Truevision TGA images (.tga), raw or run-length encoded, as Mitsuba 3.9.1 reads them.

import Foundation

/// Reads TGA files as Mitsuba 3.9.1's `read_tga` does: 8-bit gray, 24-bit BGR or 32-bit BGRA pixels, raw (image
/// types 2, 3) or run-length encoded (10, 11), rows bottom-up unless the descriptor's bit 5 says top-down, as
/// sRGB-encoded values in [0, 1]. Colour-mapped files and other depths are refused with the reason.
enum TGAReader {
    static func decode(_ data: Data, fileName: String) throws -> Bitmap {
        var reader = ImageByteReader(bytes: [UInt8](data), fileName: fileName)
        func fail(_ reason: String) -> ImageIOError { ImageIOError(fileName: fileName, reason: reason) }
        let idLength = Int(try reader.readUInt8(for: "the TGA header"))
        let colorMapType = try reader.readUInt8(for: "the TGA header")
        let imageType = try reader.readUInt8(for: "the TGA header")
        guard colorMapType == 0 else { throw fail("colour-mapped (indexed) TGA files are not supported") }
        guard [2, 3, 10, 11].contains(imageType) else {
            throw fail("TGA image type \(imageType) is not supported (expected 2, 3, 10 or 11: gray or RGB[A], raw "
                       + "or run-length encoded)")
        }
        _ = try reader.readBytes(9, for: "the TGA header")
        let width = Int(try reader.readUInt16(for: "the width"))
        let height = Int(try reader.readUInt16(for: "the height"))
        let bitsPerPixel = Int(try reader.readUInt8(for: "the bit depth"))
        let descriptor = try reader.readUInt8(for: "the image descriptor")
        _ = try reader.readBytes(idLength, for: "the image id")
        let gray = imageType == 3 || imageType == 11
        let channels = bitsPerPixel / 8
        guard (gray && bitsPerPixel == 8) || (!gray && (bitsPerPixel == 24 || bitsPerPixel == 32)) else {
            throw fail("\(bitsPerPixel)-bit \(gray ? "gray" : "colour") TGA pixels are not supported (expected 8-bit "
                       + "gray, 24-bit RGB or 32-bit RGBA)")
        }
        guard width > 0, height > 0 else { throw fail("the image has no pixels (\(width)x\(height))") }
        let count = width * height * channels
        var stored: [UInt8]
        if imageType < 8 {
            stored = Array(try reader.readBytes(count, for: "\(width)x\(height) pixels"))
        } else {
            // A packet of at least two bytes gives at most 128 pixels: a header claiming more cannot allocate.
            guard width * height <= reader.remaining * 64 else {
                throw fail("file is truncated (\(width)x\(height) run-length encoded pixels cannot fit in "
                           + "\(reader.remaining) bytes)")
            }
            stored = []
            stored.reserveCapacity(count)
            while stored.count < count {
                let packet = try reader.readUInt8(for: "a run-length packet")
                let pixels = Int(packet & 0x7F) + 1
                guard stored.count + pixels * channels <= count else {
                    throw fail("a run-length packet runs past the end of the image")
                }
                if packet & 0x80 != 0 {
                    let value = try reader.readBytes(channels, for: "a run-length packet")
                    for _ in 0..<pixels { stored.append(contentsOf: value) }
                } else {
                    stored.append(contentsOf: try reader.readBytes(pixels * channels, for: "a raw packet"))
                }
            }
        }
        let topDown = descriptor & 0x20 != 0
        var output = [Float](repeating: 0, count: count)
        for fileRow in 0..<height {
            let row = topDown ? fileRow : height - 1 - fileRow
            for column in 0..<width {
                let from = (fileRow * width + column) * channels, to = (row * width + column) * channels
                if gray {
                    output[to] = Float(stored[from]) / 255
                    continue
                }
                output[to] = Float(stored[from + 2]) / 255
                output[to + 1] = Float(stored[from + 1]) / 255
                output[to + 2] = Float(stored[from]) / 255
                if channels == 4 { output[to + 3] = Float(stored[from + 3]) / 255 }
            }
        }
        return Bitmap(width: width, height: height, channelCount: channels, pixels: output, isSRGB: true)
    }
}
