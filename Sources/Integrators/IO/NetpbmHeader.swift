// NetpbmHeader: the whitespace-separated text header of PPM, PGM and PFM files.

/// Reads the header tokens of a Netpbm-style file (PPM, PGM, PFM): words separated by whitespace, `#` comments
/// to the end of the line skipped, and exactly one whitespace byte after the last token, where the binary data
/// starts.
struct NetpbmHeader {
    /// The tokens read, in order.
    let tokens: [String]
    /// Where the binary data starts.
    let dataOffset: Int

    /// Reads `count` tokens from the start of `bytes`; throws an `ImageIOError` naming `fileName` when the file
    /// ends first or a token is implausibly long.
    init(_ bytes: [UInt8], count: Int, fileName: String) throws {
        var tokens: [String] = []
        var offset = 0
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
        while tokens.count < count {
            guard offset < bytes.count else {
                throw ImageIOError(fileName: fileName, reason: "the header ends after \(tokens.count) of \(count) fields")
            }
            if isSpace(bytes[offset]) { offset += 1; continue }
            if bytes[offset] == UInt8(ascii: "#") {
                while offset < bytes.count && bytes[offset] != 0x0A { offset += 1 }
                continue
            }
            let start = offset
            while offset < bytes.count && !isSpace(bytes[offset]) { offset += 1 }
            guard offset - start <= 64 else {
                throw ImageIOError(fileName: fileName, reason: "header field \(tokens.count + 1) is not a number or tag")
            }
            tokens.append(String(decoding: bytes[start..<offset], as: UTF8.self))
        }
        guard offset < bytes.count else {
            throw ImageIOError(fileName: fileName, reason: "file is truncated (no pixel data after the header)")
        }
        self.tokens = tokens
        dataOffset = offset + 1
    }

    /// Token `index` as a positive integer at most `limit`, or an error naming `what`.
    func positiveInteger(_ index: Int, _ what: String, limit: Int, fileName: String) throws -> Int {
        guard let value = Int(tokens[index]), value > 0, value <= limit else {
            throw ImageIOError(fileName: fileName, reason: "the \(what) \"\(tokens[index])\" is not a whole number "
                               + "from 1 to \(limit)")
        }
        return value
    }
}
