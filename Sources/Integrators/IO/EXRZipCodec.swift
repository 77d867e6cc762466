// EXRZipCodec: OpenEXR ZIP/ZIPS chunk coding: byte interleave + delta predictor + zlib.

import CImageCodecs
import Foundation

/// The ZIP compressor of OpenEXR (ImfZip.cpp): the chunk's bytes are split into even- and
/// odd-indexed halves, delta-encoded (`d = b[i] - b[i-1] + 128`, mod 256) and deflated.
enum EXRZipCodec {
    /// Interleaves, predicts and deflates `raw` (one chunk of scanline data).
    static func compress(_ raw: [UInt8], fileName: String) throws -> [UInt8] {
        let prepared = predicted(interleaved(raw))
        var buffer = imagecodec_buffer()
        try NativeCodecBridge.check(fileName: fileName) { message, capacity in
            imagecodec_zlib_compress(prepared, prepared.count, -1, &buffer, message, capacity)
        }
        defer { imagecodec_free(buffer.bytes) }
        guard let bytes = buffer.bytes else { return [] }
        return Array(UnsafeBufferPointer(start: bytes, count: buffer.length))
    }

    /// Inflates a chunk that must expand to `expectedCount` bytes and undoes the predictor and
    /// interleave.
    static func decompress(_ packed: ArraySlice<UInt8>, expectedCount: Int,
                           fileName: String) throws -> [UInt8] {
        var inflated = [UInt8](repeating: 0, count: expectedCount)
        let source = Array(packed)
        try inflated.withUnsafeMutableBufferPointer { destination in
            try NativeCodecBridge.check(fileName: fileName) { message, capacity in
                imagecodec_zlib_decompress(source, source.count, destination.baseAddress,
                                           destination.count, message, capacity)
            }
        }
        return deinterleaved(unpredicted(inflated))
    }

    /// First half: bytes 0, 2, 4, ...; second half: bytes 1, 3, 5, ...
    static func interleaved(_ bytes: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: bytes.count)
        let secondHalf = (bytes.count + 1) / 2
        for index in bytes.indices {
            result[index % 2 == 0 ? index / 2 : secondHalf + index / 2] = bytes[index]
        }
        return result
    }

    /// Inverse of `interleaved(_:)`.
    static func deinterleaved(_ bytes: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: bytes.count)
        let secondHalf = (bytes.count + 1) / 2
        for index in bytes.indices {
            result[index] = bytes[index % 2 == 0 ? index / 2 : secondHalf + index / 2]
        }
        return result
    }

    /// Replaces each byte after the first with `byte - previous + 128` (mod 256).
    static func predicted(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.count > 1 else { return bytes }
        var result = bytes
        for index in stride(from: bytes.count - 1, to: 0, by: -1) {
            result[index] = bytes[index] &- bytes[index - 1] &+ 128
        }
        return result
    }

    /// Inverse of `predicted(_:)`: running sum `b[i] = b[i-1] + d[i] - 128` (mod 256).
    static func unpredicted(_ bytes: [UInt8]) -> [UInt8] {
        var result = bytes
        for index in result.indices.dropFirst() {
            result[index] = result[index - 1] &+ result[index] &- 128
        }
        return result
    }
}
