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
///
/// A captured checkpoint holds its tensors in memory; one opened with `read(from:)` holds only the file's header
/// and reads each tensor when it is restored, straight into the parameter's or the optimiser state's new memory,
/// so resuming needs no more memory than the run it continues.
public struct Checkpoint {
    /// The iteration the snapshot was taken after.
    public var iteration: Int
    /// The seed of the run (for its random numbers: initialisation, sampling).
    public var seed: UInt64
    /// The tensors and metadata: `SafeTensors` for a captured checkpoint, a `SafeTensorsFile` for one read from
    /// disk (`iteration` and `seed` are written into the metadata when saving; other metadata entries are kept).
    public let tensors: any TensorSource
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
        self.tensors = SafeTensors(tensors: tensors)
        source = "<memory>"
    }

    /// A checkpoint from tensors (the contents of a safetensors file named `file`, in memory or opened); reads
    /// `iteration` and `seed` from the metadata. Throws `CheckpointError` when they are missing or not
    /// non-negative integers.
    public init(contents: any TensorSource, file: String = "<memory>") throws {
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
        tensors = contents
        source = file
    }

    /// Opens a checkpoint file, reading and validating only its header: the tensors are read when restored.
    /// Throws `SafeTensorsError` for a bad file, `CheckpointError` for bad metadata.
    public static func read(from url: URL) throws -> Checkpoint {
        try Checkpoint(contents: SafeTensorsFile(contentsOf: url), file: url.path)
    }

    /// All tensors in memory, with `iteration` and `seed` in the metadata (what `write(to:)` writes).
    public func contents() throws -> SafeTensors {
        var file = try tensors.loadedContents()
        file.metadata["iteration"] = String(iteration)
        file.metadata["seed"] = String(seed)
        return file
    }

    /// Writes the checkpoint atomically (a temporary file renamed into place) with `iteration` and `seed` in the
    /// metadata. A float tensor holding NaN or an infinity (a diverged optimisation) is refused before anything is
    /// written, so the file already at `url`, the last good checkpoint, stays as it was. Throws `CheckpointError`
    /// for such a tensor, `SafeTensorsError` for a failed write.
    public func write(to url: URL) throws {
        let file = try contents()
        for name in file.tensors.keys.sorted() {
            guard let (index, value) = file.tensors[name]?.firstNonFinite() else { continue }
            throw CheckpointError(file: url.path, problem: .nonFinite(key: name, index: index, value: value))
        }
        try file.write(to: url)
    }

    /// Sets `module`'s parameters (and `optimizer`'s state, when given) from the checkpoint. Everything is checked
    /// before anything is read or changes: a missing tensor, a shape or dtype that differs, or a tensor that belongs
    /// to no parameter of the module (a checkpoint of another model) throws `CheckpointError` and leaves the module
    /// and optimiser as they were. Each tensor is then read straight into memory: a parameter (or optimiser state)
    /// that already holds evaluated values is overwritten in place, as PyTorch's `load_state_dict` copies into its
    /// parameters, and one that does not gets a new array; so restoring costs no memory beyond the restored arrays.
    /// A read that fails part-way (`SafeTensorsError`: an I/O error, a file truncated while it is read) or a tensor
    /// holding NaN or an infinity (`CheckpointError`, naming the key and element, found as it is read) may leave
    /// part of the values restored. Restored parameters have no gradient.
    public func restore(module: some Module, optimizer: (any Optimizer)? = nil) throws {
        let named = module.namedParameters
        do {
            // Phase 1: every tensor checked, none read (the optimiser checks all of its own before reading any).
            for (key, parameter) in named { try tensors.checkFloat(key, shape: parameter.shape) }
            try checkNoForeignTensors(moduleKeys: named.map(\.name), optimizer: optimizer)
            if let optimizer {
                try optimizer.loadState(from: tensors, parameterKeys: Self.keys(of: optimizer, in: named))
            }
            // Phase 2: the parameters, each in its own memory where it has some.
            for (key, parameter) in named {
                let value = parameter.value.detached()
                let restored = try tensors.readFloats(key, overwriting: value, count: parameter.count,
                                                      context: value.context)
                if restored.node !== value.node { parameter.value = restored }
                parameter.zeroGrad()
            }
        } catch let problem as CheckpointError.Problem {
            throw CheckpointError(file: source, problem: problem)
        }
    }

    /// Throws `.unexpectedTensor` for a tensor that is neither a parameter of the module nor state of one
    /// ("<prefix>.<parameter key>.<state name>"; with an optimiser, its prefix and state names).
    private func checkNoForeignTensors(moduleKeys: [String], optimizer: (any Optimizer)?) throws(CheckpointError.Problem) {
        let parameters = Set(moduleKeys)
        for name in tensors.tensorNames.sorted() where !parameters.contains(name) {
            let parts = name.split(separator: ".", omittingEmptySubsequences: false)
            let stateOfParameter = parts.count >= 3 && parameters.contains(parts.dropFirst().dropLast().joined(separator: "."))
            let belongs = stateOfParameter && optimizer.map {
                $0.stateKeyPrefix == parts.first! && $0.stateNames.contains(String(parts.last!))
            } ?? stateOfParameter
            if !belongs { throw .unexpectedTensor(key: name) }
        }
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
