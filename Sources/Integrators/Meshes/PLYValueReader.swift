// PLYValueReader: one value at a time from a PLY body, binary (either byte order) or ASCII, with bounds checks.

/// Why a value could not be read; `PLYReader` adds the file, element and record.
enum PLYValueError: Error {
    case truncated
    case malformed(String)
    case outOfRange(String, PLYScalarType)
}

/// A cursor over the body of a PLY file. Every read checks the bytes left, so no header can make it read
/// past the end.
struct PLYValueReader {
    let base: UnsafePointer<UInt8>
    let end: Int
    var offset: Int
    let format: PLYHeader.Format

    var remaining: Int { end - offset }

    /// The value as a `Double` (exact for every type except 64-bit integers beyond 2^53).
    @inline(__always)
    mutating func scalar(_ type: PLYScalarType) throws -> Double {
        if format == .ascii { return try asciiScalar(type) }
        guard type.size <= remaining else { throw PLYValueError.truncated }
        let raw = UnsafeRawPointer(base + offset)
        offset += type.size
        let little = format == .binaryLittleEndian
        switch type {
        case .int8: return Double(raw.load(as: Int8.self))
        case .uint8: return Double(raw.load(as: UInt8.self))
        case .int16:
            let bits = raw.loadUnaligned(as: UInt16.self)
            return Double(Int16(bitPattern: little ? UInt16(littleEndian: bits) : UInt16(bigEndian: bits)))
        case .uint16:
            let bits = raw.loadUnaligned(as: UInt16.self)
            return Double(little ? UInt16(littleEndian: bits) : UInt16(bigEndian: bits))
        case .float16:
            let bits = raw.loadUnaligned(as: UInt16.self)
            return Double(Self.halfToFloat(little ? UInt16(littleEndian: bits) : UInt16(bigEndian: bits)))
        case .int32:
            let bits = raw.loadUnaligned(as: UInt32.self)
            return Double(Int32(bitPattern: little ? UInt32(littleEndian: bits) : UInt32(bigEndian: bits)))
        case .uint32:
            let bits = raw.loadUnaligned(as: UInt32.self)
            return Double(little ? UInt32(littleEndian: bits) : UInt32(bigEndian: bits))
        case .float32:
            let bits = raw.loadUnaligned(as: UInt32.self)
            return Double(Float(bitPattern: little ? UInt32(littleEndian: bits) : UInt32(bigEndian: bits)))
        case .int64:
            let bits = raw.loadUnaligned(as: UInt64.self)
            return Double(Int64(bitPattern: little ? UInt64(littleEndian: bits) : UInt64(bigEndian: bits)))
        case .uint64:
            let bits = raw.loadUnaligned(as: UInt64.self)
            return Double(little ? UInt64(littleEndian: bits) : UInt64(bigEndian: bits))
        case .float64:
            let bits = raw.loadUnaligned(as: UInt64.self)
            return Double(bitPattern: little ? UInt64(littleEndian: bits) : UInt64(bigEndian: bits))
        }
    }

    /// An integer value (a list count or a vertex index); float types and fractions are refused.
    @inline(__always)
    mutating func integer(_ type: PLYScalarType) throws -> Int64 {
        let value = try scalar(type)
        guard type.isInteger, value == value.rounded(), abs(value) < 0x1p62 else {
            throw PLYValueError.malformed("\(value)")
        }
        return Int64(value)
    }

    /// Skips one value of `type`.
    @inline(__always)
    mutating func skip(_ type: PLYScalarType) throws {
        if format == .ascii {
            _ = try asciiScalar(type)
        } else {
            guard type.size <= remaining else { throw PLYValueError.truncated }
            offset += type.size
        }
    }

