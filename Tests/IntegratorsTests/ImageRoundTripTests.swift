// Round-trip tests: PNG (8/16-bit), JPEG, EXR (half/float x none/ZIP) and NPY through real files.

import Foundation
import Testing
@testable import Integrators

@Suite("Image file round trips")
struct ImageRoundTripTests {
    @Test("8-bit PNG keeps every byte value", arguments: [1, 2, 3, 4])
    func png8RoundTrip(channels: Int) throws {
        let folder = try ImageTestDirectory()
        let original = ImageIOFixtures.byteGrid(width: 19, height: 7, channels: channels)
        let url = folder.file("grid.png")
        try original.write(to: url, options: ImageWriteOptions(encoding: .asIs))
        let loaded = try Bitmap(contentsOf: url)
        #expect(loaded == original)
        #expect(loaded.isSRGB)
    }

    @Test("PNG .srgb encodes a linear bitmap once and leaves an encoded one alone")
    func pngSRGBEncoding() throws {
        let folder = try ImageTestDirectory()
        let linear = Bitmap(width: 3, height: 1, channelCount: 1, pixels: [0, 0.21586, 1.5])
        try linear.write(to: folder.file("linear.png"))
        let loaded = try Bitmap(contentsOf: folder.file("linear.png"))
        #expect(loaded.pixels.map { Int(($0 * 255).rounded()) } == [0, 128, 255])

        let encoded = ImageIOFixtures.byteGrid(width: 4, height: 4, channels: 3)
        try encoded.write(to: folder.file("encoded.png"))
        #expect(try Bitmap(contentsOf: folder.file("encoded.png")) == encoded)
    }

    @Test("PNG clamps out-of-range values and NaN before quantizing")
    func pngClamps() throws {
        let folder = try ImageTestDirectory()
        let values = Bitmap(width: 4, height: 1, channelCount: 1, pixels: [-1, .nan, 2, 0.5])
        try values.write(to: folder.file("clamped.png"), options: ImageWriteOptions(encoding: .asIs))
        let loaded = try Bitmap(contentsOf: folder.file("clamped.png"))
        #expect(loaded.pixels == [0, 0, 1, 128 / 255])
    }

    @Test("16-bit PNG keeps 16-bit precision and byte order", arguments: [1, 3, 4])
    func png16RoundTrip(channels: Int) throws {
        let folder = try ImageTestDirectory()
        var original = Bitmap(width: 5, height: 3, channelCount: channels, isSRGB: true)
        for index in original.pixels.indices {
            original.pixels[index] = Float((index * 4099 + 258) % 65536) / 65535
        }
        let url = folder.file("deep.PNG")
        try original.write(to: url, options: ImageWriteOptions(encoding: .asIs, pngBitDepth: .sixteen))
        #expect(try Bitmap(contentsOf: url) == original)
    }

