// Radiance RGBE (.hdr) reading: hand-made flat and run-length-encoded files, the writer's round trip, errors.

import Foundation
import Testing
@testable import Integrators

/// Builders of hand-made Radiance files.
enum HandMadeHDR {
    /// The header and resolution line of a `width` x `height` picture.
    static func header(width: Int, height: Int, magic: String = "#?RADIANCE", extra: String = "",
                       format: String = "32-bit_rle_rgbe", resolution: String? = nil) -> [UInt8] {
        Array("\(magic)\n\(extra)FORMAT=\(format)\n\n\(resolution ?? "-Y \(height) +X \(width)")\n".utf8)
    }

    /// stb_image's conversion of one RGBE pixel (`stbi__hdr_convert`), written out independently: each mantissa
    /// times ldexp(1, e - 136), zero when e is 0.
    static func stbValues(_ rgbe: [UInt8]) -> [Float] {
        guard rgbe[3] != 0 else { return [0, 0, 0] }
        let factor = Float(ldexp(1.0, Int32(rgbe[3]) - 136))
        return rgbe[0..<3].map { Float($0) * factor }
    }
}

@Suite("Radiance HDR reader")
struct HDRReaderTests {
    @Test("flat pixels decode as stb_image does, exponents 0, 1 and 255 included")
    func flat() throws {
        let pixels: [[UInt8]] = [[128, 64, 32, 129], [255, 255, 255, 128], [7, 9, 11, 0],
                                 [200, 100, 1, 140], [128, 0, 0, 1], [255, 1, 128, 255]]
        let data = Data(HandMadeHDR.header(width: 3, height: 2) + pixels.flatMap { $0 })
        let bitmap = try Bitmap(data: data, format: .hdr, fileName: "flat.hdr")
        #expect(bitmap.width == 3 && bitmap.height == 2 && bitmap.channelCount == 3 && !bitmap.isSRGB)
        #expect(bitmap.pixels == pixels.flatMap(HandMadeHDR.stbValues))
        #expect(Array(bitmap.pixels[0..<3]) == [1, 0.5, 0.25])
        #expect(bitmap.pixels[12] == Float(sign: .plus, exponent: -128, significand: 1)) // subnormal, exact
        #expect(bitmap.pixels[15] == 255 * Float(sign: .plus, exponent: 119, significand: 1))
    }

    @Test("new-style run-length scanlines: runs and dumps per component; #?RGBE and extra header lines")
    func runLength() throws {
        // Width 8: R is a run of 8; G a dump of 8; B a run of 3 then a dump of 5; E a run of 8.
        let line: [UInt8] = [2, 2, 0, 8,
                             128 + 8, 128,
                             8, 0, 16, 32, 48, 64, 80, 96, 255,
                             128 + 3, 10, 5, 1, 2, 3, 4, 5,
                             128 + 8, 131]
        let data = Data(HandMadeHDR.header(width: 8, height: 2, magic: "#?RGBE", extra: "# comment\nEXPOSURE=2\n")
            + line + line)
        let bitmap = try Bitmap(data: data, format: .hdr, fileName: "rle.hdr")
        let greens: [UInt8] = [0, 16, 32, 48, 64, 80, 96, 255], blues: [UInt8] = [10, 10, 10, 1, 2, 3, 4, 5]
        let row = (0..<8).flatMap { HandMadeHDR.stbValues([128, greens[$0], blues[$0], 131]) }
        #expect(bitmap.pixels == row + row)
        #expect(bitmap.pixels[0] == 4) // 128 * 2^(131 - 136)
    }

