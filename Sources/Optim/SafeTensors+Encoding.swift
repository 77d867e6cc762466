// Encoding a SafeTensors value: the JSON header, its padding, and the tensors' bytes in name order.

import Foundation

extension SafeTensors {
    /// The file's bytes. Tensors are laid out in name order; the header lists `__metadata__` first, then the
    /// tensors in that order, and is padded with spaces to a multiple of 8 bytes.
    public func encoded() -> Data {
        encodedChunks().reduce(into: Data()) { $0.append($1) }
    }

    /// The file's bytes as consecutive pieces (header, then each tensor's own bytes), so that large tensors can be
    /// written without first being copied into one buffer.
    func encodedChunks() -> [Data] {
        precondition(tensors["__metadata__"] == nil, "SafeTensors: '__metadata__' is reserved and cannot name a tensor")
        let names = tensors.keys.sorted()
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            entries.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for name in names {
            let tensor = tensors[name]!
            let end = offset + tensor.data.count
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\(jsonString(name)):{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[\(shape)],"
                           + "\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array("{\(entries.joined(separator: ","))}".utf8)
        header += [UInt8](repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        var prefix = Data(capacity: 8 + header.count)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { prefix.append(contentsOf: $0) }
        prefix.append(contentsOf: header)
        return [prefix] + names.map { tensors[$0]!.data }
    }
}

/// `text` as a JSON string literal: quotes, backslashes and control characters escaped, the rest as UTF-8.
private func jsonString(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}
