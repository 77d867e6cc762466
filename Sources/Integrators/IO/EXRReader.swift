// EXRReader: decodes single-part scanline OpenEXR files (uint/half/float; none, RLE, ZIPS, ZIP or PIZ).

import Foundation

/// Reads the EXR files `EXRWriter` writes, and other scanline files of the same kind.
/// Tiled, deep, multi-part and subsampled files, and the lossy compressions (PXR24, B44, B44A, DWAA, DWAB), are
/// rejected by name.
enum EXRReader {
    /// The header attributes this reader needs.
    private struct Header {
        var channels: [EXRChannel] = []
        var compression: EXRCompressionCode?
        var dataWindow: (xMin: Int, yMin: Int, xMax: Int, yMax: Int)?
        var strings: [String: String] = [:]
    }

    /// Decodes an EXR file into a linear Bitmap (Y -> 1 channel, YA -> 2, RGB -> 3, RGBA -> 4).
    static func decode(_ data: Data, fileName: String) throws -> Bitmap {
        let image = try decodeImage(data, fileName: fileName)
        let names = image.channels.map(\.name)
        guard let bitmapOrder = EXRLayout.bitmapChannelOrder(forNames: names) else {
            throw ImageIOError(fileName: fileName, reason: "channels \(names.joined(separator: ", ")) are not supported "
                                   + "(expected R, G, B[, A] or Y[, A])")
        }
        let planes = bitmapOrder.map { image[channel: $0]! }
        var pixels = [Float](repeating: 0, count: image.width * image.height * planes.count)
        for (channel, plane) in planes.enumerated() {
            for (index, value) in plane.enumerated() { pixels[index * planes.count + channel] = value }
        }
        return Bitmap(width: image.width, height: image.height, channelCount: planes.count, pixels: pixels)
    }

