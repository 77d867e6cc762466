// Reading checkpoint tensors back as parameter values and step counts, with errors that name the key.

import Tracer

extension Dictionary where Key == String, Value == SafeTensor {
    /// The float tensor `key` as a FloatArray of `shape`; throws when it is absent, not a float or differently shaped.
    func floatArray(_ key: String, shape: [Int], context: TraceContext) throws(CheckpointError.Problem) -> FloatArray {
        guard let tensor = self[key] else { throw .missingTensor(key: key) }
        guard tensor.shape == shape else { throw .shapeMismatch(key: key, expected: shape, found: tensor.shape) }
        guard let array = tensor.floatArray(context: context) else {
            throw .wrongDType(key: key, found: tensor.dtype.rawValue)
        }
        return array
    }

    /// The one-element tensor `key` (any dtype) as a non-negative integer count, such as Adam's step.
    func count(_ key: String) throws(CheckpointError.Problem) -> Int {
        guard let tensor = self[key] else { throw .missingTensor(key: key) }
        guard tensor.elementCount == 1 else { throw .shapeMismatch(key: key, expected: [], found: tensor.shape) }
        let value = tensor.integers().map { Double($0[0]) } ?? tensor.doubles()![0]
        guard value >= 0, value.rounded() == value, let count = Int(exactly: value) else {
            throw .invalidCount(key: key)
        }
        return count
    }
}
