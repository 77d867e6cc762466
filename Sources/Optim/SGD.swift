// SGD: torch.optim.SGD's update (momentum, dampening, Nesterov, weight decay), one fused kernel per parameter.

import Tracer

/// Stochastic gradient descent with PyTorch's semantics (`torch.optim.SGD`):
///
///     g += weightDecay * p                       (when weightDecay != 0)
///     buf = g                                    (first step, when momentum != 0)
///     buf = momentum * buf + (1 - dampening) g   (later steps)
///     d = nesterov ? g + momentum * buf : buf    (d = g without momentum)
///     p = p - lr * d
///
/// `-lr` and the two momentum coefficients enter the kernel as parameters, and the momentum buffer is a zeroed
/// buffer from the first step on (the first step uses coefficients 0 and 1), so the first step compiles the kernel
/// that later steps reuse, and changing `lr` compiles nothing.
public final class SGD: Optimizer {
    /// The parameters, in the order given at creation.
    public let parameters: [Parameter]
    /// The learning rate; may change between steps without recompiling.
    public var lr: Double
    /// The momentum factor (0: plain gradient descent).
    public let momentum: Double
    /// The dampening of the gradient in the momentum buffer.
    public let dampening: Double
    /// The L2 penalty added to the gradient.
    public let weightDecay: Double
    /// Nesterov momentum (needs momentum > 0 and no dampening).
    public let nesterov: Bool

    /// The momentum buffer by parameter index; nil until the parameter's first step with momentum.
    private(set) var momentumBuffers: [FloatArray?]

    /// An SGD optimiser over `parameters`.
    public init(_ parameters: [Parameter], lr: Double, momentum: Double = 0, dampening: Double = 0,
                weightDecay: Double = 0, nesterov: Bool = false) {
        precondition(lr >= 0 && momentum >= 0 && weightDecay >= 0,
                     "Optim: SGD needs lr, momentum and weightDecay >= 0, got \(lr), \(momentum), \(weightDecay)")
        precondition(!nesterov || (momentum > 0 && dampening == 0),
                     "Optim: Nesterov momentum requires a momentum and zero dampening")
        self.parameters = parameters
        self.lr = lr
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        momentumBuffers = Array(repeating: nil, count: parameters.count)
    }

    /// Updates each parameter that has a gradient (and its momentum buffer) in place (`TracedArray.assign`), as one
    /// kernel per parameter. The gradients are kept until `zeroGrad()`. Values that still refer to the old
    /// parameter (a loss whose graph reads it) make the update keep a copy of them: drop them before `step()`.
    public func step() {
        for index in parameters.indices where parameters[index].hasGradient {
            recordUpdate(of: index)
            parameters[index].value.eval()   // runs the queued writes, recordUpdate's temporaries gone
        }
    }

    /// Records the updates of `step()` without running them (Dr.Jit's `dr.schedule`): the writes run at the next
    /// evaluation. A layer forward recorded on an updated weight before then is computed by the weight's update
    /// kernel, which reads the weight once for both (the Tracer's product riders, see `linearForward`).
    public func scheduleStep() {
        for index in parameters.indices where parameters[index].hasGradient { recordUpdate(of: index) }
    }

    /// Queues the writes of one parameter's SGD update.
    private func recordUpdate(of index: Int) {
        let parameter = parameters[index]
        let context = parameter.value.context
        let p = parameter.value.detached()
        var g = parameter.gradient
        if weightDecay != 0 { g = g + Float(weightDecay) * p }
        let negativeRate = FloatArray.opaque(Float(-lr), context: context)
        guard momentum != 0 else {
            parameter.assign(p + negativeRate * g)
            return
        }
        let previous = momentumBuffers[index]
        momentumBuffers[index] = nil   // `buffer` must hold the only reference, as it is written in place
        var buffer = previous ?? .opaque(0, count: parameter.count, context: context)
        let keep = FloatArray.opaque(previous == nil ? 0 : Float(momentum), context: context)
        let scale = FloatArray.opaque(previous == nil ? 1 : Float(1 - dampening), context: context)
        let newBuffer = buffer * keep + scale * g
        let direction = nesterov ? g + Float(momentum) * newBuffer : newBuffer
        parameter.assign(p + negativeRate * direction)
        buffer.assign(newBuffer)
        momentumBuffers[index] = buffer
    }

    /// "sgd".
    public var stateKeyPrefix: String { "sgd" }

    /// "sgd.<key>.momentum_buffer" (the parameter's shape) for each parameter that has one.
    public func stateTensors(parameterKeys: [String]) -> [String: SafeTensor] {
        precondition(parameterKeys.count == parameters.count, "Optim: one key per parameter")
        var tensors: [String: SafeTensor] = [:]
        for (index, parameter) in parameters.enumerated() {
            guard let buffer = momentumBuffers[index] else { continue }
            let key = "\(stateKeyPrefix).\(parameterKeys[index]).momentum_buffer"
            tensors[key] = SafeTensor(buffer, shape: parameter.shape)
        }
        return tensors
    }

    /// "momentum_buffer".
    public var stateNames: [String] { ["momentum_buffer"] }

    /// Restores the momentum buffers from the keys of `stateTensors`, all checked before any is read, each into the
    /// existing buffer's memory where there is one.
    public func loadState(from source: any TensorSource, parameterKeys: [String]) throws {
        precondition(parameterKeys.count == parameters.count, "Optim: one key per parameter")
        let keys = parameterKeys.map { "\(stateKeyPrefix).\($0).momentum_buffer" }
        for (key, parameter) in zip(keys, parameters) where source.header(of: key) != nil {
            try source.checkFloat(key, shape: parameter.shape)
        }
        for (index, (key, parameter)) in zip(keys, parameters).enumerated() {
            let old = momentumBuffers[index]
            momentumBuffers[index] = nil
            guard source.header(of: key) != nil else { continue }
            momentumBuffers[index] = try source.readFloats(key, overwriting: old, count: parameter.count,
                                                           context: parameter.value.context)
        }
    }
}
