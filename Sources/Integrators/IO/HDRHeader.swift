// HDRHeader: the text header of a Radiance RGBE (.hdr) file: magic, FORMAT line and resolution line.

/// The header of a Radiance picture as stb_image reads it (and so Mitsuba 3.9.1's `Bitmap::read_rgbe`):
/// a `#?RADIANCE` or `#?RGBE` line, variable lines up to an empty line (one of them must be
/// `FORMAT=32-bit_rle_rgbe`), then the resolution line `-Y height +X width` (rows top to bottom, columns left to
/// right). Lines end with `\n`; a `\r` before it is dropped.
struct HDRHeader {
    /// Columns and rows of the picture.
    let width: Int, height: Int
    /// Offset of the first scanline byte.
    let dataOffset: Int

    /// The largest width or height accepted (stb_image's `STBI_MAX_DIMENSIONS`).
    static let maximumDimension = 1 << 24

    /// Parses the header at the start of `bytes`; throws an `ImageIOError` naming `fileName` and what was expected.
    static func parse(_ bytes: UnsafeRawBufferPointer, fileName: String) throws -> HDRHeader {
        func failure(_ reason: String) -> ImageIOError { ImageIOError(fileName: fileName, reason: reason) }
        var offset = 0
        // The next line without its end, or nil at the end of the bytes (a header is never the whole file).
        func nextLine() -> String? {
            guard offset < bytes.count else { return nil }
            let start = offset
            while offset < bytes.count, bytes[offset] != UInt8(ascii: "\n") { offset += 1 }
            guard offset < bytes.count else { return nil }
            var end = offset
            offset += 1
            if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }

        guard let magic = nextLine(), magic == "#?RADIANCE" || magic == "#?RGBE" else {
            throw failure("not a Radiance HDR file (bad signature; expected a first line #?RADIANCE or #?RGBE)")
        }
        var format: String?
        while true {
            guard let line = nextLine() else {
                throw failure("file is truncated (the header ends before the empty line that closes it)")
            }
            if line.isEmpty { break }
            if line.hasPrefix("FORMAT=") { format = String(line.dropFirst("FORMAT=".count)) }
        }
        guard let format else {
            throw failure("the header has no FORMAT line; expected FORMAT=32-bit_rle_rgbe")
        }
        guard format == "32-bit_rle_rgbe" else {
            let hint = format == "32-bit_rle_xyze" ? " (XYZE pictures are not supported)" : ""
            throw failure("unsupported FORMAT=\(format)\(hint); expected FORMAT=32-bit_rle_rgbe")
        }
        guard let resolution = nextLine() else {
            throw failure("file is truncated (no resolution line after the header)")
        }
        let fields = resolution.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 4, fields[0] == "-Y", fields[2] == "+X",
              let height = Int(fields[1]), let width = Int(fields[3]) else {
            let orientations: Set<Substring> = ["-Y", "+Y", "-X", "+X"]
            let other = fields.count == 4 && orientations.contains(fields[0]) && orientations.contains(fields[2])
                && Int(fields[1]) != nil && Int(fields[3]) != nil
            throw failure(other
                ? "unsupported orientation \"\(resolution)\"; expected the standard \"-Y height +X width\""
                : "bad resolution line \"\(resolution.prefix(80))\"; expected \"-Y height +X width\"")
        }
        guard (1...maximumDimension).contains(width), (1...maximumDimension).contains(height) else {
            throw failure("size \(width)x\(height) is out of range (1 to \(maximumDimension) per side)")
        }
        return HDRHeader(width: width, height: height, dataOffset: offset)
    }

    /// Whether scanlines may be new-style run-length encoded: Radiance encodes widths 8 to 32767 only, so
    /// stb_image reads other widths as flat pixels.
    var allowsRunLength: Bool { (8..<32768).contains(width) }

    /// The fewest data bytes that could hold the picture. A flat pixel takes 4 bytes. A run-length-encoded
    /// scanline takes a 4-byte tag, then for each of its 4 components at least one 2-byte run per 127 pixels.
    /// A file with fewer bytes is refused before anything is allocated, so a tiny file cannot claim a huge size.
    var minimumDataBytes: Int {
        allowsRunLength ? height * (4 + 4 * 2 * ((width + 126) / 127)) : height * width * 4
    }
}
