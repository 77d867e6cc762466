// Reader coverage: hand-built PNG variants, tutorial assets from shared/, and atomic writes.

import Foundation
import Testing
import RefractSupport
import Tracer
@testable import Integrators

@Suite("PNG variants built by hand")
struct HandMadePNGTests {
    @Test("palette PNG with tRNS becomes RGBA")
    func paletteWithTransparency() throws {
        let data = HandMadePNG.file(width: 3, height: 1, bitDepth: 8, colorType: 3,
                                    palette: [255, 0, 0, 0, 255, 0, 0, 0, 255],
                                    transparency: [0, 128], rows: [[2, 1, 0]])
        let bitmap = try Bitmap(data: data, format: .png, fileName: "palette.png")
        #expect(bitmap.channelCount == 4)
        #expect(bitmap.pixels == [0, 0, 1, 1, 0, 1, 0, 128 / 255, 1, 0, 0, 0])
    }

    @Test("2-bit palette PNG without tRNS becomes RGB")
    func lowDepthPalette() throws {
        // Four 2-bit indices 3, 0, 1, 2 packed into one byte: 0b11_00_01_10.
        let data = HandMadePNG.file(width: 4, height: 1, bitDepth: 2, colorType: 3,
                                    palette: [0, 0, 0, 51, 51, 51, 102, 102, 102, 255, 255, 255],
                                    rows: [[0b1100_0110]])
        let bitmap = try Bitmap(data: data, format: .png, fileName: "p2.png")
        #expect(bitmap.channelCount == 3)
        #expect(bitmap.pixels.map { Int(($0 * 255).rounded()) }
            == [255, 255, 255, 0, 0, 0, 51, 51, 51, 102, 102, 102])
    }

    @Test("1-bit and 4-bit gray are expanded to 8 bits")
    func lowDepthGray() throws {
        let oneBit = HandMadePNG.file(width: 8, height: 1, bitDepth: 1, colorType: 0,
                                      rows: [[0b1010_0001]])
        #expect(try Bitmap(data: oneBit, format: .png, fileName: "b.png").pixels
            == [1, 0, 1, 0, 0, 0, 0, 1])
        let fourBit = HandMadePNG.file(width: 2, height: 1, bitDepth: 4, colorType: 0, rows: [[0xF3]])
        #expect(try Bitmap(data: fourBit, format: .png, fileName: "g4.png").pixels == [1, 51 / 255])
    }

    @Test("16-bit big-endian gray+alpha is read in the right byte order")
    func sixteenBitGrayAlpha() throws {
        let data = HandMadePNG.file(width: 2, height: 1, bitDepth: 16, colorType: 4,
                                    rows: [[0x12, 0x34, 0xFF, 0xFF, 0x00, 0x01, 0x80, 0x00]])
        let bitmap = try Bitmap(data: data, format: .png, fileName: "ga16.png")
        #expect(bitmap.channelCount == 2 && bitmap.isSRGB)
        #expect(bitmap.pixels == [Float(0x1234) / 65535, 1, Float(1) / 65535, Float(0x8000) / 65535])
    }

    @Test("a corrupted chunk CRC is reported as corrupt PNG data")
    func badCRC() throws {
        var bytes = [UInt8](HandMadePNG.file(width: 1, height: 1, bitDepth: 8, colorType: 0, rows: [[9]]))
        bytes[29] ^= 0xFF // last byte of the IHDR CRC
        let error = #expect(throws: ImageIOError.self) {
            _ = try Bitmap(data: Data(bytes), format: .png, fileName: "crc.png")
        }
        #expect(error?.description.hasPrefix("crc.png: corrupt PNG data") == true)
    }
}

@Suite("Tutorial assets in shared/")
struct TutorialAssetTests {
    @Test("image_001.png is a 128x128 8-bit RGB image",
          .enabled(if: ImageIOFixtures.tutorialAssetsPresent,
                   "shared/tutorial is missing next to the repository; skipping"))
    func tutorialImage() throws {
        let url = ImageIOFixtures.tutorialDirectory.appendingPathComponent("image_001.png")
        let bitmap = try Bitmap(contentsOf: url)
        #expect(bitmap.width == 128 && bitmap.height == 128 && bitmap.channelCount == 3)
        #expect(bitmap.isSRGB)
        #expect(bitmap.pixels.allSatisfy { $0 >= 0 && $0 <= 1 && ($0 * 255).rounded() == $0 * 255 })
        #expect(Set(bitmap.pixels).count > 16) // a real picture, not a flat fill
    }

    @Test("checker_texture.npy is 128x128x3 float32 with texel (0,0) = 0.1",
          .enabled(if: ImageIOFixtures.tutorialAssetsPresent,
                   "shared/tutorial is missing next to the repository; skipping"))
    func tutorialTexture() throws {
        let url = ImageIOFixtures.tutorialDirectory.appendingPathComponent("checker_texture.npy")
        let bitmap = try Bitmap(contentsOf: url)
        #expect(bitmap.width == 128 && bitmap.height == 128 && bitmap.channelCount == 3)
        #expect(!bitmap.isSRGB)
        #expect(bitmap[0, 0, 0] == Float(0.1))
    }
}

@Suite("Atomic file writes")
struct AtomicFileTests {
    @Test("writes replace the file and leave no temporary files behind")
    func replaceLeavesNoTemporaries() throws {
        let folder = try ImageTestDirectory()
        let url = folder.file("out.bin")
        try writeAtomically(Data([1, 2, 3]), to: url)
        try writeAtomically(Data([4, 5]), to: url)
        #expect(try Data(contentsOf: url) == Data([4, 5]))
        #expect(try folder.contents() == ["out.bin"])
    }

    @Test("a failed write throws, names the file and leaves the old file intact")
    func failureKeepsOldFile() throws {
        let folder = try ImageTestDirectory()
        let missingFolder = folder.file("no/such/dir/out.png")
        let error = #expect(throws: ImageIOError.self) {
            try Bitmap(width: 1, height: 1, channelCount: 1).write(to: missingFolder)
        }
        #expect(error?.fileName == "out.png")

        let url = folder.file("keep.png")
        try Bitmap(width: 1, height: 1, channelCount: 1, repeating: 1).write(to: url)
        let before = try Data(contentsOf: url)
        #expect(throws: ImageIOError.self) {
            try Bitmap(width: 1, height: 1, channelCount: 6).write(to: url) // PNG cannot hold 6
        }
        #expect(try Data(contentsOf: url) == before)
        #expect(try folder.contents() == ["keep.png"])
    }
}