    /// Decodes an EXR file into its channels (any names, as floats) and string attributes.
    static func decodeImage(_ data: Data, fileName: String) throws -> EXRImage {
        var reader = ImageByteReader(bytes: [UInt8](data), fileName: fileName)
        func failure(_ reason: String) -> ImageIOError {
            ImageIOError(fileName: fileName, reason: reason)
        }
        guard data.count >= 4, Array(try reader.readBytes(4, for: "magic")) == EXRLayout.magic else {
            throw failure("not an OpenEXR file (bad signature)")
        }
        let version = try reader.readUInt32(for: "version field")
        guard version & 0xFF == EXRLayout.formatVersion else {
            throw failure("unsupported OpenEXR version \(version & 0xFF) (expected 2)")
        }
        if version & EXRLayout.multipartFlag != 0 { throw failure("multi-part EXR is not supported") }
        if version & EXRLayout.deepDataFlag != 0 { throw failure("deep EXR is not supported") }
        if version & EXRLayout.tiledFlag != 0 {
            throw failure("tiled EXR is not supported (expected scanlines)")
        }
        let maxNameLength = version & EXRLayout.longNamesFlag != 0 ? 255 : 31
        let header = try readHeader(&reader, maxNameLength: maxNameLength, fileName: fileName)

        guard !header.channels.isEmpty else { throw failure("EXR header has no channels attribute") }
        guard let compression = header.compression else {
            throw failure("EXR header has no compression attribute")
        }
        guard supportedCompressions.contains(compression) else {
            let names = supportedCompressions.map(\.name)
            throw failure("\(compression.name) is not supported (expected "
                              + names.dropLast().joined(separator: ", ") + " or \(names.last ?? ""))")
        }
        guard let window = header.dataWindow else { throw failure("EXR header has no dataWindow") }
        let width = window.xMax - window.xMin + 1, height = window.yMax - window.yMin + 1
        guard width > 0, height > 0, width <= 1 << 24, height <= 1 << 24 else {
            throw failure("invalid dataWindow (\(window.xMin), \(window.yMin)) - "
                              + "(\(window.xMax), \(window.yMax))")
        }
        guard Set(header.channels.map(\.name)).count == header.channels.count else {
            throw failure("two channels have the same name")
        }

        let linesPerChunk = compression.linesPerChunk
        let chunkCount = (height + linesPerChunk - 1) / linesPerChunk
        var offsets: [Int] = []
        for _ in 0..<chunkCount {
            let offset = try reader.readUInt64(for: "line offset table")
            guard offset > 0, offset < UInt64(data.count) else {
                throw failure("line offset table entry \(offset) is outside the file "
                                  + "(file is truncated or incomplete)")
            }
            offsets.append(Int(offset))
        }

        let lineBytes = header.channels.reduce(0) { $0 + $1.sampleType.byteCount * width }
        // zlib expands at most ~1032:1 (PIZ about 410:1, RLE 64:1), so a larger declared image cannot be in this file.
        guard height * lineBytes / 1032 <= data.count else {
            throw failure("dataWindow declares \(width)x\(height) pixels, more than "
                              + "\(data.count) bytes can hold (file is truncated or corrupt)")
        }
        var planes = [[Float]](repeating: [Float](repeating: 0, count: width * height), count: header.channels.count)
        for offset in offsets {
            reader.offset = offset
            let y = Int(try reader.readInt32(for: "chunk y coordinate"))
            let packedCount = Int(try reader.readInt32(for: "chunk size"))
            let firstRow = y - window.yMin
            guard firstRow >= 0, firstRow < height, (firstRow % linesPerChunk) == 0 else {
                throw failure("chunk at offset \(offset) starts at invalid line \(y)")
            }
            guard packedCount >= 0 else {
                throw failure("chunk at line \(y) has negative size \(packedCount)")
            }
            let rows = min(linesPerChunk, height - firstRow)
            let expectedCount = rows * lineBytes
            let packed = try reader.readBytes(packedCount, for: "chunk at line \(y)")
            let raw: [UInt8]
            if packedCount == expectedCount {
                raw = Array(packed) // uncompressed, or stored raw because compressing did not help
            } else if compression != .none, packedCount < expectedCount {
                raw = try decompressed(packed, compression: compression, channels: header.channels, width: width,
                                       rows: rows, expectedCount: expectedCount, firstLine: y, fileName: fileName)
            } else {
                throw failure("chunk at line \(y) holds \(packedCount) bytes, "
                                  + "expected \(expectedCount)")
            }
            var samples = ImageByteReader(bytes: raw, fileName: fileName)
            for row in firstRow..<firstRow + rows {
                for (fileChannel, channel) in header.channels.enumerated() {
                    for column in 0..<width {
                        planes[fileChannel][row * width + column] = try readSample(&samples, type: channel.sampleType)
                    }
                }
            }
        }
        return EXRImage(width: width, height: height,
                        channels: zip(header.channels, planes).map { EXRImage.Channel(name: $0.name, values: $1) },
                        attributes: header.strings)
    }

    /// The compressions this reader decodes, in OpenEXR's order (the lossy ones are not among them).
    static let supportedCompressions: [EXRCompressionCode] = [.none, .rle, .zips, .zip, .piz]

    /// One compressed chunk expanded to its uncompressed layout; a failure names the chunk by its first line.
    private static func decompressed(_ packed: ArraySlice<UInt8>, compression: EXRCompressionCode,
                                     channels: [EXRChannel], width: Int, rows: Int, expectedCount: Int,
                                     firstLine: Int, fileName: String) throws -> [UInt8] {
        do {
            switch compression {
            case .rle:
                return try EXRRLECodec.decompress(packed, expectedCount: expectedCount, fileName: fileName)
            case .zips, .zip:
                return try EXRZipCodec.decompress(packed, expectedCount: expectedCount, fileName: fileName)
            case .piz:
                return try EXRPizCodec.decompress(packed, channels: channels, width: width, rows: rows,
                                                  expectedCount: expectedCount, fileName: fileName)
            case .none, .pxr24, .b44, .b44a, .dwaa, .dwab: // refused with the header, before any chunk
                throw ImageIOError(fileName: fileName, reason: "no decoder")
            }
        } catch let error as ImageIOError {
            throw ImageIOError(fileName: fileName, reason: "\(compression.name) chunk at line \(firstLine) "
                                   + "(\(packed.count) bytes): \(error.reason)")
        }
    }

