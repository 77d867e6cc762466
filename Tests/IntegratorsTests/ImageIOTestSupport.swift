// Helpers for the image I/O tests: temporary folders, sample bitmaps, a tiny PNG builder, paths.

import Foundation
import Testing
@testable import Integrators

/// A fresh temporary directory, removed when the value goes away.
final class ImageTestDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("refract-io-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Names of the entries currently in the directory.
    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }
}

/// The error `body` throws, failing the test if it throws nothing or something else.
func imageError(_ body: () throws -> Void) -> ImageIOError? {
    do {
        try body()
        Issue.record("expected an ImageIOError")
    } catch let error as ImageIOError {
        return error
    } catch {
        Issue.record("expected an ImageIOError, got \(error)")
    }
    return nil
}

enum ImageIOFixtures {
    /// A bitmap whose samples are `k/255` (k varying with position and channel), sRGB-encoded.
    static func byteGrid(width: Int, height: Int, channels: Int) -> Bitmap {
        var bitmap = Bitmap(width: width, height: height, channelCount: channels, isSRGB: true)
        for row in 0..<height {
            for column in 0..<width {
                for channel in 0..<channels {
                    let k = (row * 37 + column * 11 + channel * 71) % 256
                    bitmap[row, column, channel] = Float(k) / 255
                }
            }
        }
        return bitmap
    }

    /// A linear bitmap with a wide range of values (negative, tiny, > 1) for EXR/NPY.
    static func linearRamp(width: Int, height: Int, channels: Int) -> Bitmap {
        var bitmap = Bitmap(width: width, height: height, channelCount: channels)
        for index in bitmap.pixels.indices {
            bitmap.pixels[index] = Float(index % 97) * 0.173 - 2.5 + Float(index) * 1e-3
        }
        return bitmap
    }

    /// The repository's sibling `shared/tutorial` folder (the test file's real path, up to
    /// the repository root, then `../shared/tutorial`), following a symlinked test file.
    static var tutorialDirectory: URL {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent() // -> Tests/IntegratorsTests
            .deletingLastPathComponent() // -> Tests
            .deletingLastPathComponent() // -> repository root
            .deletingLastPathComponent() // -> the folder holding the repository and shared/
            .appendingPathComponent("shared/tutorial", isDirectory: true)
    }

    static var tutorialAssetsPresent: Bool {
        FileManager.default.fileExists(atPath: tutorialDirectory.appendingPathComponent("image_001.png").path)
            && FileManager.default.fileExists(
                atPath: tutorialDirectory.appendingPathComponent("checker_texture.npy").path)
    }
}

/// Builds PNG files byte by byte (stored deflate blocks, hand-computed CRC and Adler-32), so the
/// reader is tested against files its own encoder did not make: palettes, tRNS, low bit depths.
enum HandMadePNG {
    /// A PNG with the given IHDR fields, optional PLTE / tRNS payloads and raw (unfiltered)
    /// scanline bytes, each row prefixed here with filter type 0.
    static func file(width: Int, height: Int, bitDepth: UInt8, colorType: UInt8,
                     palette: [UInt8]? = nil, transparency: [UInt8]? = nil,
                     rows: [[UInt8]]) -> Data {
        var header: [UInt8] = []
        header += bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [bitDepth, colorType, 0, 0, 0]
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        bytes += chunk("IHDR", header)
        if let palette { bytes += chunk("PLTE", palette) }
        if let transparency { bytes += chunk("tRNS", transparency) }
        bytes += chunk("IDAT", zlibStored(rows.flatMap { [0] + $0 }))
        bytes += chunk("IEND", [])
        return Data(bytes)
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    static func chunk(_ type: String, _ payload: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + payload
        return bigEndian(UInt32(payload.count)) + typed + bigEndian(crc32(typed))
    }

    /// A zlib stream made of stored (uncompressed) deflate blocks.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var start = 0
        repeat {
            let end = min(start + 65535, data.count)
            let length = UInt16(end - start)
            out.append(end == data.count ? 1 : 0)
            out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
            out += data[start..<end]
            start = end
        } while start < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return out + bigEndian(b << 16 | a)
    }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