    @Test("a flat scanline after a run-length one, at a width that allows both, is read as pixels")
    func mixedScanlines() throws {
        let encoded: [UInt8] = [2, 2, 0, 8, 128 + 8, 128, 128 + 8, 0, 128 + 8, 0, 128 + 8, 129]
        let flatRow = (0..<8).flatMap { [UInt8(128 + $0), 3, 4, 130] as [UInt8] }
        let data = Data(HandMadeHDR.header(width: 8, height: 2) + encoded + flatRow)
        let bitmap = try Bitmap(data: data, format: .hdr, fileName: "mixed.hdr")
        let encodedValues: [Float] = Array(repeating: [1, 0, 0] as [Float], count: 8).flatMap { $0 }
        let flatPixels: [[UInt8]] = (0..<8).map { [UInt8(128 + $0), 3, 4, 130] }
        let flatValues: [Float] = flatPixels.flatMap(HandMadeHDR.stbValues)
        #expect(Array(bitmap.pixels[0..<24]) == encodedValues)
        #expect(Array(bitmap.pixels[24...]) == flatValues)
    }

    @Test("the writer's bytes read back as the stb formula says, within RGBE precision of the input")
    func roundTrip() throws {
        let values: [Float] = [0, 0, 0, 1, 0.5, 0.25, 1e-3, 2e-3, 3e-3, 1000, 1, 0.001, 3.75, 3.75, 3.75,
                               65504, 7, 0.1, -1, .nan, 2, Float.leastNormalMagnitude / 64, 0.3, 0.7, 12345.678, 0.015625, 8]
        let original = Bitmap(width: 3, height: 3, channelCount: 3, pixels: values)
        let data = try original.encodedData(format: .hdr)
        let decoded = try Bitmap(data: data, format: .hdr, fileName: "round.hdr")
        let body = [UInt8](data.suffix(9 * 4))
        let expected = (0..<9).flatMap { HandMadeHDR.stbValues(Array(body[$0 * 4..<$0 * 4 + 4])) }
        #expect(decoded.pixels == expected)
        for pixel in 0..<9 {
            let input = values[pixel * 3..<pixel * 3 + 3].map { $0.isNaN || $0 < 0 ? 0 : $0 }
            let maximum = input.max()!
            for channel in 0..<3 {
                // Each mantissa keeps 8 bits relative to the pixel's largest component.
                #expect(abs(decoded.pixels[pixel * 3 + channel] - input[channel]) <= maximum / 128,
                        "pixel \(pixel) channel \(channel)")
            }
        }
        let gray = Bitmap(width: 2, height: 1, channelCount: 1, pixels: [0.5, 4])
        let grayRead = try Bitmap(data: gray.encodedData(format: .hdr), format: .hdr, fileName: "gray.hdr")
        #expect(grayRead.pixels == [0.5, 0.5, 0.5, 4, 4, 4])
    }

    @Test("files are found by the .hdr extension (any case) and written atomically")
    func fileIO() throws {
        #expect(ImageFormat(fileExtension: "HDR") == .hdr)
        let folder = try ImageTestDirectory()
        let url = folder.file("env.hdr")
        let bitmap = Bitmap(width: 2, height: 2, channelCount: 3, pixels: [1, 2, 4, 0.5, 0.25, 0.125, 0, 0, 0, 8, 8, 8])
        try bitmap.write(to: url)
        #expect(try Bitmap(inputContentsOf: url) == bitmap)
        #expect(throws: ImageIOError.self) { try Bitmap(width: 1, height: 1, channelCount: 4).write(to: url) }
    }
}

