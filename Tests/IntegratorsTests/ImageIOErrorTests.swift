// Error-path tests: bad signatures, truncation, unknown extensions, unsupported NPY/EXR content.

import Foundation
import Testing
@testable import Integrators

@Suite("Image I/O errors")
struct ImageIOErrorTests {
    @Test("bad signatures name the file and the expected format",
          arguments: ["texture.png", "photo.jpg", "render.exr", "grad.npy"])
    func badSignature(name: String) throws {
        let folder = try ImageTestDirectory()
        let url = folder.file(name)
        try Data("this is plain text, not an image".utf8).write(to: url)
        let error = imageError { _ = try Bitmap(contentsOf: url) }
        #expect(error?.fileName == name)
        #expect(error?.description.hasPrefix("\(name): not a") == true)
        #expect(error?.description.hasSuffix("file (bad signature)") == true)
        #expect(imageError { _ = try Bitmap(data: Data(), format: ImageFormat(url: url), fileName: name) }
            != nil)
    }

    @Test("PNG bad signature message is exact")
    func pngMessage() {
        let error = imageError { _ = try Bitmap(data: Data([1, 2, 3]), format: .png, fileName: "texture.png") }
        #expect(error?.description == "texture.png: not a PNG file (bad signature)")
    }

    @Test("truncated files are rejected", arguments: ImageFormat.allCases.filter(\.isWritable))
    func truncated(format: ImageFormat) throws {
        let bitmap = ImageIOFixtures.byteGrid(width: 40, height: 40, channels: 3)
        let data = try bitmap.encodedData(format: format)
        for keep in [data.count / 2, data.count - 1] {
            let error = imageError {
                _ = try Bitmap(data: data.prefix(keep), format: format, fileName: "cut.\(format)")
            }
            #expect(error?.fileName == "cut.\(format)")
            #expect(error?.reason.contains("truncated") == true || error?.reason.contains("zlib") == true,
                    "\(format) cut to \(keep) bytes: \(error?.description ?? "")")
        }
    }

    @Test("a missing file is reported as such")
    func missingFile() throws {
        let folder = try ImageTestDirectory()
        let error = imageError { _ = try Bitmap(contentsOf: folder.file("absent.png")) }
        #expect(error?.description == "absent.png: no such file")
    }

    @Test("unknown or missing extensions name the file and the accepted extensions",
          arguments: ["picture.gif", "noextension", "archive.tar.gz"])
    func unknownExtension(name: String) {
        let url = URL(fileURLWithPath: "/tmp/\(name)")
        let error = imageError { _ = try Bitmap(contentsOf: url) }
        #expect(error?.fileName == name)
        #expect(error?.reason.contains(".png, .jpg, .jpeg, .exr, .npy") == true)
        let writeError = imageError { try Bitmap(width: 1, height: 1, channelCount: 1).write(to: url) }
        #expect(writeError?.fileName == name)
    }

    @Test("extensions are case-insensitive")
    func extensionCase() throws {
        #expect(try ImageFormat(url: URL(fileURLWithPath: "A.JPEG")) == .jpeg)
        #expect(try ImageFormat(url: URL(fileURLWithPath: "b.Exr")) == .exr)
        #expect(ImageFormat(fileExtension: "NpY") == .npy)
    }

    /// A version 1.0 .npy file with an arbitrary header dictionary and payload.
    private func npy(_ dictionary: String, payload: [UInt8] = []) -> Data {
        var text = dictionary
        while (10 + text.utf8.count + 1) % 64 != 0 { text += " " }
        text += "\n"
        let length = UInt16(text.utf8.count)
        return Data(NPYHeader.magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)]
            + Array(text.utf8) + payload)
    }

    @Test("NPY wrong dtype names the file, the accepted dtypes and the one found")
    func npyWrongDType() {
        let data = npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1, 1), }",
                       payload: [UInt8](repeating: 0, count: 8))
        let error = imageError { _ = try Bitmap(data: data, format: .npy, fileName: "x.npy") }
        #expect(error?.description == "x.npy: expected dtype <f4, <f8, |u1, <i4 or <u2, found <c8")
    }

    @Test("NPY wrong shape names the file and the shape",
          arguments: ["(4,)", "(2, 2, 2, 1)", "()", "(2, 2, 0)"])
    func npyWrongShape(shape: String) {
        let data = npy("{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }",
                       payload: [UInt8](repeating: 0, count: 64))
        let error = imageError { _ = try Bitmap(data: data, format: .npy, fileName: "x.npy") }
        #expect(error?.description == "x.npy: expected shape (H, W) or (H, W, C), found \(shape)")
    }

    @Test("NPY fortran order and malformed headers are rejected clearly")
    func npyFortranAndMalformed() {
        let fortran = npy("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1), }",
                          payload: [0, 0, 0, 0])
        let error = imageError { _ = try Bitmap(data: fortran, format: .npy, fileName: "f.npy") }
        #expect(error?.reason.contains("fortran_order True") == true)
        let malformed = npy("{'descr': '<f4', 'shape': (1, 1), }", payload: [0, 0, 0, 0])
        let missing = imageError { _ = try Bitmap(data: malformed, format: .npy, fileName: "m.npy") }
        #expect(missing?.reason.contains("fortran_order") == true)
        let garbage = npy("{'descr': <f4}")
        #expect(imageError { _ = try Bitmap(data: garbage, format: .npy, fileName: "g.npy") }?
            .reason.contains("malformed") == true)
    }

    @Test("NPY other dtypes are converted to Float")
    func npyOtherDTypes() throws {
        let cases: [(String, [UInt8], [Float])] = [
            ("|u1", [0, 7, 255, 1], [0, 7, 255, 1]),
            ("<u2", [1, 0, 0xFF, 0xFF, 0, 1, 2, 0], [1, 65535, 256, 2]),
            ("<i4", [0xFF, 0xFF, 0xFF, 0xFF, 5, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0], [-1, 5, 0, 256]),
            ("<f8", [0, 0, 0, 0, 0, 0, 0xF0, 0x3F] + [UInt8](repeating: 0, count: 8)
                + [0, 0, 0, 0, 0, 0, 0, 0xC0] + [0, 0, 0, 0, 0, 0, 0xE0, 0x3F], [1, 0, -2, 0.5]),
        ]
        for (descr, payload, expected) in cases {
            let data = npy("{'descr': '\(descr)', 'fortran_order': False, 'shape': (2, 2), }",
                           payload: payload)
            let bitmap = try Bitmap(data: data, format: .npy, fileName: "t.npy")
            #expect(bitmap.pixels == expected, "\(descr)")
            #expect(bitmap.width == 2 && bitmap.height == 2 && bitmap.channelCount == 1)
        }
    }

    @Test("EXR features outside the supported subset are named")
    func exrUnsupported() throws {
        var bytes = [UInt8](try Bitmap(width: 2, height: 2, channelCount: 3).encodedData(format: .exr))
        bytes[5] |= 0x02 // version flags 0x200: tiled
        var error = imageError { _ = try Bitmap(data: Data(bytes), format: .exr, fileName: "t.exr") }
        #expect(error?.reason.contains("tiled") == true)

        // The lossy compressions are refused by name, with the list of the supported ones.
        for (code, name) in [(5, "PXR24"), (6, "B44"), (7, "B44A"), (8, "DWAA"), (9, "DWAB")] as [(UInt8, String)] {
            bytes = [UInt8](try Bitmap(width: 2, height: 2, channelCount: 3).encodedData(format: .exr))
            let compression = Array("compression\0compression\0".utf8)
            let at = bytes.firstRange(of: compression)!.upperBound + 4
            bytes[at] = code
            error = imageError { _ = try Bitmap(data: Data(bytes), format: .exr, fileName: "p.exr") }
            #expect(error?.description == "p.exr: \(name)_COMPRESSION is not supported (expected NO_COMPRESSION, "
                        + "RLE_COMPRESSION, ZIPS_COMPRESSION, ZIP_COMPRESSION or PIZ_COMPRESSION)")
        }
    }

    @Test("writers reject channel counts their format cannot hold")
    func writerChannelLimits() {
        let five = Bitmap(width: 1, height: 1, channelCount: 5)
        #expect(imageError { _ = try five.encodedData(format: .png) } != nil)
        #expect(imageError { _ = try five.encodedData(format: .exr) } != nil)
        let rgba = Bitmap(width: 1, height: 1, channelCount: 4)
        #expect(imageError { _ = try rgba.encodedData(format: .jpeg) }?.reason.contains("droppingAlpha") == true)
        #expect(imageError { _ = try Bitmap(width: 0, height: 3, channelCount: 1).encodedData(format: .png) } != nil)
    }

    @Test("a JPEG declaring more pixels than its bytes can hold is refused before any allocation (found by fuzzing)")
    func jpegDeclaredSizeBound() throws {
        var data = [UInt8](try ImageIOFixtures.byteGrid(width: 8, height: 8, channels: 3).encodedData(format: .jpeg))
        let frame = try #require((0..<data.count - 1).first { data[$0] == 0xFF && data[$0 + 1] == 0xC0 })
        for (offset, byte) in [(5, 0xEA), (6, 0x60), (7, 0xEA), (8, 0x60)] { data[frame + offset] = UInt8(byte) }
        let error = imageError { _ = try Bitmap(data: Data(data), format: .jpeg, fileName: "bomb.jpg") }
        #expect(error?.reason.hasPrefix("file is truncated or corrupt (60000x60000 pixels declared in") == true,
                "\(error?.description ?? "")")
    }
}
