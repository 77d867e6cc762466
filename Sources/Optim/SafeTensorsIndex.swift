// SafeTensorsIndex: a safetensors file's validated header (each tensor's dtype, shape and byte range, and the
// metadata), read before any tensor's data.

import Foundation

/// What the JSON header of a safetensors file says, checked against the size of the data that follows it.
///
/// Validation follows the `safetensors` package: the header must be a JSON object starting with '{', each tensor's
/// byte range must hold exactly its shape's elements, and the ranges must tile the data with no overlap, gap or
/// trailing bytes. Because every range is checked against the real data size, no reader that trusts an index can
/// be made to allocate more than the file holds.
public struct SafeTensorsIndex: Equatable, Sendable {
    /// One tensor's place in the file.
    public struct Entry: Equatable, Sendable {
        /// The element type.
        public let dtype: SafeTensorDType
        /// The dimensions.
        public let shape: [Int]
        /// Its bytes, counted from the first byte after the header.
        public let byteRange: Range<Int>

        /// The number of elements (the product of the dimensions).
        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// The tensors by name.
    public let entries: [String: Entry]
    /// The `__metadata__` map.
    public let metadata: [String: String]
    /// The file offset of the first data byte (8 + the header length).
    public let dataStart: Int

    /// The largest header the format allows (the `safetensors` package's limit).
    public static let maximumHeaderLength = 100_000_000

    /// The header length stored in the first 8 bytes of a file of `fileSize` bytes, checked against the format's
    /// limit and the file size. Throws `SafeTensorsError`.
    static func headerLength(prefix: some Collection<UInt8>, fileSize: Int, file: String) throws -> Int {
        guard fileSize >= 8, prefix.count >= 8 else {
            throw SafeTensorsError(file: file, problem: .fileTooShort(byteCount: fileSize))
        }
        let length = prefix.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(maximumHeaderLength), length <= UInt64(fileSize - 8) else {
            throw SafeTensorsError(file: file, problem: .headerLengthOutOfRange(length: length, fileSize: fileSize))
        }
        return Int(length)
    }

    /// Parses and validates the header bytes (`headerBytes`, the bytes after the 8-byte length) of a file whose data
    /// (after the header) has `dataSize` bytes; `file` names it in errors. Throws `SafeTensorsError`.
    init(headerBytes: some Collection<UInt8>, dataSize: Int, file: String) throws {
        func failure(_ problem: SafeTensorsError.Problem) -> SafeTensorsError {
            SafeTensorsError(file: file, problem: problem)
        }
        // Phase 1: the header text as a JSON object.
        let headerData = Data(headerBytes)
        guard let text = String(data: headerData, encoding: .utf8) else {
            throw failure(.malformedHeader("the header is not UTF-8"))
        }
        guard text.first == "{" else { throw failure(.malformedHeader("the header does not start with '{'")) }
        let object: [String: Any]
        do {
            let json = try JSONSerialization.jsonObject(with: headerData)
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
        var entries: [String: Entry] = [:]
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
            entries[name] = Entry(dtype: dtype, shape: shape, byteRange: begin..<end)
        }

        // Phase 3: the byte ranges, in offset order, must tile the data.
        var covered = 0
        var lastOwner = ""
        let ordered = entries.sorted {
            ($0.value.byteRange.lowerBound, $0.value.byteRange.upperBound, $0.key)
                < ($1.value.byteRange.lowerBound, $1.value.byteRange.upperBound, $1.key)
        }
        for (name, entry) in ordered {
            if entry.byteRange.lowerBound < covered {
                throw failure(.overlappingOffsets(tensor: name, other: lastOwner))
            }
            if entry.byteRange.lowerBound > covered {
                throw failure(.unusedBytes(begin: covered, end: entry.byteRange.lowerBound))
            }
            if entry.byteRange.upperBound > covered { (covered, lastOwner) = (entry.byteRange.upperBound, name) }
        }
        if covered < dataSize { throw failure(.unusedBytes(begin: covered, end: dataSize)) }
        self.entries = entries
        self.metadata = metadata
        dataStart = 8 + headerBytes.count
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
