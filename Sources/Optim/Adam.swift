// Adam: torch.optim.Adam's update, with bias correction, as one fused kernel per parameter.

import Foundation
import Tracer

/// The Adam optimiser with PyTorch's semantics and arithmetic (`torch.optim.Adam`, single-tensor CPU path, no
/// amsgrad):
///
///     t += 1;  g += weightDecay * p  (when weightDecay != 0)
///     m = m + (1 - b1) (g - m)          (PyTorch's lerp_, one rounding: fma)
///     v = v b2 + (1 - b2) g g
///     p = p + (-lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
///
/// The bias corrections are computed on the host in double precision from the parameter's step count `t`, as
/// PyTorch does; `-lr / (1 - b1^t)` and `sqrt(1 - b2^t)` enter the kernel as parameters, so changing `lr` or the
/// step never compiles a new kernel. The state (m, v, t) of a parameter is created at its first step.
public final class Adam: Optimizer {
    /// The parameters, in the order given at creation.
    public let parameters: [Parameter]
    /// The learning rate; may change between steps (a schedule) without recompiling.
    public var lr: Double
    /// The decay rates (b1, b2) of the first and second moment averages.
    public let betas: (Double, Double)
    /// Added to the denominator for numerical stability.
    public let eps: Double
    /// The L2 penalty added to the gradient (PyTorch's `weight_decay`, not AdamW's decoupled decay).
    public let weightDecay: Double

    /// The state of one parameter (PyTorch's `state[p]`).
    struct State {
        /// The number of steps taken for this parameter.
        var step: Int
        /// m, the running average of gradients (`exp_avg`).
        var expAvg: FloatArray
        /// v, the running average of squared gradients (`exp_avg_sq`).
        var expAvgSq: FloatArray
    }

    /// The state by parameter index; nil until the parameter's first step.
    private(set) var states: [State?]

    /// An Adam optimiser over `parameters` with PyTorch's defaults.
    public init(_ parameters: [Parameter], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                eps: Double = 1e-8, weightDecay: Double = 0) {
        precondition(lr >= 0, "Optim: Adam needs lr >= 0, got \(lr)")
        precondition((0..<1).contains(betas.0) && (0..<1).contains(betas.1),
                     "Optim: Adam needs betas in [0, 1), got \(betas)")
        precondition(eps >= 0 && weightDecay >= 0, "Optim: Adam needs eps >= 0 and weightDecay >= 0")
        self.parameters = parameters
        self.lr = lr
        self.betas = betas
        self.eps = eps
        self.weightDecay = weightDecay
        states = Array(repeating: nil, count: parameters.count)
    }

    /// Advances the step count of each parameter that has a gradient and updates the parameter, m and v in place
    /// (`TracedArray.assign`), the three writes as one kernel per parameter. The gradients are kept (as PyTorch keeps
    /// `.grad`) until `zeroGrad()`. The update writes into the existing buffers unless something still refers to the
    /// old values (say, a loss whose graph reads the parameter): those keep a copy, so drop them before `step()`.
    public func step() {
        for index in parameters.indices where parameters[index].hasGradient {
            recordUpdate(of: index)
            // Runs the queued writes; recordUpdate's temporaries are gone, so nothing forces a copy of the old values.
            parameters[index].value.eval()
        }
    }

    /// Records the updates of `step()` without running them (Dr.Jit's `dr.schedule`): the writes run at the next
    /// evaluation. A layer forward recorded on an updated weight before then is computed by the weight's update
    /// kernel, which reads the weight once for both (the Tracer's product riders, see `linearForward`).
    public func scheduleStep() {
        for index in parameters.indices where parameters[index].hasGradient { recordUpdate(of: index) }
    }

