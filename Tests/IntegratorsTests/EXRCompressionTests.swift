// PIZ and RLE decoding against files OpenEXR wrote (Fixtures/EXR, made by make_exr_fixtures.py): value for value
// against uncompressed twins or known pixels, and corrupt or truncated chunks as thrown errors.

import Foundation
import Testing
@testable import Integrators

@Suite("EXR PIZ and RLE decoding")
struct EXRCompressionTests {
    static func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/EXR/\(name)")
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: fixture(name)))
    }

    /// The `compression` attribute's value in a file's header.
    static func compressionCode(_ bytes: [UInt8]) -> UInt8? {
        guard let range = bytes.firstRange(of: Array("compression\0compression\0".utf8)) else { return nil }
        return bytes[range.upperBound + 4]
    }

    /// Where the first chunk (line 0) starts: the first entry of the offset table that follows the header.
    static func firstChunkOffset(_ bytes: [UInt8]) -> Int {
        var position = 8
        while bytes[position] != 0 {
            let nameEnd = bytes[position...].firstIndex(of: 0)!
            let typeEnd = bytes[(nameEnd + 1)...].firstIndex(of: 0)!
            let size = bytes[(typeEnd + 1)..<(typeEnd + 5)].reversed().reduce(0) { $0 << 8 | Int($1) }
            position = typeEnd + 5 + size
        }
        return bytes[(position + 1)..<(position + 9)].reversed().reduce(0) { $0 << 8 | Int($1) }
    }

    static func littleEndian(_ value: Int32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    /// Each channel's values as bit patterns, so NaN compares equal to itself.
    static func bitPatterns(_ image: EXRImage) -> [String: [UInt32]] {
        Dictionary(uniqueKeysWithValues: image.channels.map { ($0.name, $0.values.map(\.bitPattern)) })
    }

    /// The error decoding `bytes` throws, failing the test if it throws nothing or something else.
    static func decodingError(_ bytes: [UInt8], fileName: String) -> ImageIOError? {
        imageError { _ = try EXRImage(data: Data(bytes), fileName: fileName) }
    }

    static let twins: [(compressed: String, code: UInt8, uncompressed: String)] = [
        ("piz_half_rgb.exr", 4, "none_half_rgb.exr"), ("rle_half_rgb.exr", 1, "none_half_rgb.exr"),
        ("piz_float_rgb.exr", 4, "none_float_rgb.exr"), ("piz_mixed.exr", 4, "none_mixed.exr"),
    ]

    @Test("PIZ and RLE files decode to exactly the pixels of their uncompressed twins", arguments: twins)
    func matchesUncompressedTwin(twin: (compressed: String, code: UInt8, uncompressed: String)) throws {
        let packed = try Self.bytes(twin.compressed), plain = try Self.bytes(twin.uncompressed)
        #expect(Self.compressionCode(packed) == twin.code)
        #expect(Self.compressionCode(plain) == 0)
        let decoded = try EXRImage(data: Data(packed), fileName: twin.compressed)
        let expected = try EXRImage(data: Data(plain), fileName: twin.uncompressed)
        #expect(decoded.width == expected.width && decoded.height == expected.height)
        #expect(decoded.channels.map(\.name) == expected.channels.map(\.name))
        #expect(Self.bitPatterns(decoded) == Self.bitPatterns(expected))
    }

    @Test("a PIZ RGB file reads as a Bitmap, the second chunk short and negative")
    func pizBitmap() throws {
        let bitmap = try Bitmap(contentsOf: Self.fixture("piz_half_rgb.exr"))
        #expect(bitmap.width == 37 && bitmap.height == 45 && bitmap.channelCount == 3)
        // G = sign * (0.25 + 3.5 (x + y) / 82) as a half: 0.25 at row 0, column 0; -(0.25 + 3.5 * 80 / 82) at row
        // 44, column 36.
        #expect(bitmap[0, 0, 1] == 0.25)
        #expect(abs(bitmap[44, 36, 1] + (0.25 + 3.5 * 80 / 82)) < 2e-3)
    }

    @Test("five distinct words (large, infinite and NaN halves): the 14-bit wavelet and a small table")
    func fewWords() throws {
        let words: [UInt16] = [0x6800, 0x6C00, 0x7BFF, 0x7C00, 0x7E00]
        let image = try EXRImage(contentsOf: Self.fixture("piz_few_words.exr"))
        #expect(image.width == 37 && image.height == 45)
        for (channel, name) in ["R", "G", "B"].enumerated() {
            let values = try #require(image[channel: name])
            let expected = (0..<45 * 37).map { index in
                HalfFloat.float(fromBits: words[(index / 37 / 4 + index % 37 / 5 + channel) % 5]).bitPattern
            }
            #expect(values.map(\.bitPattern) == expected, "channel \(name)")
        }
    }

    @Test("more than 2^14 distinct words in a chunk: the 16-bit wavelet")
    func manyWords() throws {
        let image = try EXRImage(contentsOf: Self.fixture("piz_many_words.exr"))
        #expect(image.width == 513 && image.height == 34)
        let expected = (0..<513 * 34).map { HalfFloat.float(fromBits: UInt16(0x0400 + $0)) }
        #expect(image[channel: "Y"] == expected)
    }

    @Test("constant and all-zero PIZ images (a one-value table; an empty bitmap)",
          arguments: [("piz_constant.exr", Float(0.5)), ("piz_zero.exr", 0)])
    func constant(file: String, value: Float) throws {
        let bitmap = try Bitmap(contentsOf: Self.fixture(file))
        #expect(bitmap.width == 37 && bitmap.height == 45 && bitmap.channelCount == 3)
        #expect(bitmap.pixels.allSatisfy { $0 == value })
    }

    @Test("every truncation of a PIZ chunk is an error naming the file and the chunk")
    func truncatedPizChunk() throws {
        var bytes = try Self.bytes("piz_half_rgb.exr")
        let chunk = Self.firstChunkOffset(bytes)
        let size = Int(bytes[chunk + 4]) | Int(bytes[chunk + 5]) << 8 | Int(bytes[chunk + 6]) << 16
        #expect(size > 1000 && size < 7104) // compressed (the raw chunk is 7104 bytes)
        let original = bytes
        for truncated in 0..<size {
            bytes.replaceSubrange(chunk + 4..<chunk + 8, with: Self.littleEndian(Int32(truncated)))
            let error = Self.decodingError(bytes, fileName: "piz_half_rgb.exr")
            #expect(error?.description.hasPrefix("piz_half_rgb.exr: PIZ_COMPRESSION chunk at line 0 "
                                                     + "(\(truncated) bytes): PIZ") == true,
                    "\(truncated) bytes: \(error?.description ?? "no error")")
        }
        #expect(try EXRImage(data: Data(original), fileName: "piz_half_rgb.exr").width == 37)
    }

    @Test("corrupt PIZ headers are named errors")
    func corruptPizHeaders() throws {
        let original = try Self.bytes("piz_half_rgb.exr")
        let data = Self.firstChunkOffset(original) + 8
        let minNonZero = Int(original[data]) | Int(original[data + 1]) << 8
        let maxNonZero = Int(original[data + 2]) | Int(original[data + 3]) << 8
        let huffman = data + 4 + (maxNonZero - minNonZero + 1)
        func reason(_ change: (inout [UInt8]) -> Void) -> String {
            var bytes = original
            change(&bytes)
            return Self.decodingError(bytes, fileName: "piz_half_rgb.exr")?.reason ?? "no error"
        }
        #expect(reason { $0[data + 3] = 0x20 }.contains("PIZ bitmap range")) // maxNonZero 8192 and more
        #expect(reason { $0[huffman + 3] = 0x7F }.contains("the Huffman block needs"))
        #expect(reason { $0.replaceSubrange(huffman + 8..<huffman + 12, with: [0xFF, 0xFF, 0xFF, 0xFF]) }
            .contains("PIZ Huffman symbol range")) // the highest symbol beyond 65536
        #expect(reason { $0[huffman + 4 + 15] = 0x40 }.contains("bits need")) // bit count beyond the block
    }

    @Test("flipped bytes in PIZ chunks decode or throw, never crash")
    func flippedBytes() throws {
        let original = try Self.bytes("piz_float_rgb.exr")
        let chunk = Self.firstChunkOffset(original)
        let size = Int(original[chunk + 4]) | Int(original[chunk + 5]) << 8
        var failures = 0
        for position in stride(from: chunk + 8, to: chunk + 8 + size, by: 3) {
            for mask: UInt8 in [0x01, 0x80, 0xFF] {
                var bytes = original
                bytes[position] ^= mask
                if (try? EXRImage(data: Data(bytes), fileName: "flipped.exr")) == nil { failures += 1 }
            }
        }
        #expect(failures > 0)
    }

    @Test("truncated or overlong RLE chunks are errors naming the chunk")
    func corruptRleChunk() throws {
        var bytes = try Self.bytes("rle_half_rgb.exr")
        let chunk = Self.firstChunkOffset(bytes)
        let size = Int(bytes[chunk + 4]) | Int(bytes[chunk + 5]) << 8
        bytes.replaceSubrange(chunk + 4..<chunk + 8, with: Self.littleEndian(Int32(size - 1)))
        let error = Self.decodingError(bytes, fileName: "rle.exr")
        #expect(error?.description.hasPrefix("rle.exr: RLE_COMPRESSION chunk at line 0 (\(size - 1) bytes): RLE")
                    == true, "\(error?.description ?? "no error")")

        var long = try Self.bytes("rle_half_rgb.exr")
        long[chunk + 8] = 0x7F // the first run now repeats 128 bytes
        #expect(Self.decodingError(long, fileName: "rle.exr")?.reason.contains("RLE data") == true)
    }

    @Test("RLE runs and literals expand as OpenEXR writes them")
    func rleExpansion() throws {
        // Two copies of 7 (count 1), then the literals 1, 2, 3 (count -3): five bytes, before predictor and interleave.
        let packed: [UInt8] = [1, 7, 0xFD, 1, 2, 3]
        let expanded: [UInt8] = [7, 7, 1, 2, 3]
        let expected = EXRZipCodec.deinterleaved(EXRZipCodec.unpredicted(expanded))
        #expect(try EXRRLECodec.decompress(packed[...], expectedCount: 5, fileName: "r.exr") == expected)
        for (bytes, count) in [(packed, 6), (packed, 4), ([0xFD, 1], 3)] as [([UInt8], Int)] {
            #expect(throws: ImageIOError.self) {
                try EXRRLECodec.decompress(bytes[...], expectedCount: count, fileName: "r.exr")
            }
        }
    }
}