    @Test("JPEG written by the shim reads back close to the original", arguments: [1, 3])
    func jpegRoundTrip(channels: Int) throws {
        let folder = try ImageTestDirectory()
        var original = Bitmap(width: 32, height: 24, channelCount: channels, isSRGB: true)
        for row in 0..<24 {
            for column in 0..<32 {
                for channel in 0..<channels {
                    original[row, column, channel] = Float(row * 8 + column * 2 + channel * 40) / 400
                }
            }
        }
        let url = folder.file("smooth.jpg")
        try original.write(to: url, options: ImageWriteOptions(jpegQuality: 100))
        let loaded = try Bitmap(contentsOf: url)
        #expect(loaded.width == 32 && loaded.height == 24 && loaded.channelCount == channels)
        #expect(loaded.isSRGB)
        let worst = zip(loaded.pixels, original.pixels).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 4 / 255)
    }

    static let exrCases: [(EXRPixelType, EXRCompression)] =
        [(.half, .none), (.half, .zip), (.float, .none), (.float, .zip)]

    @Test("EXR round trip", arguments: exrCases, [1, 2, 3, 4])
    func exrRoundTrip(format: (EXRPixelType, EXRCompression), channels: Int) throws {
        let folder = try ImageTestDirectory()
        // 37 rows: two full 16-line ZIP chunks plus a partial one.
        let original = ImageIOFixtures.linearRamp(width: 23, height: 37, channels: channels)
        let url = folder.file("ramp.exr")
        try original.write(to: url, options: ImageWriteOptions(exrPixelType: format.0,
                                                               exrCompression: format.1))
        let loaded = try Bitmap(contentsOf: url)
        #expect(!loaded.isSRGB)
        let expected = format.0 == .float
            ? original.pixels
            : original.pixels.map { HalfFloat.float(fromBits: HalfFloat.bits(from: $0)) }
        #expect(loaded.pixels == expected)
        #expect(loaded.channelCount == channels && loaded.width == 23 && loaded.height == 37)
    }

    @Test("EXR ZIP really compresses smooth data, and keeps special float values")
    func exrZipCompressesAndKeepsSpecials() throws {
        let flat = Bitmap(width: 64, height: 64, channelCount: 3, repeating: 0.25)
        let raw = try flat.encodedData(format: .exr, options: ImageWriteOptions(exrCompression: .none))
        let zipped = try flat.encodedData(format: .exr, options: ImageWriteOptions(exrCompression: .zip))
        #expect(zipped.count * 10 < raw.count)

        let specials: [Float] = [.infinity, -.infinity, 0, -0.0, 1e-7, 65504, 1e30, -3]
        let bitmap = Bitmap(width: 8, height: 1, channelCount: 1, pixels: specials)
        for type in [EXRPixelType.half, .float] {
            let data = try bitmap.encodedData(format: .exr, options: ImageWriteOptions(exrPixelType: type))
            let loaded = try Bitmap(data: data, format: .exr, fileName: "specials.exr")
            let expected = type == .float
                ? specials : specials.map { HalfFloat.float(fromBits: HalfFloat.bits(from: $0)) }
            #expect(loaded.pixels.map(\.bitPattern) == expected.map(\.bitPattern))
        }
    }

    @Test("EXR header lists the required attributes and channels in alphabetical order")
    func exrHeaderLayout() throws {
        let bytes = [UInt8](try Bitmap(width: 3, height: 2, channelCount: 4).encodedData(format: .exr))
        #expect(Array(bytes.prefix(8)) == [0x76, 0x2F, 0x31, 0x01, 2, 0, 0, 0])
        let text = String(decoding: bytes.map { $0 == 0 ? UInt8(ascii: "|") : $0 }, as: UTF8.self)
        let expectedOrder = ["channels|chlist|", "A|", "B|", "G|", "R|", "compression|compression|",
                             "dataWindow|box2i|", "displayWindow|box2i|", "lineOrder|lineOrder|",
                             "pixelAspectRatio|float|", "screenWindowCenter|v2f|",
                             "screenWindowWidth|float|"]
        var searchStart = text.startIndex
        for token in expectedOrder {
            let found = text.range(of: token, range: searchStart..<text.endIndex)
            #expect(found != nil, "\(token) missing or out of order")
            if let found { searchStart = found.upperBound }
        }
    }

    @Test("EXR ZIP byte interleave and predictor follow OpenEXR")
    func exrZipPreprocessing() {
        let interleaved = EXRZipCodec.interleaved([1, 2, 3, 4, 5])
        #expect(interleaved == [1, 3, 5, 2, 4])
        let predicted = EXRZipCodec.predicted(interleaved)
        #expect(predicted == [1, 130, 130, 125, 130])
        #expect(EXRZipCodec.deinterleaved(EXRZipCodec.unpredicted(predicted)) == [1, 2, 3, 4, 5])
    }

    @Test("EXR linearizes an sRGB bitmap before writing")
    func exrLinearizes() throws {
        let encoded = Bitmap(width: 2, height: 1, channelCount: 1, pixels: [0.5, 1], isSRGB: true)
        let data = try encoded.encodedData(format: .exr)
        let loaded = try Bitmap(data: data, format: .exr, fileName: "a.exr")
        #expect(loaded.pixels == [SRGBTransfer.linear(fromEncoded: 0.5), 1])
    }

    @Test("NPY float32 round trip", arguments: [1, 2, 3, 5])
    func npyRoundTrip(channels: Int) throws {
        let folder = try ImageTestDirectory()
        let original = ImageIOFixtures.linearRamp(width: 6, height: 4, channels: channels)
        let url = folder.file("data.npy")
        try original.write(to: url)
        #expect(try Bitmap(contentsOf: url) == original)
        let bytes = [UInt8](try Data(contentsOf: url))
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        #expect(bytes[10 + headerLength - 1] == UInt8(ascii: "\n"))
        #expect(bytes.count == 10 + headerLength + original.pixels.count * 4)
    }

    @Test("NPY one-channel bitmaps can be written as (H, W)")
    func npyTwoDimensional() throws {
        let original = ImageIOFixtures.linearRamp(width: 5, height: 3, channels: 1)
        let flat = try original.encodedData(format: .npy,
                                            options: ImageWriteOptions(npyDropsSingleChannelAxis: true))
        let text = String(decoding: flat.prefix(80), as: UTF8.self)
        #expect(text.contains("'shape': (3, 5), }"))
        #expect(try Bitmap(data: flat, format: .npy, fileName: "flat.npy") == original)
        let full = try original.encodedData(format: .npy)
        #expect(String(decoding: full.prefix(80), as: UTF8.self).contains("'shape': (3, 5, 1), }"))
    }
}