@Suite("Radiance HDR reader errors")
struct HDRReaderErrorTests {
    /// The message of the error reading `bytes` as "bad.hdr" throws.
    private func message(_ bytes: [UInt8]) -> String {
        do {
            _ = try Bitmap(data: Data(bytes), format: .hdr, fileName: "bad.hdr")
            return "no error"
        } catch let error as ImageIOError {
            return error.description
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test("bad signatures, headers and resolution lines name the file and what was expected")
    func headers() {
        #expect(message(Array("#?RADIANCEX\n".utf8))
            == "bad.hdr: not a Radiance HDR file (bad signature; expected a first line #?RADIANCE or #?RGBE)")
        #expect(message(Array("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n".utf8))
            == "bad.hdr: file is truncated (the header ends before the empty line that closes it)")
        #expect(message(Array("#?RADIANCE\nEXPOSURE=1\n\n-Y 1 +X 1\n".utf8))
            == "bad.hdr: the header has no FORMAT line; expected FORMAT=32-bit_rle_rgbe")
        #expect(message(HandMadeHDR.header(width: 1, height: 1, format: "32-bit_rle_xyze") + [1, 1, 1, 1])
            == "bad.hdr: unsupported FORMAT=32-bit_rle_xyze (XYZE pictures are not supported); "
            + "expected FORMAT=32-bit_rle_rgbe")
        #expect(message(HandMadeHDR.header(width: 1, height: 1, resolution: "+Y 1 +X 1") + [1, 1, 1, 1])
            == "bad.hdr: unsupported orientation \"+Y 1 +X 1\"; expected the standard \"-Y height +X width\"")
        #expect(message(HandMadeHDR.header(width: 1, height: 1, resolution: "-Y one +X 1") + [1, 1, 1, 1])
            == "bad.hdr: bad resolution line \"-Y one +X 1\"; expected \"-Y height +X width\"")
        #expect(message(Array("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n".utf8))
            == "bad.hdr: file is truncated (no resolution line after the header)")
        #expect(message(HandMadeHDR.header(width: 0, height: 3))
            == "bad.hdr: size 0x3 is out of range (1 to 16777216 per side)")
    }

    @Test("a size the data cannot hold is refused before anything is allocated")
    func sizeBomb() {
        // Width 2^24 is too wide for run-length scanlines: flat, 4 bytes a pixel.
        #expect(message(HandMadeHDR.header(width: 1 << 24, height: 1 << 24) + [2, 2, 0, 8])
            == "bad.hdr: file is truncated (a 16777216x16777216 picture needs at least \(1 << 50) data bytes, found 4)")
        // Width 32767 may be run-length encoded: each scanline needs its tag and 4 x 259 runs of 2 bytes.
        #expect(message(HandMadeHDR.header(width: 32767, height: 1 << 24) + [2, 2, 0x7F, 0xFF])
            == "bad.hdr: file is truncated (a 32767x16777216 picture needs at least \((1 << 24) * 2076) data bytes, "
            + "found 4)")
        #expect(message(HandMadeHDR.header(width: 7, height: 2) + Array(repeating: 1, count: 55))
            == "bad.hdr: file is truncated (a 7x2 picture needs at least 56 data bytes, found 55)")
    }

    @Test("truncated and malformed scanlines are errors that name the scanline")
    func scanlines() {
        let flatRow = [UInt8](repeating: 200, count: 32)
        #expect(message(HandMadeHDR.header(width: 8, height: 2) + flatRow + [2, 2, 0, 8, 136, 1, 136, 1, 136, 1, 136])
            == "bad.hdr: file is truncated (scanline 1 of 8 pixels is incomplete)")
        #expect(message(HandMadeHDR.header(width: 8, height: 1) + [2, 2, 0, 9] + Array(repeating: 136, count: 8))
            == "bad.hdr: scanline 0 is encoded for width 9; expected 8")
        #expect(message(HandMadeHDR.header(width: 8, height: 1) + [2, 2, 0, 8, 137, 1, 136, 1, 136, 1, 136, 1])
            == "bad.hdr: bad run-length data in scanline 0 (a run of 9 at column 0 of 8)")
        #expect(message(HandMadeHDR.header(width: 8, height: 1) + [2, 2, 0, 8, 0, 1, 136, 1, 136, 1, 136, 1])
            == "bad.hdr: bad run-length data in scanline 0 (a dump of 0 at column 0 of 8)")
        #expect(message(HandMadeHDR.header(width: 8, height: 1) + [2, 2, 0, 8, 136, 1, 136, 1, 136, 1, 8, 1, 2])
            == "bad.hdr: file is truncated (scanline 0 of 8 pixels is incomplete)")
    }
}
