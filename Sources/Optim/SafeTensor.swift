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
        self.data = Data(data)   // a copy that starts at index 0, whatever slice was given
    }

    /// An F32 tensor holding `values` (row-major).
    public init(_ values: [Float], shape: [Int]) {
        self.init(dtype: .f32, shape: shape, data: Self.bytes(of: values.map(\.bitPattern)))
    }

    /// An I32 tensor holding `values` (row-major).
    public init(int32 values: [Int32], shape: [Int]) {
        self.init(dtype: .i32, shape: shape, data: Self.bytes(of: values.map { UInt32(bitPattern: $0) }))
    }

    /// An F32 tensor holding the values of `array` (evaluated now), with `shape`.
    public init(_ array: FloatArray, shape: [Int]) {
        array.eval()
        let count = array.count
        var data = Data(count: count * 4)
        data.withUnsafeMutableBytes { (bytes: UnsafeMutableRawBufferPointer) in
            if let storage = array.node.storage {
                for i in 0..<count {
                    bytes.storeBytes(of: storage.words[i].littleEndian, toByteOffset: i * 4, as: UInt32.self)
                }
            } else {
                let word = array.node.immediate.littleEndian   // a literal: one value repeated
                for i in 0..<count { bytes.storeBytes(of: word, toByteOffset: i * 4, as: UInt32.self) }
            }
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

    /// The elements as a FloatArray (F32 exactly, F64 rounded); nil for integer tensors.
    public func floatArray(context: TraceContext = .current) -> FloatArray? {
        floats().map { FloatArray($0, context: context) }
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
