// ImageByteReader / ImageByteWriter: little-endian binary parsing and building for EXR and NPY.

import Foundation

/// Reads little-endian values from a byte array, throwing a "truncated" `ImageIOError`
/// (naming the file) instead of reading past the end.
struct ImageByteReader {
    let bytes: [UInt8]
    let fileName: String
    /// Position of the next byte to read.
    var offset: Int = 0

    init(bytes: [UInt8], fileName: String, offset: Int = 0) {
        self.bytes = bytes
        self.fileName = fileName
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    /// Throws unless `count` more bytes are available; `what` names the expected content.
    func require(_ count: Int, for what: String) throws {
        guard count >= 0, count <= remaining else {
            throw ImageIOError(fileName: fileName,
                               reason: "file is truncated (\(what) needs \(count) bytes at offset "
                                   + "\(offset), file has \(bytes.count))")
        }
    }

    mutating func readBytes(_ count: Int, for what: String) throws -> ArraySlice<UInt8> {
        try require(count, for: what)
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    mutating func readUInt8(for what: String) throws -> UInt8 {
        try require(1, for: what)
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt16(for what: String) throws -> UInt16 {
        UInt16(truncatingIfNeeded: try readUnsigned(2, for: what))
    }

    mutating func readUInt32(for what: String) throws -> UInt32 {
        UInt32(truncatingIfNeeded: try readUnsigned(4, for: what))
    }

    mutating func readInt32(for what: String) throws -> Int32 {
        Int32(bitPattern: try readUInt32(for: what))
    }

    mutating func readUInt64(for what: String) throws -> UInt64 {
        try readUnsigned(8, for: what)
    }

    mutating func readFloat32(for what: String) throws -> Float {
        Float(bitPattern: try readUInt32(for: what))
    }

    /// A NUL-terminated string of at most `maxLength` bytes (terminator excluded).
    mutating func readCString(maxLength: Int, for what: String) throws -> String {
        let start = offset
        while true {
            let byte = try readUInt8(for: what)
            if byte == 0 { break }
            guard offset - start <= maxLength else {
                throw ImageIOError(fileName: fileName,
                                   reason: "\(what) is longer than \(maxLength) bytes")
            }
        }
        return String(decoding: bytes[start..<offset - 1], as: UTF8.self)
    }

    private mutating func readUnsigned(_ size: Int, for what: String) throws -> UInt64 {
        try require(size, for: what)
        var value: UInt64 = 0
        for index in 0..<size {
            value |= UInt64(bytes[offset + index]) << (8 * UInt64(index))
        }
        offset += size
        return value
    }
}

/// Appends little-endian values to a growing byte array.
struct ImageByteWriter {
    var bytes: [UInt8] = []

    mutating func append(_ byte: UInt8) { bytes.append(byte) }
    mutating func append<S: Sequence>(contentsOf other: S) where S.Element == UInt8 {
        bytes.append(contentsOf: other)
    }
    mutating func appendUInt16(_ value: UInt16) { appendUnsigned(UInt64(value), size: 2) }
    mutating func appendUInt32(_ value: UInt32) { appendUnsigned(UInt64(value), size: 4) }
    mutating func appendInt32(_ value: Int32) { appendUInt32(UInt32(bitPattern: value)) }
    mutating func appendUInt64(_ value: UInt64) { appendUnsigned(value, size: 8) }
    mutating func appendFloat32(_ value: Float) { appendUInt32(value.bitPattern) }

    /// The UTF-8 bytes of `text` followed by a NUL terminator.
    mutating func appendCString(_ text: String) {
        bytes.append(contentsOf: Array(text.utf8))
        bytes.append(0)
    }

    private mutating func appendUnsigned(_ value: UInt64, size: Int) {
        for index in 0..<size {
            bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))))
        }
    }
}