    private static func readSample(_ reader: inout ImageByteReader,
                                   type: EXRSampleType) throws -> Float {
        switch type {
        case .half: return HalfFloat.float(fromBits: try reader.readUInt16(for: "half sample"))
        case .float: return try reader.readFloat32(for: "float sample")
        case .uint: return Float(try reader.readUInt32(for: "uint sample"))
        }
    }

    /// Reads attributes up to the empty name that ends the header.
    private static func readHeader(_ reader: inout ImageByteReader, maxNameLength: Int,
                                   fileName: String) throws -> Header {
        var header = Header()
        while true {
            let name = try reader.readCString(maxLength: maxNameLength, for: "attribute name")
            if name.isEmpty { return header }
            let type = try reader.readCString(maxLength: maxNameLength, for: "attribute type")
            let size = Int(try reader.readInt32(for: "attribute size"))
            var value = ImageByteReader(bytes: Array(try reader.readBytes(size, for: "attribute \(name)")),
                                        fileName: fileName)
            switch (name, type) {
            case ("channels", "chlist"):
                header.channels = try readChannels(&value, maxNameLength: maxNameLength)
            case ("compression", "compression"):
                let raw = try value.readUInt8(for: "compression")
                guard let code = EXRCompressionCode(rawValue: raw) else {
                    throw ImageIOError(fileName: fileName, reason: "unknown EXR compression \(raw)")
                }
                header.compression = code
            case ("dataWindow", "box2i"):
                let xMin = Int(try value.readInt32(for: "dataWindow"))
                let yMin = Int(try value.readInt32(for: "dataWindow"))
                let xMax = Int(try value.readInt32(for: "dataWindow"))
                let yMax = Int(try value.readInt32(for: "dataWindow"))
                header.dataWindow = (xMin, yMin, xMax, yMax)
            case ("tiles", _):
                throw ImageIOError(fileName: fileName, reason: "tiled EXR is not supported")
            case ("type", "string"):
                let kind = String(decoding: value.bytes, as: UTF8.self)
                guard kind == "scanlineimage" else {
                    throw ImageIOError(fileName: fileName,
                                       reason: "EXR part type \(kind) is not supported "
                                           + "(expected scanlineimage)")
                }
            case (_, "string"):
                header.strings[name] = String(decoding: value.bytes, as: UTF8.self)
            default:
                continue // lineOrder is irrelevant (chunks carry their y); others are metadata
            }
        }
    }

    private static func readChannels(_ value: inout ImageByteReader,
                                     maxNameLength: Int) throws -> [EXRChannel] {
        var channels: [EXRChannel] = []
        while true {
            let name = try value.readCString(maxLength: maxNameLength, for: "channel name")
            if name.isEmpty { return channels }
            let rawType = try value.readInt32(for: "channel pixel type")
            _ = try value.readBytes(4, for: "channel flags")
            let xSampling = try value.readInt32(for: "channel x sampling")
            let ySampling = try value.readInt32(for: "channel y sampling")
            guard let type = EXRSampleType(rawValue: rawType) else {
                throw ImageIOError(fileName: value.fileName,
                                   reason: "channel \(name) has unknown pixel type \(rawType)")
            }
            guard xSampling == 1, ySampling == 1 else {
                throw ImageIOError(fileName: value.fileName,
                                   reason: "channel \(name) is subsampled "
                                       + "(\(xSampling)x\(ySampling)); expected 1x1")
            }
            channels.append(EXRChannel(name: name, sampleType: type))
        }
    }
}
