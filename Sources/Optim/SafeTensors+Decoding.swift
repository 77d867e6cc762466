// Decoding and validating safetensors bytes: header length, JSON header, dtypes, shapes, how offsets tile the data.

import Foundation

extension SafeTensors {
    /// The largest header the format allows (the `safetensors` package's limit).
    public static let maximumHeaderLength = 100_000_000

    /// Decodes and validates the bytes of a safetensors file; `file` names it in errors. Validation follows the
    /// `safetensors` package: the header must be a JSON object starting with '{', each tensor's byte range must hold
    /// exactly its shape's elements, and the ranges must tile the data with no overlap, gap or trailing bytes.
    /// Throws `SafeTensorsError`.
    public init(decoding data: Data, file: String = "<memory>") throws {
        func failure(_ problem: SafeTensorsError.Problem) -> SafeTensorsError {
            SafeTensorsError(file: file, problem: problem)
        }
        // The header is small; the tensors stay slices of `data` (often a memory-mapped file).
        let data = data.startIndex == 0 ? data : Data(data)
        let bytes = [UInt8](data.prefix(Swift.min(data.count, 8 + Self.maximumHeaderLength)))
        let fileSize = data.count
        // Phase 1: the header length and the header text.
        guard fileSize >= 8 else { throw failure(.fileTooShort(byteCount: fileSize)) }
        let length = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) }
        guard length <= UInt64(Self.maximumHeaderLength), length <= UInt64(fileSize - 8) else {
            throw failure(.headerLengthOutOfRange(length: length, fileSize: fileSize))
        }
        let dataStart = 8 + Int(length)
        let headerBytes = bytes[8..<dataStart]
        guard let text = String(bytes: headerBytes, encoding: .utf8) else {
            throw failure(.malformedHeader("the header is not UTF-8"))
        }
        guard text.first == "{" else { throw failure(.malformedHeader("the header does not start with '{'")) }
        let object: [String: Any]
        do {
            let json = try JSONSerialization.jsonObject(with: Data(headerBytes))
            guard let dictionary = json as? [String: Any] else {
                throw failure(.malformedHeader("the header is not a JSON object"))
            }
            object = dictionary
        } catch let error as SafeTensorsError {
            throw error
        } catch {
            throw failure(.malformedHeader("the header is not valid JSON"))
        }

        // Phase 2: each entry, in name order so the first error reported does not depend on hashing.
        let dataSize = fileSize - dataStart
        var entries: [(name: String, dtype: SafeTensorDType, shape: [Int], begin: Int, end: Int)] = []
        var metadata: [String: String] = [:]
        for name in object.keys.sorted() {
            let value = object[name]!
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else {
                    throw failure(.malformedHeader("'__metadata__' is not a JSON object"))
                }
                for (key, entry) in map {
                    guard let string = entry as? String else {
                        throw failure(.malformedHeader("'__metadata__' value of '\(key)' is not a string"))
                    }
                    metadata[key] = string
                }
                continue
            }
            guard let fields = value as? [String: Any] else {
                throw failure(.malformedHeader("tensor '\(name)' is not a JSON object"))
            }
            guard let dtypeName = fields["dtype"] as? String else {
                throw failure(.malformedHeader("tensor '\(name)' has no string 'dtype'"))
            }
            guard let dtype = SafeTensorDType(rawValue: dtypeName) else {
                throw failure(.unknownDType(tensor: name, dtype: dtypeName))
            }
            guard let shape = integers(fields["shape"]) else {
                throw failure(.malformedHeader("tensor '\(name)' has no integer array 'shape'"))
            }
            guard let offsets = integers(fields["data_offsets"]), offsets.count == 2 else {
                throw failure(.malformedHeader("tensor '\(name)' has no 'data_offsets' of two integers"))
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard let byteCount = Self.byteCount(shape: shape, dtype: dtype) else {
                throw failure(.invalidShape(tensor: name, shape: shape))
            }
            guard begin >= 0, end >= begin else { throw failure(.invalidOffsets(tensor: name, begin: begin, end: end)) }
            guard end <= dataSize else {
                throw failure(.offsetsOutOfBounds(tensor: name, begin: begin, end: end, dataSize: dataSize))
            }
            guard end - begin == byteCount else {
                throw failure(.sizeMismatch(tensor: name, shape: shape, dtype: dtypeName, byteCount: end - begin))
            }
            entries.append((name, dtype, shape, begin, end))
        }

        // Phase 3: the byte ranges, in offset order, must tile the data.
        var covered = 0
        var lastOwner = ""
        for entry in entries.sorted(by: { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }) {
            if entry.begin < covered {
                throw failure(.overlappingOffsets(tensor: entry.name, other: lastOwner))
            }
            if entry.begin > covered { throw failure(.unusedBytes(begin: covered, end: entry.begin)) }
            if entry.end > covered { (covered, lastOwner) = (entry.end, entry.name) }
        }
        if covered < dataSize { throw failure(.unusedBytes(begin: covered, end: dataSize)) }

        var tensors: [String: SafeTensor] = [:]
        for entry in entries {
            let range = (dataStart + entry.begin)..<(dataStart + entry.end)
            tensors[entry.name] = SafeTensor(dtype: entry.dtype, shape: entry.shape, data: data[range])
        }
        self.init(tensors: tensors, metadata: metadata)
    }

    /// The bytes of a tensor of `shape` and `dtype`; nil for a negative dimension or an overflowing count.
    private static func byteCount(shape: [Int], dtype: SafeTensorDType) -> Int? {
        var count = dtype.byteCount
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }
}

/// A JSON array of integers as [Int]; nil for anything else. JSONSerialization gives NSNumbers, which convert to
/// Int from booleans and integral floats too; their type codes tell those apart ('c'/'B' booleans, 'f'/'d' floats).
private func integers(_ value: Any?) -> [Int]? {
    guard let array = value as? [Any] else { return nil }
    var result: [Int] = []
    for element in array {
        guard let number = element as? NSNumber, let integer = element as? Int,
              !["c", "B", "f", "d"].contains(String(cString: number.objCType)) else { return nil }
        result.append(integer)
    }
    return result
}
