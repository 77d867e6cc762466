// NPYHeader: the NumPy .npy preamble and its Python-literal header dictionary (parse and format).

/// The header of a `.npy` file: `descr`, `fortran_order` and `shape`.
struct NPYHeader: Equatable {
    /// The six bytes every `.npy` file starts with: `\x93NUMPY`.
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    /// Total preamble + header length is padded to a multiple of this (NPY format 1.0).
    static let alignment = 64

    /// NumPy dtype string, e.g. `<f4`.
    var descr: String
    /// True when the data are stored column-major.
    var fortranOrder: Bool
    /// Array dimensions.
    var shape: [Int]

    /// The shape as Python prints it: `(128, 128, 3)`, `(5,)`, `()`.
    static func pythonTuple(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    /// Parses the preamble (versions 1.0, 2.0 and 3.0) and the header dictionary; returns the
    /// header and the offset where the array data start.
    static func parse(_ bytes: [UInt8], fileName: String) throws -> (header: NPYHeader, dataOffset: Int) {
        var reader = ImageByteReader(bytes: bytes, fileName: fileName)
        guard bytes.count >= 6, Array(try reader.readBytes(6, for: "magic")) == magic else {
            throw ImageIOError(fileName: fileName, reason: "not a NumPy .npy file (bad signature)")
        }
        let major = try reader.readUInt8(for: "format version")
        _ = try reader.readUInt8(for: "format version")
        let headerLength: Int
        switch major {
        case 1: headerLength = Int(try reader.readUInt16(for: "header length"))
        case 2, 3: headerLength = Int(try reader.readUInt32(for: "header length"))
        default:
            throw ImageIOError(fileName: fileName,
                               reason: "unsupported .npy format version \(major) (expected 1, 2 or 3)")
        }
        let text = String(decoding: try reader.readBytes(headerLength, for: "header"), as: UTF8.self)
        var scanner = PythonLiteralScanner(text: text, fileName: fileName)
        let dictionary = try scanner.dictionary()
        func field(_ key: String) throws -> PythonLiteral {
            guard let value = dictionary[key] else {
                throw ImageIOError(fileName: fileName, reason: "header has no '\(key)' entry")
            }
            return value
        }
        guard case .string(let descr) = try field("descr"),
              case .bool(let fortranOrder) = try field("fortran_order"),
              case .tuple(let shape) = try field("shape") else {
            throw ImageIOError(fileName: fileName,
                               reason: "header entries have unexpected types: \(text)")
        }
        return (NPYHeader(descr: descr, fortranOrder: fortranOrder, shape: shape), reader.offset)
    }

    /// The version 1.0 preamble and header, space-padded and newline-terminated so that the
    /// array data start at a multiple of 64 bytes.
    func encoded() -> [UInt8] {
        let order = fortranOrder ? "True" : "False"
        var text = "{'descr': '\(descr)', 'fortran_order': \(order), "
            + "'shape': \(NPYHeader.pythonTuple(shape)), }"
        let preambleLength = NPYHeader.magic.count + 4
        let unpadded = preambleLength + text.utf8.count + 1
        let padding = (NPYHeader.alignment - unpadded % NPYHeader.alignment) % NPYHeader.alignment
        text += String(repeating: " ", count: padding) + "\n"
        var writer = ImageByteWriter()
        writer.append(contentsOf: NPYHeader.magic)
        writer.append(contentsOf: [1, 0])
        writer.appendUInt16(UInt16(text.utf8.count))
        writer.append(contentsOf: Array(text.utf8))
        return writer.bytes
    }
}

/// A value in an NPY header dictionary.
enum PythonLiteral: Equatable {
    case string(String)
    case bool(Bool)
    case tuple([Int])
}

/// Parses the small Python dict literal of an NPY header: string keys; string, True/False
/// and integer-tuple values.
struct PythonLiteralScanner {
    private let characters: [Character]
    private let fileName: String
    private var position = 0

    init(text: String, fileName: String) {
        characters = Array(text)
        self.fileName = fileName
    }

    mutating func dictionary() throws -> [String: PythonLiteral] {
        var result: [String: PythonLiteral] = [:]
        try expect("{")
        while try peek() != "}" {
            guard case .string(let key) = try value() else { throw malformed("a string key") }
            try expect(":")
            result[key] = try value()
            if try peek() == "," { position += 1 }
        }
        position += 1
        return result
    }

    private mutating func value() throws -> PythonLiteral {
        switch try peek() {
        case "'", "\"":
            let quote = characters[position]
            position += 1
            guard let end = characters[position...].firstIndex(of: quote) else {
                throw malformed("a closing quote")
            }
            defer { position = end + 1 }
            return .string(String(characters[position..<end]))
        case "(":
            position += 1
            var numbers: [Int] = []
            while try peek() != ")" {
                let start = position
                while position < characters.count, characters[position].isNumber { position += 1 }
                let digits = String(characters[start..<position])
                if position < characters.count, characters[position] == "L" { position += 1 }
                guard let number = Int(digits) else {
                    throw malformed("an integer in the shape")
                }
                numbers.append(number)
                if try peek() == "," { position += 1 }
            }
            position += 1
            return .tuple(numbers)
        default:
            for (word, flag) in [("True", true), ("False", false)]
            where characters[position...].starts(with: word) {
                position += word.count
                return .bool(flag)
            }
            throw malformed("a string, tuple, True or False")
        }
    }

    /// The next non-space character (not consumed).
    private mutating func peek() throws -> Character {
        while position < characters.count, characters[position].isWhitespace { position += 1 }
        guard position < characters.count else { throw malformed("more header text") }
        return characters[position]
    }

    private mutating func expect(_ character: Character) throws {
        guard try peek() == character else { throw malformed("'\(character)'") }
        position += 1
    }

    private func malformed(_ expected: String) -> ImageIOError {
        ImageIOError(fileName: fileName,
                     reason: "malformed .npy header: expected \(expected) at character \(position) "
                         + "of \(String(characters).debugDescription)")
    }
}
