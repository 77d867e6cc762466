// SafeTensor: one tensor of a safetensors file (dtype, shape, little-endian bytes) and its conversions.

import Foundation
import Tracer

/// The element types this module reads and writes in safetensors files (their names in the header).
public enum SafeTensorDType: String, Sendable, CaseIterable {
    /// 32-bit IEEE float.
    case f32 = "F32"
    /// 64-bit IEEE float.
    case f64 = "F64"
    /// 32-bit signed integer.
    case i32 = "I32"
    /// 64-bit signed integer.
    case i64 = "I64"

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .f32, .i32: 4
        case .f64, .i64: 8
        }
    }
}

/// One tensor of a safetensors file: element type, shape and the raw little-endian, row-major element bytes.
public struct SafeTensor: Equatable, Sendable {
    /// The element type.
    public let dtype: SafeTensorDType
    /// The dimensions (`[]` for a scalar, which has one element).
    public let shape: [Int]
    /// The elements' bytes, little-endian, row-major; `elementCount * dtype.byteCount` of them.
    public let data: Data

    /// A tensor from raw bytes, which must number `shape`'s element count times the element size.
    public init(dtype: SafeTensorDType, shape: [Int], data: Data) {
        precondition(shape.allSatisfy { $0 >= 0 }, "SafeTensors: negative dimension in shape \(shape)")
        let count = shape.reduce(1, *)
        precondition(data.count == count * dtype.byteCount,
                     "SafeTensors: \(data.count) bytes for a \(dtype.rawValue) tensor of shape \(shape)")
        self.dtype = dtype
        self.shape = shape
        self.data = data   // may be a slice of a larger (memory-mapped) file: never copied
    }

    /// An F32 tensor holding `values` (row-major).
    public init(_ values: [Float], shape: [Int]) {
        self.init(dtype: .f32, shape: shape, data: Self.bytes(of: values.map(\.bitPattern)))
    }

    /// An I32 tensor holding `values` (row-major).
    public init(int32 values: [Int32], shape: [Int]) {
        self.init(dtype: .i32, shape: shape, data: Self.bytes(of: values.map { UInt32(bitPattern: $0) }))
    }

    /// An F32 tensor holding the values of `array` (evaluated now), with `shape`. The bytes are the array's own
    /// memory (no copy, on little-endian hosts), kept alive by the tensor.
    public init(_ array: FloatArray, shape: [Int]) {
        array.eval()
        let count = array.count
        let data: Data
        if let storage = array.node.storage, UInt32(1).littleEndian == 1 {
            data = Data(bytesNoCopy: storage.pointer, count: count * 4,
                        deallocator: .custom { _, _ in withExtendedLifetime(storage) {} })
        } else {
            let values = array.values
            var bytes = Data(count: count * 4)
            bytes.withUnsafeMutableBytes { (buffer: UnsafeMutableRawBufferPointer) in
                for i in 0..<count {
                    buffer.storeBytes(of: values[i].bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
                }
            }
            data = bytes
        }
        self.init(dtype: .f32, shape: shape, data: data)
    }

    /// The number of elements (the product of the dimensions).
    public var elementCount: Int { shape.reduce(1, *) }

    /// The elements as floats: F32 exactly, F64 rounded to the nearest float; nil for integer tensors.
    public func floats() -> [Float]? {
        switch dtype {
        case .f32: words(UInt32.self).map { Float(bitPattern: $0) }
        case .f64: words(UInt64.self).map { Float(Double(bitPattern: $0)) }
        case .i32, .i64: nil
        }
    }

    /// The elements as doubles (F32 and F64); nil for integer tensors.
    public func doubles() -> [Double]? {
        switch dtype {
        case .f32: words(UInt32.self).map { Double(Float(bitPattern: $0)) }
        case .f64: words(UInt64.self).map { Double(bitPattern: $0) }
        case .i32, .i64: nil
        }
    }

    /// The elements as integers (I32 and I64); nil for float tensors.
    public func integers() -> [Int64]? {
        switch dtype {
        case .i32: words(UInt32.self).map { Int64(Int32(bitPattern: $0)) }
        case .i64: words(UInt64.self).map { Int64(bitPattern: $0) }
        case .f32, .f64: nil
        }
    }

    /// The first NaN or infinite element of a float tensor (index, value as a float), scanning the bytes in place;
    /// nil when all are finite or the tensor holds integers.
    public func firstNonFinite() -> (index: Int, value: Float)? {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> (Int, Float)? in
            switch dtype {
            case .f32:
                for i in 0..<elementCount {
                    let value = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                    if !value.isFinite { return (i, value) }
                }
            case .f64:
                for i in 0..<elementCount {
                    let value = Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))
                    if !Float(value).isFinite { return (i, Float(value)) }
                }
            case .i32, .i64:
                break
            }
            return nil
        }
    }

    /// The elements as a FloatArray (F32 exactly, F64 rounded); nil for integer tensors.
    public func floatArray(context: TraceContext = .current) -> FloatArray? {
        guard dtype == .f32 else { return floats().map { FloatArray($0, context: context) } }
        // Straight from the (possibly memory-mapped) bytes into the array's memory.
        return FloatArray(count: elementCount, context: context) { destination in
            data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
                for i in 0..<destination.count {
                    destination[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                }
            }
        }
    }

    /// The data read as little-endian words of `Word`'s width.
    private func words<Word: FixedWidthInteger>(_: Word.Type) -> [Word] {
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            (0..<bytes.count / MemoryLayout<Word>.size).map { i in
                Word(littleEndian: bytes.loadUnaligned(fromByteOffset: i * MemoryLayout<Word>.size, as: Word.self))
            }
        }
    }

    private static func bytes(of words: [UInt32]) -> Data {
        var data = Data(count: words.count * 4)
        data.withUnsafeMutableBytes { (bytes: UnsafeMutableRawBufferPointer) in
            for (i, word) in words.enumerated() {
                bytes.storeBytes(of: word.littleEndian, toByteOffset: i * 4, as: UInt32.self)
            }
        }
        return data
    }
}
