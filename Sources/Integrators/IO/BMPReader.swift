// BMPReader: decodes uncompressed Windows bitmaps (.bmp) as Mitsuba 3.9.1 reads them, palettes applied.

import Foundation

/// Reads uncompressed BMP files (a BITMAPINFOHEADER or its V4/V5 extensions; 8-bit paletted, 24-bit BGR and
/// 32-bit BGRA pixels, rows bottom-up or top-down, each padded to 4 bytes) as sRGB-encoded values in [0, 1], the
/// way Mitsuba 3.9.1's `read_bmp` does. Mitsuba reads an 8-bit file's indices as gray levels; here the palette is
/// applied, which gives the same gray image for a gray palette and the right colours for others. Compressed files
/// (RLE, bit fields) and 1-, 4- and 16-bit pixels are refused with the reason.
enum BMPReader {
    static func decode(_ data: Data, fileName: String) throws -> Bitmap {
        var reader = ImageByteReader(bytes: [UInt8](data), fileName: fileName)
        func fail(_ reason: String) -> ImageIOError { ImageIOError(fileName: fileName, reason: reason) }
        guard try reader.readBytes(2, for: "the BMP signature").elementsEqual([0x42, 0x4D]) else {
            throw fail("not a BMP file (it does not start with \"BM\")")
        }
        _ = try reader.readBytes(8, for: "the BMP file header")
        let pixelOffset = Int(try reader.readUInt32(for: "the pixel data offset"))
        let headerSize = Int(try reader.readUInt32(for: "the BMP info header"))
        guard [40, 108, 124].contains(headerSize) else {
            throw fail("unsupported BMP info header of \(headerSize) bytes (expected 40, 108 or 124)")
        }
        let width = Int(try reader.readInt32(for: "the width"))
        let signedHeight = Int(try reader.readInt32(for: "the height"))
        let planes = try reader.readUInt16(for: "the plane count")
        let bitsPerPixel = Int(try reader.readUInt16(for: "the bit depth"))
        let compression = try reader.readUInt32(for: "the compression")
        _ = try reader.readBytes(12, for: "the BMP info header")
        let paletteCount = Int(try reader.readUInt32(for: "the palette size"))
        guard planes == 1, width > 0, signedHeight != 0, signedHeight != Int(Int32.min) else {
            throw fail("invalid BMP header (\(width)x\(signedHeight) pixels, \(planes) planes)")
        }
        guard compression == 0 else {
            throw fail("compressed BMP files (compression \(compression)) are not supported; expected uncompressed")
        }
        let channels: Int
        switch bitsPerPixel {
        case 8: channels = 1
        case 24: channels = 3
        case 32: channels = 4
        default: throw fail("\(bitsPerPixel)-bit BMP pixels are not supported (expected 8, 24 or 32)")
        }
        let height = abs(signedHeight)
        let rowBytes = (width * bitsPerPixel / 8 + 3) / 4 * 4
        let (size, overflow) = rowBytes.multipliedReportingOverflow(by: height)
        guard !overflow, pixelOffset >= 14 + headerSize, pixelOffset <= reader.bytes.count,
              size <= reader.bytes.count - pixelOffset else {
            throw fail("file is truncated (\(width)x\(height) pixels of \(bitsPerPixel) bits need \(rowBytes) x "
                       + "\(height) bytes from offset \(pixelOffset), the file has \(reader.bytes.count))")
        }
        // An 8-bit file's palette: BGRX entries after the info header (256 when the header says 0).
        var palette: [[Float]]? = nil
        if bitsPerPixel == 8 {
            reader.offset = 14 + headerSize
            let entries = paletteCount == 0 ? 256 : min(paletteCount, 256)
            if (pixelOffset - reader.offset) / 4 >= entries {
                palette = try (0..<entries).map { _ in
                    let bgrx = try reader.readBytes(4, for: "the palette")
                    return [bgrx[bgrx.startIndex + 2], bgrx[bgrx.startIndex + 1], bgrx[bgrx.startIndex]].map { Float($0) / 255 }
                }
            }
        }
        let isGray = palette.map { $0.enumerated().allSatisfy { $1 == [Float($0) / 255, Float($0) / 255, Float($0) / 255] } } ?? true
        let outputChannels = bitsPerPixel == 8 && !isGray ? 3 : channels
        var pixels = [Float](repeating: 0, count: width * height * outputChannels)
        let bytes = reader.bytes
        for fileRow in 0..<height {
            // Positive heights store the bottom row first.
            let row = signedHeight > 0 ? height - 1 - fileRow : fileRow
            let start = pixelOffset + fileRow * rowBytes
            for column in 0..<width {
                let out = (row * width + column) * outputChannels
                let at = start + column * channels
                switch channels {
                case 1 where outputChannels == 3:
                    let entry = Int(bytes[at])
                    guard let palette, entry < palette.count else {
                        throw fail("pixel (row \(row), column \(column)) uses palette entry \(entry), beyond the palette")
                    }
                    pixels[out] = palette[entry][0]; pixels[out + 1] = palette[entry][1]; pixels[out + 2] = palette[entry][2]
                case 1:
                    pixels[out] = Float(bytes[at]) / 255
                default:
                    // Stored B, G, R (, A).
                    pixels[out] = Float(bytes[at + 2]) / 255
                    pixels[out + 1] = Float(bytes[at + 1]) / 255
                    pixels[out + 2] = Float(bytes[at]) / 255
                    if channels == 4 { pixels[out + 3] = Float(bytes[at + 3]) / 255 }
                }
            }
        }
        return Bitmap(width: width, height: height, channelCount: outputChannels, pixels: pixels, isSRGB: true)
    }
}