    /// Skips a whole property: a scalar, or a list's count and items.
    mutating func skip(_ kind: PLYProperty.Kind) throws {
        switch kind {
        case let .scalar(type):
            try skip(type)
        case let .list(countType, itemType):
            let count = try integer(countType)
            guard count >= 0 else { throw PLYValueError.malformed("list count \(count)") }
            if format == .ascii {
                // Each ASCII item takes at least two bytes, so a lying count fails here, not after a long loop.
                guard count <= Int64(remaining / 2 + 1) else { throw PLYValueError.truncated }
                for _ in 0..<count { try skip(itemType) }
            } else {
                let (bytes, overflow) = Int(count).multipliedReportingOverflow(by: itemType.size)
                guard !overflow, bytes <= remaining else { throw PLYValueError.truncated }
                offset += bytes
            }
        }
    }

    /// True when only whitespace (ASCII) or nothing (binary) is left.
    mutating func atEnd() -> Bool {
        if format == .ascii {
            while offset < end, Self.isSpace(base[offset]) { offset += 1 }
        }
        return offset >= end
    }

    // MARK: ASCII

    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }

    private mutating func asciiScalar(_ type: PLYScalarType) throws -> Double {
        while offset < end, Self.isSpace(base[offset]) { offset += 1 }
        guard offset < end else { throw PLYValueError.truncated }
        let start = offset
        while offset < end, !Self.isSpace(base[offset]) { offset += 1 }
        let stop = offset
        let token = { [base] in String(decoding: UnsafeBufferPointer(start: base + start, count: min(40, stop - start)), as: UTF8.self) }
        switch type {
        case .float32:
            guard let value = MeshNumberParser.float(base, start, offset) else { throw PLYValueError.malformed(token()) }
            return Double(value)
        case .float64:
            guard let value = MeshNumberParser.double(base, start, offset) else { throw PLYValueError.malformed(token()) }
            return value
        case .float16:
            guard let value = MeshNumberParser.float(base, start, offset) else { throw PLYValueError.malformed(token()) }
            return Double(Self.halfToFloat(Self.floatToHalf(value)))
        default:
            guard let value = MeshNumberParser.integer(base, start, offset) else { throw PLYValueError.malformed(token()) }
            let range: ClosedRange<Int64>
            switch type {
            case .int8: range = -128...127
            case .uint8: range = 0...255
            case .int16: range = -32768...32767
            case .uint16: range = 0...65535
            case .int32: range = Int64(Int32.min)...Int64(Int32.max)
            case .uint32: range = 0...Int64(UInt32.max)
            case .uint64: range = 0...Int64.max
            default: range = Int64.min...Int64.max
            }
            guard range.contains(value) else { throw PLYValueError.outOfRange(token(), type) }
            return Double(value)
        }
    }

    // MARK: Half precision

    /// IEEE binary16 bits to a Float (exact).
    static func halfToFloat(_ bits: UInt16) -> Float {
        let sign: Float = bits & 0x8000 != 0 ? -1 : 1
        let exponent = Int((bits >> 10) & 0x1F)
        let fraction = Float(bits & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }

    /// A Float rounded to the nearest binary16 (ties to even), as bits; ASCII `half` values are stored rounded
    /// like Mitsuba's `dr::half(value)`.
    static func floatToHalf(_ value: Float) -> UInt16 {
        let sign: UInt16 = value.sign == .minus ? 0x8000 : 0
        let magnitude = abs(value)
        if magnitude.isNaN { return 0x7E00 }
        if magnitude >= 65520 { return sign | 0x7C00 }
        if magnitude < 0x1p-14 {
            // Subnormal halves are multiples of 2^-24; rounding the scaled value rounds ties to even.
            return sign | UInt16((magnitude * 0x1p24).rounded(.toNearestOrEven))
        }
        let exponent = Int(magnitude.exponent)
        let scaled = (magnitude * Float(sign: .plus, exponent: 10 - exponent, significand: 1)).rounded(.toNearestOrEven)
        // A significand that rounds up to 2048 carries into the exponent, which the bit layout handles.
        return sign | UInt16((exponent + 15) << 10) &+ (UInt16(scaled) &- 1024)
    }
}
