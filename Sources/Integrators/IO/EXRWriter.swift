// EXRWriter: encodes a Bitmap as a single-part scanline OpenEXR file (half/float, none/ZIP).

import Foundation

/// Writes linear images as OpenEXR 2.0 scanline files that OpenEXR and other readers accept.
enum EXRWriter {
    /// Encodes 1 (Y), 2 (Y, A), 3 (R, G, B) or 4 (R, G, B, A) channels. An sRGB-encoded bitmap
    /// is linearized first, since EXR holds linear values.
    static func encode(_ bitmap: Bitmap, pixelType: EXRPixelType, compression: EXRCompression,
                       fileName: String) throws -> Data {
        guard let names = EXRLayout.channelNames(forChannelCount: bitmap.channelCount) else {
            throw ImageIOError(fileName: fileName,
                               reason: "EXR output holds 1 to 4 channels (Y, YA, RGB, RGBA), "
                                   + "bitmap has \(bitmap.channelCount)")
        }
        guard bitmap.width > 0, bitmap.height > 0,
              bitmap.width <= Int(Int32.max), bitmap.height <= Int(Int32.max) else {
            throw ImageIOError(fileName: fileName,
                               reason: "cannot write a \(bitmap.width)x\(bitmap.height) EXR")
        }
        let linear = bitmap.linearized()
        let sampleType: EXRSampleType = pixelType == .half ? .half : .float
        let code: EXRCompressionCode = compression == .zip ? .zip : .none
        // EXR stores channels sorted by name: A, B, G, R (or A, Y).
        let fileOrder = names.enumerated().sorted { $0.element < $1.element }
        let channels = fileOrder.map { EXRChannel(name: $0.element, sampleType: sampleType) }

        var file = ImageByteWriter()
        file.append(contentsOf: EXRLayout.magic)
        file.appendUInt32(EXRLayout.formatVersion)
        appendHeader(to: &file, channels: channels, compression: code,
                     width: bitmap.width, height: bitmap.height)

        var chunks: [[UInt8]] = []
        for firstRow in stride(from: 0, to: bitmap.height, by: code.linesPerChunk) {
            let rows = firstRow..<min(firstRow + code.linesPerChunk, bitmap.height)
            var raw = ImageByteWriter()
            raw.bytes.reserveCapacity(rows.count * bitmap.width * bitmap.channelCount * 4)
            for row in rows {
                for (bitmapChannel, _) in fileOrder {
                    for column in 0..<bitmap.width {
                        let value = linear.pixels[(row * bitmap.width + column)
                                                  * bitmap.channelCount + bitmapChannel]
                        if sampleType == .half {
                            raw.appendUInt16(HalfFloat.bits(from: value))
                        } else {
                            raw.appendFloat32(value)
                        }
                    }
                }
            }
            var payload = raw.bytes
            if code == .zip {
                let packed = try EXRZipCodec.compress(raw.bytes, fileName: fileName)
                if packed.count < raw.bytes.count { payload = packed } // else stored raw, per spec
            }
            var chunk = ImageByteWriter()
            chunk.appendInt32(Int32(firstRow))
            chunk.appendInt32(Int32(payload.count))
            chunk.append(contentsOf: payload)
            chunks.append(chunk.bytes)
        }

        var offset = UInt64(file.bytes.count + 8 * chunks.count)
        for chunk in chunks {
            file.appendUInt64(offset)
            offset += UInt64(chunk.count)
        }
        for chunk in chunks { file.append(contentsOf: chunk) }
        return Data(file.bytes)
    }

    /// The required attributes, in alphabetical order, then the end-of-header NUL.
    private static func appendHeader(to file: inout ImageByteWriter, channels: [EXRChannel],
                                     compression: EXRCompressionCode, width: Int, height: Int) {
        var channelList = ImageByteWriter()
        for channel in channels {
            channelList.appendCString(channel.name)
            channelList.appendInt32(channel.sampleType.rawValue)
            channelList.append(contentsOf: [0, 0, 0, 0]) // pLinear, reserved x3
            channelList.appendInt32(1) // xSampling
            channelList.appendInt32(1) // ySampling
        }
        channelList.append(0)
        appendAttribute(to: &file, name: "channels", type: "chlist", value: channelList.bytes)
        appendAttribute(to: &file, name: "compression", type: "compression",
                        value: [compression.rawValue])
        var window = ImageByteWriter()
        for coordinate in [0, 0, width - 1, height - 1] { window.appendInt32(Int32(coordinate)) }
        appendAttribute(to: &file, name: "dataWindow", type: "box2i", value: window.bytes)
        appendAttribute(to: &file, name: "displayWindow", type: "box2i", value: window.bytes)
        appendAttribute(to: &file, name: "lineOrder", type: "lineOrder", value: [0]) // INCREASING_Y
        var one = ImageByteWriter()
        one.appendFloat32(1)
        appendAttribute(to: &file, name: "pixelAspectRatio", type: "float", value: one.bytes)
        var center = ImageByteWriter()
        center.appendFloat32(0)
        center.appendFloat32(0)
        appendAttribute(to: &file, name: "screenWindowCenter", type: "v2f", value: center.bytes)
        appendAttribute(to: &file, name: "screenWindowWidth", type: "float", value: one.bytes)
        file.append(0)
    }

    private static func appendAttribute(to file: inout ImageByteWriter, name: String, type: String,
                                        value: [UInt8]) {
        file.appendCString(name)
        file.appendCString(type)
        file.appendInt32(Int32(value.count))
        file.append(contentsOf: value)
    }
}
