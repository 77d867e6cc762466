// PLYHeader: the header of a Stanford PLY file (format, elements, properties) parsed as Mitsuba's ply plugin does.

/// A PLY scalar type, under the standard names and Mitsuba's extra ones (`uint8`, `int32`, `half`, ...).
enum PLYScalarType: Sendable, Equatable {
    case int8, uint8, int16, uint16, int32, uint32, int64, uint64, float16, float32, float64

    init?(name: Substring) {
        switch name {
        case "char", "int8": self = .int8
        case "uchar", "uint8": self = .uint8
        case "short", "int16": self = .int16
        case "ushort", "uint16": self = .uint16
        case "int", "int32": self = .int32
        case "uint", "uint32": self = .uint32
        case "long": self = .int64
        case "ulong": self = .uint64
        case "half", "float16": self = .float16
        case "float", "float32": self = .float32
        case "double", "float64": self = .float64
        default: return nil
        }
    }

    /// Bytes per value in a binary file.
    var size: Int {
        switch self {
        case .int8, .uint8: return 1
        case .int16, .uint16, .float16: return 2
        case .int32, .uint32, .float32: return 4
        case .int64, .uint64, .float64: return 8
        }
    }

    var isInteger: Bool { self != .float16 && self != .float32 && self != .float64 }
}

/// One property of an element: a scalar, or a list with its count and item types.
struct PLYProperty: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case scalar(PLYScalarType)
        case list(count: PLYScalarType, item: PLYScalarType)
    }
    var name: String
    var kind: Kind
}

/// An element declaration: its name, record count and properties in file order.
struct PLYElement: Sendable, Equatable {
    var name: String
    var count: Int
    var properties: [PLYProperty]

    /// The record size in a binary file when no property is a list.
    var fixedRecordSize: Int? {
        var size = 0
        for property in properties {
            guard case let .scalar(type) = property.kind else { return nil }
            size += type.size
        }
        return size
    }

    /// The index of the scalar property called `name`, if there is one.
    func scalarIndex(_ name: String) -> Int? {
        properties.firstIndex { $0.name == name && { if case .scalar = $0.kind { return true }; return false }($0) }
    }
}

/// A parsed PLY header and where the data starts.
struct PLYHeader: Sendable, Equatable {
    enum Format: Sendable, Equatable { case ascii, binaryLittleEndian, binaryBigEndian }
    var format: Format
    var elements: [PLYElement]
    /// Byte offset of the first byte after the `end_header` line.
    var dataOffset: Int

    /// Parses the header at the start of `bytes`; errors name `fileName` and the header line.
    init(bytes: UnsafeBufferPointer<UInt8>, fileName: String) throws {
        var format: Format?
        var elements: [PLYElement] = []
        var sawPly = false
        var start = 0
        var line = 0
        func fail(_ reason: String) -> MeshLoadError {
            MeshLoadError(fileName: fileName, location: "header line \(line)", reason: reason)
        }
        while true {
            guard start < bytes.count else {
                throw MeshLoadError(fileName: fileName, reason: line == 0 ? "empty file, expected a PLY header"
                                        : "the PLY header has no end_header line")
            }
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            line += 1
            guard end - start <= 4096 else { throw fail("header line longer than 4096 bytes") }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
            let tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            start = end + 1
            guard let keyword = tokens.first else { continue }
            if !sawPly {
                guard keyword == "ply", tokens.count == 1 else {
                    throw MeshLoadError(fileName: fileName, reason: "not a PLY file (expected \"ply\" on the first line)")
                }
                sawPly = true
                continue
            }
            switch keyword {
            case "comment", "obj_info":
                continue
            case "format":
                guard format == nil else { throw fail("duplicate \"format\" line") }
                guard tokens.count == 3 else { throw fail("expected \"format <ascii|binary_little_endian|binary_big_endian> 1.0\"") }
                switch tokens[1] {
                case "ascii": format = .ascii
                case "binary_little_endian": format = .binaryLittleEndian
                case "binary_big_endian": format = .binaryBigEndian
                default: throw fail("unknown format \"\(tokens[1])\", expected ascii, binary_little_endian or binary_big_endian")
                }
                guard tokens[2] == "1.0" else { throw fail("unknown PLY version \"\(tokens[2])\", expected 1.0") }
            case "element":
                guard tokens.count == 3, let count = UInt64(tokens[2]), count <= UInt64(Int.max) else {
                    throw fail("expected \"element <name> <count>\"")
                }
                elements.append(PLYElement(name: String(tokens[1]), count: Int(count), properties: []))
            case "property":
                guard format != nil else { throw fail("\"property\" before \"format\"") }
                guard !elements.isEmpty else { throw fail("\"property\" before any \"element\"") }
                if tokens.count >= 2, tokens[1] == "list" {
                    guard tokens.count == 5 else { throw fail("expected \"property list <count type> <item type> <name>\"") }
                    guard let countType = PLYScalarType(name: tokens[2]) else { throw fail("unknown type \"\(tokens[2])\"") }
                    guard let itemType = PLYScalarType(name: tokens[3]) else { throw fail("unknown type \"\(tokens[3])\"") }
                    guard countType.isInteger else { throw fail("list count type \"\(tokens[2])\" is not an integer type") }
                    elements[elements.count - 1].properties.append(
                        PLYProperty(name: String(tokens[4]), kind: .list(count: countType, item: itemType)))
                } else {
                    guard tokens.count == 3 else { throw fail("expected \"property <type> <name>\"") }
                    guard let type = PLYScalarType(name: tokens[1]) else { throw fail("unknown type \"\(tokens[1])\"") }
                    elements[elements.count - 1].properties.append(PLYProperty(name: String(tokens[2]), kind: .scalar(type)))
                }
            case "end_header":
                guard tokens.count == 1 else { throw fail("unexpected text after \"end_header\"") }
                guard let format else { throw fail("no \"format\" line before \"end_header\"") }
                self.format = format
                self.elements = elements
                self.dataOffset = min(start, bytes.count)
                return
            default:
                throw fail("unknown header keyword \"\(keyword)\"")
            }
        }
    }
}