    /// Queues the writes of one parameter's Adam update.
    private func recordUpdate(of index: Int) {
        let parameter = parameters[index]
        let context = parameter.value.context
        // Buffers (not literals) from the first step on, so the first step's kernel is the later steps' one.
        var state = states[index] ?? State(step: 0, expAvg: .opaque(0, count: parameter.count, context: context),
                                           expAvgSq: .opaque(0, count: parameter.count, context: context))
        states[index] = nil   // `state` must hold the only references to m and v, which are written in place
        state.step += 1
        let (beta1, beta2) = betas
        let t = Double(state.step)
        let stepSize = lr / (1 - pow(beta1, t))
        let correction2Root = (1 - pow(beta2, t)).squareRoot()
        let negativeStepSize = FloatArray.opaque(Float(-stepSize), context: context)
        let denominatorScale = FloatArray.opaque(Float(correction2Root), context: context)

        let p = parameter.value.detached()
        var g = parameter.gradient
        if weightDecay != 0 { g = g + Float(weightDecay) * p }
        let weight = FloatArray(repeating: Float(1 - beta1), context: context)
        let m = fma(g - state.expAvg, weight, state.expAvg)
        let decayed = state.expAvgSq * Float(beta2)
        let scaledGradient = Float(1 - beta2) * g
        let v = decayed + scaledGradient * g
        let denominator = sqrt(v) / denominatorScale + Float(eps)
        let update = negativeStepSize * m / denominator
        parameter.assign(p + update)
        state.expAvg.assign(m)
        state.expAvgSq.assign(v)
        states[index] = state
    }

    /// "adam".
    public var stateKeyPrefix: String { "adam" }

    /// "adam.<key>.exp_avg", "adam.<key>.exp_avg_sq" (the parameter's shape) and "adam.<key>.step" (F32 scalar,
    /// as PyTorch stores it) for each parameter that has taken a step.
    public func stateTensors(parameterKeys: [String]) -> [String: SafeTensor] {
        precondition(parameterKeys.count == parameters.count, "Optim: one key per parameter")
        var tensors: [String: SafeTensor] = [:]
        for (index, parameter) in parameters.enumerated() {
            guard let state = states[index] else { continue }
            let prefix = "\(stateKeyPrefix).\(parameterKeys[index])"
            tensors["\(prefix).exp_avg"] = SafeTensor(state.expAvg, shape: parameter.shape)
            tensors["\(prefix).exp_avg_sq"] = SafeTensor(state.expAvgSq, shape: parameter.shape)
            tensors["\(prefix).step"] = SafeTensor([Float(state.step)], shape: [])
        }
        return tensors
    }

    /// "exp_avg", "exp_avg_sq", "step".
    public var stateNames: [String] { ["exp_avg", "exp_avg_sq", "step"] }

    /// Restores m, v and the step count of each parameter from the keys of `stateTensors`: the tensors are checked
    /// and the step counts read first, then m and v are read straight into the existing state's memory (or new
    /// buffers, for a parameter without state).
    public func loadState(from source: any TensorSource, parameterKeys: [String]) throws {
        precondition(parameterKeys.count == parameters.count, "Optim: one key per parameter")
        let keys = parameterKeys.map { key in stateNames.map { "\(stateKeyPrefix).\(key).\($0)" } }
        // Phase 1: which parameters have state, and whether it fits (only the step counts are read).
        var steps: [Int?] = []
        for (index, parameter) in parameters.enumerated() {
            guard keys[index].contains(where: { source.header(of: $0) != nil }) else {
                steps.append(nil)
                continue
            }
            try source.checkFloat(keys[index][0], shape: parameter.shape)
            try source.checkFloat(keys[index][1], shape: parameter.shape)
            steps.append(try source.count(keys[index][2]))
        }
        // Phase 2: the moments, into the existing state's memory where there is some.
        for (index, parameter) in parameters.enumerated() {
            guard let step = steps[index] else {
                states[index] = nil
                continue
            }
            let context = parameter.value.context
            let old = states[index]
            states[index] = nil   // the only references to old m and v are `old`'s, so they are written in place
            let m = try source.readFloats(keys[index][0], overwriting: old?.expAvg, count: parameter.count, context: context)
            let v = try source.readFloats(keys[index][1], overwriting: old?.expAvgSq, count: parameter.count, context: context)
            states[index] = State(step: step, expAvg: m, expAvgSq: v)
        }
    }
}
