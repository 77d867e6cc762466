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
        let linear = bitmap.linearized()
        let planes = names.indices.map { channel in
            EXRImage.Channel(name: names[channel], values: stride(from: channel, to: linear.pixels.count,
                                                                  by: bitmap.channelCount).map { linear.pixels[$0] })
        }
        return try encode(EXRImage(width: bitmap.width, height: bitmap.height, channels: planes),
                          pixelType: pixelType, compression: compression, fileName: fileName)
    }

    /// Encodes named channels and string attributes as a single-part scanline file.
    static func encode(_ image: EXRImage, pixelType: EXRPixelType, compression: EXRCompression,
                       fileName: String) throws -> Data {
        guard image.width > 0, image.height > 0,
              image.width <= Int(Int32.max), image.height <= Int(Int32.max) else {
            throw ImageIOError(fileName: fileName,
                               reason: "cannot write a \(image.width)x\(image.height) EXR")
        }
        guard !image.channels.isEmpty, Set(image.channels.map(\.name)).count == image.channels.count,
              image.channels.allSatisfy({ !$0.name.isEmpty && $0.name.utf8.count <= 255 && !$0.name.contains("\0") }) else {
            throw ImageIOError(fileName: fileName, reason: "EXR channels need distinct, non-empty names of at most 255 bytes")
        }
        let sampleType: EXRSampleType = pixelType == .half ? .half : .float
        let code: EXRCompressionCode = compression == .zip ? .zip : .none
        // EXR stores channels sorted by name: A, B, G, R (or A, Y).
        let fileOrder = image.channels.sorted { $0.name < $1.name }
        let channels = fileOrder.map { EXRChannel(name: $0.name, sampleType: sampleType) }
        let longNames = (channels.map(\.name) + Array(image.attributes.keys)).contains { $0.utf8.count > 31 }

        var file = ImageByteWriter()
        file.append(contentsOf: EXRLayout.magic)
        file.appendUInt32(EXRLayout.formatVersion | (longNames ? EXRLayout.longNamesFlag : 0))
        appendHeader(to: &file, channels: channels, compression: code,
                     width: image.width, height: image.height, attributes: image.attributes)

        var chunks: [[UInt8]] = []
        for firstRow in stride(from: 0, to: image.height, by: code.linesPerChunk) {
            let rows = firstRow..<min(firstRow + code.linesPerChunk, image.height)
            var raw = ImageByteWriter()
            raw.bytes.reserveCapacity(rows.count * image.width * channels.count * 4)
            for row in rows {
                for channel in fileOrder {
                    for column in 0..<image.width {
                        let value = channel.values[row * image.width + column]
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

    /// The required attributes, then the string attributes, in alphabetical order, then the end-of-header NUL.
    private static func appendHeader(to file: inout ImageByteWriter, channels: [EXRChannel],
                                     compression: EXRCompressionCode, width: Int, height: Int,
                                     attributes: [String: String]) {
        var channelList = ImageByteWriter()
        for channel in channels {
            channelList.appendCString(channel.name)
            channelList.appendInt32(channel.sampleType.rawValue)
            channelList.append(contentsOf: [0, 0, 0, 0]) // pLinear, reserved x3
            channelList.appendInt32(1) // xSampling
            channelList.appendInt32(1) // ySampling
        }
        channelList.append(0)
        var entries: [(name: String, type: String, value: [UInt8])] = []
        entries.append(("channels", "chlist", channelList.bytes))
        entries.append(("compression", "compression", [compression.rawValue]))
        var window = ImageByteWriter()
        for coordinate in [0, 0, width - 1, height - 1] { window.appendInt32(Int32(coordinate)) }
        entries.append(("dataWindow", "box2i", window.bytes))
        entries.append(("displayWindow", "box2i", window.bytes))
        entries.append(("lineOrder", "lineOrder", [0])) // INCREASING_Y
        var one = ImageByteWriter()
        one.appendFloat32(1)
        entries.append(("pixelAspectRatio", "float", one.bytes))
        var center = ImageByteWriter()
        center.appendFloat32(0)
        center.appendFloat32(0)
        entries.append(("screenWindowCenter", "v2f", center.bytes))
        entries.append(("screenWindowWidth", "float", one.bytes))
        let required = Set(entries.map(\.name))
        for (name, value) in attributes where !required.contains(name) {
            entries.append((name, "string", Array(value.utf8)))
        }
        for entry in entries.sorted(by: { $0.name < $1.name }) {
            file.appendCString(entry.name)
            file.appendCString(entry.type)
            file.appendInt32(Int32(entry.value.count))
            file.append(contentsOf: entry.value)
        }
        file.append(0)
    }
}
