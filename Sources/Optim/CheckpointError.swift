// CheckpointError: why a checkpoint could not be restored, naming the file, the key and what was expected.

/// A checkpoint that does not fit the module or optimiser it is restored into, or whose metadata is invalid.
/// Problems of the file format itself are `SafeTensorsError`s.
public struct CheckpointError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        /// A tensor the module or optimiser needs is absent.
        case missingTensor(key: String)
        /// A tensor has another shape than the parameter it restores.
        case shapeMismatch(key: String, expected: [Int], found: [Int])
        /// A tensor has a dtype that cannot restore a float parameter or a step count.
        case wrongDType(key: String, found: String)
        /// A one-element tensor that should hold a count (Adam's "step") holds something else.
        case invalidCount(key: String)
        /// A tensor that is neither a parameter of the module nor state of one (a checkpoint of another model or
        /// optimiser).
        case unexpectedTensor(key: String)
        /// A tensor holds NaN or an infinity (element `index`, row-major): refused when restoring, and never written.
        case nonFinite(key: String, index: Int, value: Float)
        /// A `__metadata__` entry ("iteration", "seed") is absent.
        case missingMetadata(key: String)
        /// A `__metadata__` entry is not a non-negative decimal integer.
        case invalidMetadata(key: String, value: String)

        /// One sentence naming the key.
        public var description: String {
            switch self {
            case let .missingTensor(key): "no tensor '\(key)'"
            case let .shapeMismatch(key, expected, found): "tensor '\(key)' has shape \(found), expected \(expected)"
            case let .wrongDType(key, found): "tensor '\(key)' has dtype \(found), expected a float"
            case let .invalidCount(key): "tensor '\(key)' does not hold a non-negative whole number"
            case let .unexpectedTensor(key):
                "tensor '\(key)' belongs to no parameter of the model or its optimiser (a checkpoint of another model?)"
            case let .nonFinite(key, index, value):
                "tensor '\(key)' element \(index) is \(value), expected finite values"
            case let .missingMetadata(key): "no metadata entry '\(key)'"
            case let .invalidMetadata(key, value):
                "metadata entry '\(key)' is '\(value)', expected a non-negative integer"
            }
        }
    }

    /// The checkpoint file's path ("<memory>" for one not read from a file).
    public let file: String
    /// What is wrong.
    public let problem: Problem

    /// An error about `file`.
    public init(file: String, problem: Problem) {
        self.file = file
        self.problem = problem
    }

    /// "<file>: <problem>".
    public var description: String { "\(file): \(problem)" }
}
