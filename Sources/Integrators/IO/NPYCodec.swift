// NPYCodec: NumPy .npy arrays (H, W) / (H, W, C) <-> Bitmap, reading several dtypes, writing <f4.

import Foundation

/// Reads and writes `.npy` arrays as bitmaps, values as they are (`isSRGB == false`).
enum NPYCodec {
    /// Decodes a C-order array of shape (H, W) (one channel) or (H, W, C).
    static func decode(_ data: Data, fileName: String) throws -> Bitmap {
        let bytes = [UInt8](data)
        let (header, dataOffset) = try NPYHeader.parse(bytes, fileName: fileName)
        guard let type = NPYElementType(rawValue: header.descr) else {
            throw ImageIOError(fileName: fileName,
                               reason: "expected dtype <f4, <f8, |u1, <i4 or <u2, found \(header.descr)")
        }
        guard !header.fortranOrder else {
            throw ImageIOError(fileName: fileName,
                               reason: "fortran_order True is not supported (expected C order; "
                                   + "save np.ascontiguousarray(a))")
        }
        let shape = header.shape
        guard shape.count == 2 || (shape.count == 3 && shape[2] >= 1) else {
            throw ImageIOError(fileName: fileName,
                               reason: "expected shape (H, W) or (H, W, C), found "
                                   + NPYHeader.pythonTuple(shape))
        }
        let height = shape[0], width = shape[1], channels = shape.count == 3 ? shape[2] : 1
        let (area, areaOverflow) = height.multipliedReportingOverflow(by: width)
        let (count, countOverflow) = area.multipliedReportingOverflow(by: channels)
        guard !areaOverflow, !countOverflow,
              !count.multipliedReportingOverflow(by: type.byteCount).overflow else {
            throw ImageIOError(fileName: fileName,
                               reason: "shape \(NPYHeader.pythonTuple(shape)) is too large")
        }
        let needed = count * type.byteCount
        guard bytes.count - dataOffset >= needed else {
            throw ImageIOError(fileName: fileName,
                               reason: "file is truncated (shape \(NPYHeader.pythonTuple(shape)) "
                                   + "\(header.descr) needs \(needed) data bytes, "
                                   + "found \(bytes.count - dataOffset))")
        }
        let pixels = bytes.withUnsafeBytes { raw in
            type.floats(from: UnsafeRawBufferPointer(rebasing: raw[dataOffset..<dataOffset + needed]))
        }
        return Bitmap(width: width, height: height, channelCount: channels, pixels: pixels)
    }

    /// Encodes little-endian float32 with shape (H, W, C), or (H, W) for one channel when
    /// `dropsSingleChannelAxis` is true.
    static func encode(_ bitmap: Bitmap, dropsSingleChannelAxis: Bool) -> Data {
        let shape = dropsSingleChannelAxis && bitmap.channelCount == 1
            ? [bitmap.height, bitmap.width]
            : [bitmap.height, bitmap.width, bitmap.channelCount]
        let header = NPYHeader(descr: "<f4", fortranOrder: false, shape: shape)
        var data = Data(header.encoded())
        let littleEndian = bitmap.pixels.map { $0.bitPattern.littleEndian }
        littleEndian.withUnsafeBytes { data.append(contentsOf: $0) }
        return data
    }
}

/// The NumPy dtypes `NPYCodec` reads, by their `descr` strings.
enum NPYElementType: String {
    case float32 = "<f4", float64 = "<f8", uint8 = "|u1", int32 = "<i4", uint16 = "<u2"

    /// Bytes per element.
    var byteCount: Int {
        switch self {
        case .uint8: return 1
        case .uint16: return 2
        case .float32, .int32: return 4
        case .float64: return 8
        }
    }

    /// Converts packed little-endian elements to Float.
    func floats(from raw: UnsafeRawBufferPointer) -> [Float] {
        let count = raw.count / byteCount
        return (0..<count).map { index in
            let offset = index * byteCount
            switch self {
            case .float32:
                return Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            case .float64:
                return Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))))
            case .uint8:
                return Float(raw[offset])
            case .int32:
                return Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
            case .uint16:
                return Float(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
            }
        }
    }
}
