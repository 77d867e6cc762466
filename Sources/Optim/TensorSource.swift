// TensorSource: named tensors whose dtypes and shapes are known before any element is read (in memory or on disk).

import Foundation

/// Named tensors and string metadata whose dtypes and shapes can be checked before any element is read:
/// `SafeTensors` in memory, or a `SafeTensorsFile` read on demand. A checkpoint restores from either, validating
/// every tensor it needs before it reads (and allocates for) any of them.
public protocol TensorSource {
    /// The names of all tensors.
    var tensorNames: [String] { get }
    /// The `__metadata__` map.
    var metadata: [String: String] { get }
    /// The dtype and shape of tensor `name`, or nil when there is none.
    func header(of name: String) -> (dtype: SafeTensorDType, shape: [Int])?
    /// Writes the elements of the F32 or F64 tensor `name` as floats into `destination` (its element count).
    func readFloats(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws
    /// Tensor `name` with its bytes in memory, or nil when there is none (for small tensors).
    func tensor(_ name: String) throws -> SafeTensor?
}

extension SafeTensors: TensorSource {
    /// The names of all tensors.
    public var tensorNames: [String] { Array(tensors.keys) }

    /// The dtype and shape of tensor `name`.
    public func header(of name: String) -> (dtype: SafeTensorDType, shape: [Int])? {
        tensors[name].map { ($0.dtype, $0.shape) }
    }

    /// Converts the elements of tensor `name` (F32 or F64) into `destination`.
    public func readFloats(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard let tensor = tensors[name], let values = tensor.floats() else {
            throw SafeTensorsError(file: "<memory>", problem: .unreadable("no float tensor '\(name)'"))
        }
        precondition(values.count == destination.count,
                     "Optim: tensor '\(name)' has \(values.count) elements, not \(destination.count)")
        _ = destination.initialize(from: values)
    }

    /// Tensor `name`.
    public func tensor(_ name: String) throws -> SafeTensor? { tensors[name] }
}

extension SafeTensorsFile: TensorSource {
    /// The names of all tensors.
    public var tensorNames: [String] { Array(index.entries.keys) }

    /// The dtype and shape of tensor `name`.
    public func header(of name: String) -> (dtype: SafeTensorDType, shape: [Int])? {
        index.entries[name].map { ($0.dtype, $0.shape) }
    }
}

extension TensorSource {
    /// Every tensor read into memory, with the metadata.
    public func loadedContents() throws -> SafeTensors {
        var tensors: [String: SafeTensor] = [:]
        for name in tensorNames { tensors[name] = try tensor(name) }
        return SafeTensors(tensors: tensors, metadata: metadata)
    }
}
