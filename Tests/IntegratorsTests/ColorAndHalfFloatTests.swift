// Tests of the sRGB curve, Bitmap conversions/accessors and half-float conversion edge cases.

import Foundation
import Testing
@testable import Integrators

@Suite("sRGB curve and Bitmap conversions")
struct ColorConversionTests {
    @Test("linearized() matches the sRGB formula at byte values", arguments: [0, 10, 11, 128, 255])
    func linearizeBytes(byte: Int) {
        let stored = Float(byte) / 255 // what an 8-bit PNG read gives
        let encoded = Double(stored)
        let expected = encoded <= 0.04045 ? encoded / 12.92 : pow((encoded + 0.055) / 1.055, 2.4)
        let bitmap = Bitmap(width: 1, height: 1, channelCount: 1, pixels: [stored], isSRGB: true)
        let linear = bitmap.linearized()
        #expect(!linear.isSRGB)
        #expect(linear.pixels[0] == Float(expected)) // evaluated in Double, rounded once
        if byte == 10 { #expect(abs(Double(linear.pixels[0]) - 10.0 / 255 / 12.92) < 1e-9) }
        if byte == 11 { #expect(Double(linear.pixels[0]) > 11.0 / 255 / 12.92) }
    }

    @Test("srgbEncoded() inverts linearized() to byte precision for all 256 values")
    func encodeInverts() {
        let bytes = (0...255).map { Float($0) / 255 }
        let bitmap = Bitmap(width: 256, height: 1, channelCount: 1, pixels: bytes, isSRGB: true)
        let back = bitmap.linearized().srgbEncoded()
        #expect(back.isSRGB)
        #expect(back.pixels.map { Int(($0 * 255).rounded()) } == Array(0...255))
        #expect(SRGBTransfer.encoded(fromLinear: 0.001) == Float(12.92 * Double(Float(0.001))))
        let power = 1.055 * pow(0.5, 1 / 2.4) - 0.055
        #expect(SRGBTransfer.encoded(fromLinear: 0.5) == Float(power))
    }

    @Test("conversions leave alpha alone and are no-ops when already in the target encoding")
    func alphaAndIdempotence() {
        let rgba = Bitmap(width: 1, height: 1, channelCount: 4, pixels: [0.5, 0.5, 0.5, 0.5],
                          isSRGB: true)
        let linear = rgba.linearized()
        #expect(linear.pixels[3] == 0.5 && linear.pixels[0] < 0.25)
        #expect(linear.linearized() == linear)
        #expect(rgba.srgbEncoded() == rgba)
        let grayAlpha = Bitmap(width: 1, height: 1, channelCount: 2, pixels: [0.5, 0.5], isSRGB: true)
        #expect(grayAlpha.linearized().pixels[1] == 0.5)
    }

    @Test("accessors, clamping and channel selection")
    func channelsAndAccessors() {
        var bitmap = Bitmap(width: 3, height: 2, channelCount: 2)
        bitmap[1, 2, 1] = 7
        #expect(bitmap.pixels[(1 * 3 + 2) * 2 + 1] == 7)
        #expect(bitmap.pixel(row: 1, column: 2) == [0, 7])
        #expect(bitmap.hasAlpha && bitmap.colorChannelCount == 1)

        let clamped = Bitmap(width: 3, height: 1, channelCount: 1, pixels: [-2, .nan, 9]).clamped()
        #expect(clamped.pixels == [0, 0, 1])

        let grayAlpha = Bitmap(width: 2, height: 1, channelCount: 2, pixels: [0.1, 0.9, 0.2, 0.8])
        #expect(grayAlpha.droppingAlpha().pixels == [0.1, 0.2])
        #expect(grayAlpha.expandingGrayToRGB().pixels == [0.1, 0.1, 0.1, 0.9, 0.2, 0.2, 0.2, 0.8])
        let gray = Bitmap(width: 1, height: 1, channelCount: 1, pixels: [0.3], isSRGB: true)
        let rgb = gray.expandingGrayToRGB()
        #expect(rgb.channelCount == 3 && rgb.pixels == [0.3, 0.3, 0.3] && rgb.isSRGB)
        #expect(rgb.droppingAlpha() == rgb)
        let rgba = Bitmap(width: 1, height: 1, channelCount: 4, pixels: [1, 2, 3, 4])
        #expect(rgba.droppingAlpha().pixels == [1, 2, 3])
        #expect(rgba.selectingChannels([2, 1, 0]).pixels == [3, 2, 1])
    }
}

@Suite("Half-float conversion")
struct HalfFloatTests {
    @Test("every half bit pattern survives half -> Float -> half")
    func exhaustiveRoundTrip() {
        for bits in UInt16.min...UInt16.max {
            let value = HalfFloat.float(fromBits: bits)
            if value.isNaN {
                #expect(HalfFloat.bits(from: value) & 0x7C00 == 0x7C00)
                #expect(HalfFloat.bits(from: value) & 0x03FF != 0)
            } else if HalfFloat.bits(from: value) != bits {
                Issue.record("half 0x\(String(bits, radix: 16)) came back different")
                return
            }
        }
    }

    @Test("edge cases", arguments: [
        (Float(0), UInt16(0x0000)), (-0.0, 0x8000), (1, 0x3C00), (-2, 0xC000),
        (65504, 0x7BFF), (65519.99, 0x7BFF), (65520, 0x7C00), (1e10, 0x7C00),
        (.infinity, 0x7C00), (-.infinity, 0xFC00),
        (0x1p-24, 0x0001), (0x1p-25, 0x0000), (0x1.000002p-25, 0x0001), (0x1.8p-24, 0x0002),
        (0x1p-14, 0x0400), (0x1.ff8p-15, 0x03FF), (0x1.ffcp-15, 0x0400), (0x1.ff4p-15, 0x03FE),
        (1 + 0x1p-11, 0x3C00), (1 + 0x1.8p-10, 0x3C02), (1 + 0x1.002p-11, 0x3C01),
    ] as [(Float, UInt16)])
    func edgeCases(value: Float, bits: UInt16) {
        #expect(HalfFloat.bits(from: value) == bits)
    }

    @Test("NaN stays NaN both ways, denormals decode exactly")
    func nanAndDenormals() {
        #expect(HalfFloat.float(fromBits: 0x7E00).isNaN)
        #expect(HalfFloat.float(fromBits: 0xFC01).isNaN)
        #expect(HalfFloat.float(fromBits: 0x7C00) == .infinity)
        let nanBits = HalfFloat.bits(from: .nan)
        #expect(nanBits & 0x7C00 == 0x7C00 && nanBits & 0x3FF != 0)
        #expect(HalfFloat.bits(from: Float(bitPattern: 0x7F80_0001)) & 0x3FF != 0) // payload in low bits
        #expect(HalfFloat.float(fromBits: 0x0001) == 0x1p-24)
        #expect(HalfFloat.float(fromBits: 0x83FF) == -0x1.ff8p-15)
    }

    #if !(os(macOS) && arch(x86_64))
    @Test("Float -> half agrees with Swift's Float16 on many values")
    func agreesWithFloat16() {
        var state: UInt32 = 12345
        for _ in 0..<200_000 {
            state = state &* 1_664_525 &+ 1_013_904_223
            // Exponents around the half range, including its denormals and overflow.
            let exponent = UInt32(100 + (state >> 8) % 50) << 23
            let value = Float(bitPattern: (state & 0x8000_0000) | exponent | (state & 0x7F_FFFF))
            if HalfFloat.bits(from: value) != Float16(value).bitPattern {
                Issue.record("\(value) -> \(HalfFloat.bits(from: value)) vs \(Float16(value).bitPattern)")
                return
            }
        }
    }
    #endif
}
