// SafeTensorsError: why a safetensors file could not be read or written, naming the file and the problem.

/// A safetensors file that could not be read or written: the file and what is wrong with it.
public struct SafeTensorsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public enum Problem: Equatable, Sendable, CustomStringConvertible {
        /// Fewer than the 8 bytes of the header length.
        case fileTooShort(byteCount: Int)
        /// The header length runs past the end of the file (or exceeds the 100 MB limit of the format).
        case headerLengthOutOfRange(length: UInt64, fileSize: Int)
        /// The header is not UTF-8 JSON of the expected form; the text says where.
        case malformedHeader(String)
        /// A dtype this module does not read (it reads F32, F64, I32, I64).
        case unknownDType(tensor: String, dtype: String)
        /// A negative dimension, or a shape whose element count overflows.
        case invalidShape(tensor: String, shape: [Int])
        /// `data_offsets` that are negative or whose end precedes their begin.
        case invalidOffsets(tensor: String, begin: Int, end: Int)
        /// `data_offsets` that run past the end of the data (offsets are relative to the first byte after the
        /// header).
        case offsetsOutOfBounds(tensor: String, begin: Int, end: Int, dataSize: Int)
        /// Two tensors whose byte ranges overlap.
        case overlappingOffsets(tensor: String, other: String)
        /// Bytes of the data that belong to no tensor (the format requires tensors to tile the data).
        case unusedBytes(begin: Int, end: Int)
        /// A byte range that does not hold `shape`'s element count of `dtype`.
        case sizeMismatch(tensor: String, shape: [Int], dtype: String, byteCount: Int)
        /// The file could not be read; the system's reason.
        case unreadable(String)
        /// The file could not be written; the system's reason.
        case unwritable(String)

        /// One sentence naming the offending tensor or bytes.
        public var description: String {
            switch self {
            case let .fileTooShort(byteCount):
                "the file has \(byteCount) bytes, fewer than the 8-byte header length"
            case let .headerLengthOutOfRange(length, fileSize):
                "the header length \(length) does not fit in a file of \(fileSize) bytes"
            case let .malformedHeader(reason):
                "malformed header: \(reason)"
            case let .unknownDType(tensor, dtype):
                "tensor '\(tensor)' has dtype '\(dtype)', which is not one of F32, F64, I32, I64"
            case let .invalidShape(tensor, shape):
                "tensor '\(tensor)' has an invalid shape \(shape)"
            case let .invalidOffsets(tensor, begin, end):
                "tensor '\(tensor)' has invalid data_offsets [\(begin), \(end)]"
            case let .offsetsOutOfBounds(tensor, begin, end, dataSize):
                "tensor '\(tensor)' has data_offsets [\(begin), \(end)] beyond the \(dataSize) bytes of data"
            case let .overlappingOffsets(tensor, other):
                "the data of tensor '\(tensor)' overlaps that of tensor '\(other)'"
            case let .unusedBytes(begin, end):
                "bytes \(begin)..<\(end) of the data belong to no tensor"
            case let .sizeMismatch(tensor, shape, dtype, byteCount):
                "tensor '\(tensor)' of shape \(shape) and dtype \(dtype) has \(byteCount) bytes of data"
            case let .unreadable(reason):
                "cannot read the file: \(reason)"
            case let .unwritable(reason):
                "cannot write the file: \(reason)"
            }
        }
    }

    /// The file's path (or a name given to in-memory data).
    public let file: String
    /// What is wrong with it.
    public let problem: Problem

    /// An error about `file`.
    public init(file: String, problem: Problem) {
        self.file = file
        self.problem = problem
    }

    /// "<file>: <problem>".
    public var description: String { "\(file): \(problem)" }
}
