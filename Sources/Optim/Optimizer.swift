// Optimizer: what Adam and SGD share: the parameters, a step, zeroing gradients, and state for checkpoints.

import Tracer

/// An optimiser over a fixed list of parameters (PyTorch's `torch.optim.Optimizer`).
///
/// `step()` updates every parameter that has a gradient (parameters with none are skipped, as PyTorch skips
/// `grad is None`); each parameter's new value and new state are evaluated together, as one kernel. Scalars that
/// change from step to step go into kernels as parameters (`FloatArray.opaque`), so a training loop compiles its
/// kernels in the first iteration and then only hits the kernel cache.
public protocol Optimizer: AnyObject {
    /// The parameters, in the order given at creation.
    var parameters: [Parameter] { get }

    /// Updates the parameters from their gradients.
    func step()

    /// Records the same updates as `step()` and leaves them queued, to run at the next evaluation. Reading a
    /// parameter (its values, a checkpoint) runs them.
    func scheduleStep()

    /// The first component of this optimiser's checkpoint keys ("adam", "sgd").
    var stateKeyPrefix: String { get }

    /// The per-parameter state as tensors keyed "<prefix>.<parameter key>.<state name>" (PyTorch's state names:
    /// "exp_avg", "exp_avg_sq", "step", "momentum_buffer"); `parameterKeys[i]` is the key of `parameters[i]`.
    /// Parameters that have no state yet (never stepped) have no entries.
    func stateTensors(parameterKeys: [String]) -> [String: SafeTensor]

    /// The names of the per-parameter state tensors ("exp_avg", "exp_avg_sq", "step"; "momentum_buffer").
    var stateNames: [String] { get }

    /// Replaces the per-parameter state by the one in `source` (keys as in `stateTensors`); a parameter without
    /// entries gets no state (as if never stepped). Every tensor is checked before any is read, and each is read
    /// straight into the memory of the new state. Throws `CheckpointError.Problem` for a tensor that does not fit
    /// and `SafeTensorsError` for a failed read; either way nothing changes.
    func loadState(from source: any TensorSource, parameterKeys: [String]) throws
}

extension Optimizer {
    /// Forgets the gradients of all parameters (PyTorch's `zero_grad()`, which sets them to None).
    public func zeroGrad() {
        for parameter in parameters { parameter.zeroGrad() }
    }
}
