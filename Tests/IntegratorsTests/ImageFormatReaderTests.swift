// BMP, TGA, PPM/PGM and PFM files read as Mitsuba 3.9.1 reads them; PFM and PPM written and read back.
import Foundation
import Testing

@testable import Integrators

@Suite("BMP, TGA, PPM and PFM images")
struct ImageFormatReaderTests {
    /// Fixtures/ImageFormats (written by make_image_formats.py).
    static func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/ImageFormats/\(name)")
    }

    struct Expected: Decodable {
        let height, width, channels: Int
        let values: [Double]
    }

    /// What Mitsuba's Bitmap read from each file (or, where it does not read it, what the format defines).
    static let expected: [String: Expected] = {
        let data = try! Data(contentsOf: fixture("mitsuba_values.json"))
        return try! JSONDecoder().decode([String: Expected].self, from: data)
    }()

    /// The 8-bit files, whose integer values become value / 255, sRGB-encoded.
    static let integerFiles = ["rgb24.bmp", "rgba32_topdown.bmp", "gray8.bmp", "palette8.bmp", "rgb24.tga",
                               "rgba32_rle_topdown.tga", "gray8_rle.tga", "rgb8.ppm", "rgb8_comment.ppm", "gray8.pgm"]

    @Test("8-bit BMP, TGA, PPM and PGM files hold Mitsuba's values, sRGB-encoded", arguments: integerFiles)
    func eightBitFiles(file: String) throws {
        let bitmap = try Bitmap(contentsOf: Self.fixture(file))
        let want = try #require(Self.expected[file])
        #expect(bitmap.width == want.width && bitmap.height == want.height && bitmap.channelCount == want.channels)
        #expect(bitmap.isSRGB)
        #expect(bitmap.pixels == want.values.map { Float($0) / 255 })
    }

    @Test("16-bit PPM samples are big-endian, as the format defines")
    func sixteenBitPPM() throws {
        let bitmap = try Bitmap(contentsOf: Self.fixture("rgb16.ppm"))
        let want = try #require(Self.expected["rgb16.ppm"])
        #expect(bitmap.channelCount == 3 && bitmap.isSRGB)
        #expect(bitmap.pixels == want.values.map { Float($0) / 65535 })
    }

    @Test("PFM files hold Mitsuba's linear floats: scale, byte order and bottom-up rows", arguments: ["rgb_scale2.pfm", "gray_bigendian.pfm"])
    func floatMaps(file: String) throws {
        let bitmap = try Bitmap(contentsOf: Self.fixture(file))
        let want = try #require(Self.expected[file])
        #expect(bitmap.width == want.width && bitmap.height == want.height && bitmap.channelCount == want.channels)
        #expect(!bitmap.isSRGB)
        #expect(bitmap.pixels == want.values.map { Float($0) })
    }

    @Test("PFM and PPM files written are read back", arguments: ["pfm", "ppm", "pgm"])
    func roundTrip(format: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("refract-formats-\(format)-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let channels = format == "pgm" ? 1 : 3
        let values = (0..<(5 * 3 * channels)).map { Float($0 % 17) / 16 }
        let bitmap = Bitmap(width: 5, height: 3, channelCount: channels, pixels: values, isSRGB: format != "pfm")
        let url = directory.appendingPathComponent("image.\(format)")
        try bitmap.write(to: url)
        let back = try Bitmap(contentsOf: url)
        #expect(back.width == 5 && back.height == 3 && back.channelCount == channels)
        let tolerance: Float = format == "pfm" ? 0 : 0.5001 / 255
        let worst = zip(back.pixels, values).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= tolerance, "\(back.pixels) vs \(values)")
        var wide = ImageWriteOptions()
        wide.pngBitDepth = .sixteen
        if format == "ppm" {
            try bitmap.write(to: url, options: wide)
            #expect(zip(try Bitmap(contentsOf: url).pixels, values).allSatisfy { abs($0 - $1) <= 0.5001 / 65535 })
        }
    }

    @Test("a file is read as the format its contents identify, whatever its extension (as Mitsuba reads it)")
    func formatFromContents() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("refract-detect-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let tga = try Bitmap(contentsOf: Self.fixture("rgb24.tga"))
        let renamed = directory.appendingPathComponent("texture.dat")
        try Data(contentsOf: Self.fixture("rgb24.tga")).write(to: renamed)
        #expect(try Bitmap(contentsOf: renamed) == tga)
        let png = directory.appendingPathComponent("image.png")
        let bitmap = Bitmap(width: 2, height: 1, channelCount: 3, pixels: [0, 0.5, 1, 1, 0.5, 0], isSRGB: true)
        try bitmap.write(to: png)
        let misnamed = directory.appendingPathComponent("image.jpg")
        try FileManager.default.moveItem(at: png, to: misnamed)
        #expect(try Bitmap(contentsOf: misnamed).pixels == (try Bitmap(data: Data(contentsOf: misnamed), format: .png,
                                                                          fileName: "image.jpg")).pixels)
        #expect(ImageFormat(contents: Data("hello".utf8)) == nil)
    }

    @Test("bad and unsupported files are ImageIOErrors that name the file and say why")
    func errors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("refract-format-errors-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let valid = try Data(contentsOf: Self.fixture("rgb24.bmp"))
        var compressed = valid
        compressed[30] = 1
        var sixteen = valid
        sixteen[28] = 16
        let tga = try Data(contentsOf: Self.fixture("rgb24.tga"))
        var indexed = tga
        indexed[1] = 1
        let cases: [(String, Data, String)] = [
            ("truncated.bmp", valid.prefix(60), "truncated"),
            ("rle.bmp", compressed, "compressed BMP files"),
            ("deep.bmp", sixteen, "16-bit BMP pixels are not supported"),
            ("fake.bmp", Data("hello".utf8), "not a BMP file"),
            ("indexed.tga", indexed, "colour-mapped"),
            ("short.tga", tga.prefix(30), "truncated"),
            ("huge.ppm", Data("P6 100000 100000 255\n\u{1}\u{2}".utf8), "truncated"),
            ("text.ppm", Data("P3 1 1 255\n1 2 3".utf8), "expected P6 or P5"),
            ("width.ppm", Data("P6 -3 1 255\nabc".utf8), "the width \"-3\""),
            ("scale.pfm", Data("PF 1 1 zero\n0000".utf8), "the scale \"zero\""),
            ("header.pfm", Data("PF 1".utf8), "header ends"),
        ]
        for (name, data, message) in cases {
            let url = directory.appendingPathComponent(name)
            try data.write(to: url)
            do {
                let bitmap = try Bitmap(contentsOf: url)
                Issue.record("no error for \(name): \(bitmap.width)x\(bitmap.height)")
            } catch let error as ImageIOError {
                #expect("\(error)".contains(name) && "\(error)".contains(message), "\(error)")
            }
        }
        #expect(throws: ImageIOError.self) {
            try Bitmap(width: 1, height: 1, channelCount: 3, pixels: [0, 0, 0]).write(to: directory.appendingPathComponent("x.bmp"))
        }
    }
}
