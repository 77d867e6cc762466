// HDRReader: decodes Radiance RGBE (.hdr) scanlines, flat or run-length encoded, to a linear RGB Bitmap.

import Foundation

/// Reads Radiance pictures as Mitsuba 3.9.1 does (through stb_image): RGB float values, linear
/// (`isSRGB == false`), each pixel `mantissa * 2^(exponent - 136)` per channel and 0 where the exponent byte is 0.
/// Unlike stb_image, which reads missing bytes as zeros, a truncated file is an error.
enum HDRReader {
    /// Decodes a whole file.
    static func decode(_ data: Data, fileName: String) throws -> Bitmap {
        try data.withUnsafeBytes { bytes in
            let header = try HDRHeader.parse(bytes, fileName: fileName)
            let available = bytes.count - header.dataOffset
            guard available >= header.minimumDataBytes else {
                throw ImageIOError(fileName: fileName,
                                   reason: "file is truncated (a \(header.width)x\(header.height) picture needs at "
                                       + "least \(header.minimumDataBytes) data bytes, found \(available))")
            }
            var decoder = ScanlineDecoder(bytes: bytes, offset: header.dataOffset, width: header.width,
                                          fileName: fileName)
            var pixels = [Float](repeating: 0, count: header.width * header.height * 3)
            try pixels.withUnsafeMutableBufferPointer { output in
                for row in 0..<header.height {
                    let line = try decoder.scanline(row, runLengthAllowed: header.allowsRunLength)
                    for column in 0..<header.width {
                        convert(line[column * 4..<column * 4 + 4], into: output, at: (row * header.width + column) * 3)
                    }
                }
            }
            return Bitmap(width: header.width, height: header.height, channelCount: 3, pixels: pixels)
        }
    }

    /// stb_image's `stbi__hdr_convert`: the shared exponent scales the three 8-bit mantissas by
    /// 2^(e - 128 - 8); a zero exponent byte is black.
    static func convert(_ rgbe: ArraySlice<UInt8>, into output: UnsafeMutableBufferPointer<Float>, at index: Int) {
        let base = rgbe.startIndex
        let exponent = Int(rgbe[base + 3])
        guard exponent != 0 else {
            output[index] = 0; output[index + 1] = 0; output[index + 2] = 0
            return
        }
        let scale = Float(sign: .plus, exponent: exponent - 136, significand: 1)
        for channel in 0..<3 { output[index + channel] = Float(rgbe[base + channel]) * scale }
    }
}

/// Reads scanlines of RGBE bytes one after the other, into one reused buffer.
private struct ScanlineDecoder {
    let bytes: UnsafeRawBufferPointer
    var offset: Int
    let width: Int
    let fileName: String
    /// The current scanline: `width` pixels of 4 bytes (R, G, B, E).
    var line: [UInt8]

    init(bytes: UnsafeRawBufferPointer, offset: Int, width: Int, fileName: String) {
        self.bytes = bytes
        self.offset = offset
        self.width = width
        self.fileName = fileName
        line = [UInt8](repeating: 0, count: width * 4)
    }

    private func truncated(_ row: Int) -> ImageIOError {
        ImageIOError(fileName: fileName, reason: "file is truncated (scanline \(row) of \(width) pixels is incomplete)")
    }

    /// Scanline `row`. A new-style run-length-encoded scanline starts with 2, 2 and the width as a 15-bit
    /// big-endian number; anything else is flat pixels (a normalized RGBE pixel never starts that way, since one
    /// of its mantissas is 128 or more). Old-style runs (pixels 1, 1, 1, n) are read as pixels, as stb_image does.
    mutating func scanline(_ row: Int, runLengthAllowed: Bool) throws -> ArraySlice<UInt8> {
        if runLengthAllowed, offset + 4 <= bytes.count, bytes[offset] == 2, bytes[offset + 1] == 2,
           bytes[offset + 2] & 0x80 == 0 {
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length == width else {
                throw ImageIOError(fileName: fileName,
                                   reason: "scanline \(row) is encoded for width \(length); expected \(width)")
            }
            offset += 4
            try runLengthComponents(row)
        } else {
            guard bytes.count - offset >= width * 4 else { throw truncated(row) }
            line.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + width * 4])) }
            offset += width * 4
        }
        return line[...]
    }

    /// The four component planes of a run-length-encoded scanline: a count byte over 128 is a run of
    /// (count - 128) copies of the next byte, a count of 1 to 128 is that many literal bytes.
    private mutating func runLengthComponents(_ row: Int) throws {
        for component in 0..<4 {
            var column = 0
            while column < width {
                guard offset < bytes.count else { throw truncated(row) }
                let count = Int(bytes[offset])
                offset += 1
                let isRun = count > 128
                let length = isRun ? count - 128 : count
                guard length > 0, length <= width - column else {
                    throw ImageIOError(fileName: fileName,
                                       reason: "bad run-length data in scanline \(row) (a \(isRun ? "run" : "dump") "
                                           + "of \(length) at column \(column) of \(width))")
                }
                guard bytes.count - offset >= (isRun ? 1 : length) else { throw truncated(row) }
                for step in 0..<length {
                    line[(column + step) * 4 + component] = bytes[offset + (isRun ? 0 : step)]
                }
                offset += isRun ? 1 : length
                column += length
            }
        }
    }
}
