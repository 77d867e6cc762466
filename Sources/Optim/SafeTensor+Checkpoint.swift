// Checking checkpoint tensors against what they restore (errors that name the key), then reading them into arrays.

import Tracer

extension TensorSource {
    /// Checks that tensor `key` exists, has `shape` and a float dtype, without reading it.
    func checkFloat(_ key: String, shape: [Int]) throws(CheckpointError.Problem) {
        guard let header = header(of: key) else { throw .missingTensor(key: key) }
        guard header.shape == shape else { throw .shapeMismatch(key: key, expected: shape, found: header.shape) }
        guard header.dtype == .f32 || header.dtype == .f64 else {
            throw .wrongDType(key: key, found: header.dtype.rawValue)
        }
    }

    /// Tensor `key` (checked with `checkFloat`) read straight into the memory of a new FloatArray of `count`
    /// elements. Throws `SafeTensorsError` when the read fails.
    func readFloatArray(_ key: String, count: Int, context: TraceContext) throws -> FloatArray {
        var failure: (any Error)?
        let array = FloatArray(count: count, context: context) { destination in
            do { try readFiniteFloats(key, into: destination) } catch { failure = error }
        }
        if let failure { throw failure }
        return array
    }

    /// Tensor `key` (checked with `checkFloat`) read into `existing`'s own memory when it has some (see
    /// `TracedArray.overwritingInPlace`), and returned; otherwise read into a new array, as `readFloatArray`.
    func readFloats(_ key: String, overwriting existing: FloatArray?, count: Int, context: TraceContext) throws -> FloatArray {
        if let existing, existing.count == count {
            var failure: (any Error)?
            let inPlace = existing.overwritingInPlace { destination in
                do { try readFiniteFloats(key, into: destination) } catch { failure = error }
            }
            if let failure { throw failure }
            if inPlace { return existing }
        }
        return try readFloatArray(key, count: count, context: context)
    }

    /// `readFloats`, then throws `.nonFinite` naming the first NaN or infinite element.
    private func readFiniteFloats(_ key: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        try readFloats(key, into: destination)
        if let index = destination.firstIndex(where: { !$0.isFinite }) {
            throw CheckpointError.Problem.nonFinite(key: key, index: index, value: destination[index])
        }
    }

    /// The one-element tensor `key` (any dtype) as a non-negative integer count, such as Adam's step.
    func count(_ key: String) throws -> Int {
        guard let header = header(of: key) else { throw CheckpointError.Problem.missingTensor(key: key) }
        guard header.shape.reduce(1, *) == 1 else {
            throw CheckpointError.Problem.shapeMismatch(key: key, expected: [], found: header.shape)
        }
        let tensor = try tensor(key)!
        let value = tensor.integers().map { Double($0[0]) } ?? tensor.doubles()![0]
        guard value >= 0, value.rounded() == value, let count = Int(exactly: value) else {
            throw CheckpointError.Problem.invalidCount(key: key)
        }
        return count
    }
}
