// Checkpoint: a module's parameters, an optimiser's state, the iteration and the seed, as one safetensors file.

import Foundation
import Tracer

/// A training snapshot stored as a safetensors file that PyTorch can read:
///
/// - each parameter under its module key ("0.weight", "0.bias", ...: `state_dict()` keys, so
///   `model.load_state_dict(safetensors.torch.load_file(path), strict=False)` restores a PyTorch twin);
/// - the optimiser state under "<prefix>.<key>.<name>" ("adam.0.weight.exp_avg", "adam.0.weight.exp_avg_sq",
///   "adam.0.weight.step", "sgd.0.weight.momentum_buffer");
/// - `__metadata__` {"iteration": "12", "seed": "0"} (decimal strings).
public struct Checkpoint: Sendable {
    /// The iteration the snapshot was taken after.
    public var iteration: Int
    /// The seed of the run (for its random numbers: initialisation, sampling).
    public var seed: UInt64
    /// The tensors and metadata (`iteration` and `seed` are written into the metadata when saving; other metadata
    /// entries are kept).
    public var contents: SafeTensors
    /// Where the checkpoint was read from, for errors ("<memory>" for a captured one).
    public let source: String

    /// Captures the current values of `module`'s parameters and `optimizer`'s state (evaluating them). Every
    /// parameter of the optimiser must belong to the module.
    public init(module: some Module, optimizer: (any Optimizer)? = nil, iteration: Int, seed: UInt64) {
        precondition(iteration >= 0, "Optim: a checkpoint iteration must be >= 0, got \(iteration)")
        var tensors: [String: SafeTensor] = [:]
        let named = module.namedParameters
        for (key, parameter) in named {
            tensors[key] = SafeTensor(parameter.value, shape: parameter.shape)
        }
        if let optimizer {
            let keys = Self.keys(of: optimizer, in: named)
            tensors.merge(optimizer.stateTensors(parameterKeys: keys)) { _, new in new }
        }
        self.iteration = iteration
        self.seed = seed
        contents = SafeTensors(tensors: tensors)
        source = "<memory>"
    }

    /// A checkpoint from the contents of a safetensors file named `file`; reads `iteration` and `seed` from the
    /// metadata. Throws `CheckpointError` when they are missing or not non-negative integers.
    public init(contents: SafeTensors, file: String = "<memory>") throws {
        func number<N: FixedWidthInteger>(_ key: String) throws -> N {
            guard let text = contents.metadata[key] else {
                throw CheckpointError(file: file, problem: .missingMetadata(key: key))
            }
            guard let value = N(text), value >= 0 else {
                throw CheckpointError(file: file, problem: .invalidMetadata(key: key, value: text))
            }
            return value
        }
        iteration = try number("iteration")
        seed = try number("seed")
        self.contents = contents
        source = file
    }

    /// Reads a checkpoint file. Throws `SafeTensorsError` for a bad file, `CheckpointError` for bad metadata.
    public static func read(from url: URL) throws -> Checkpoint {
        try Checkpoint(contents: SafeTensors.read(from: url), file: url.path)
    }

    /// Writes the checkpoint atomically (a temporary file renamed into place) with `iteration` and `seed` in the
    /// metadata. Throws `SafeTensorsError`.
    public func write(to url: URL) throws {
        var file = contents
        file.metadata["iteration"] = String(iteration)
        file.metadata["seed"] = String(seed)
        try file.write(to: url)
    }

    /// Sets `module`'s parameters (and `optimizer`'s state, when given) from the checkpoint. Everything is checked
    /// before anything changes: a missing tensor or a shape that differs throws `CheckpointError` and leaves the
    /// module and optimiser as they were. Restored parameters have no gradient.
    public func restore(module: some Module, optimizer: (any Optimizer)? = nil) throws {
        let named = module.namedParameters
        var values: [FloatArray] = []
        do throws(CheckpointError.Problem) {
            for (key, parameter) in named {
                values.append(try contents.tensors.floatArray(key, shape: parameter.shape,
                                                              context: parameter.value.context))
            }
            if let optimizer {
                try optimizer.loadStateTensors(contents.tensors, parameterKeys: Self.keys(of: optimizer, in: named))
            }
        } catch {
            throw CheckpointError(file: source, problem: error)
        }
        for ((_, parameter), value) in zip(named, values) { parameter.value = value }
    }

    /// The module key of each of the optimiser's parameters.
    private static func keys(of optimizer: any Optimizer,
                             in named: [(name: String, parameter: Parameter)]) -> [String] {
        optimizer.parameters.map { parameter in
            guard let key = named.first(where: { $0.parameter === parameter })?.name else {
                preconditionFailure("Optim: the optimiser has a parameter '\(parameter.name)' that the module does not")
            }
            return key
        }
    }
}
