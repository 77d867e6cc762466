// KeyedSGD: gradient descent with Dr.Jit's update (drjit.opt.SGD, Mitsuba's mi.ad.SGD) over named arrays.

import Foundation
import Tracer

/// Dr.Jit's `dr.opt.SGD` (Mitsuba 3.9's `mi.ad.SGD`): `p = p - lr · g`, or with momentum μ,
/// `v = μ v + g` and `p = p - lr · v` (Nesterov: `p = p - lr · (μ v + g)`).
public final class KeyedSGD: KeyedOptimizerBase<FloatArray>, KeyedOptimizer {
    public var lr: Double
    /// The momentum μ (0: none).
    public let momentum: Double
    /// Whether the step looks ahead along the momentum (Nesterov).
    public let nesterov: Bool

    /// Plain gradient descent unless `momentum` is given.
    public init(lr: Double, momentum: Double = 0, nesterov: Bool = false) {
        precondition(lr >= 0 && lr.isFinite, "Optim: KeyedSGD needs a finite lr >= 0, got \(lr)")
        precondition(momentum >= 0 && momentum < 1, "Optim: KeyedSGD needs momentum in [0, 1), got \(momentum)")
        precondition(!nesterov || momentum > 0, "Optim: Nesterov momentum needs momentum > 0")
        self.lr = lr
        self.momentum = momentum
        self.nesterov = nesterov
        super.init()
    }

    public func step() {
        for key in entries.keys {
            guard let entry = entries[key] else { continue }
            let context = entry.value.context
            let g = entry.value.gradient
            let scale = FloatArray.opaque(Float(-lr), context: context)
            var velocity: FloatArray?
            var direction = g
            if momentum > 0 {
                let mu = FloatArray(repeating: Float(momentum), context: context)
                let v = fma(mu, entry.state ?? .opaque(0, count: entry.value.count, context: context), g)
                velocity = v
                direction = nesterov ? fma(mu, v, g) : v
            }
            var value = fma(direction, scale, entry.value.detached())
            if let velocity { eval(value, velocity) } else { value.eval() }
            value.enableGradient()
            entries[key] = .init(value: value, state: velocity)
        }
    }

    public func stateTensors() -> [String: SafeTensor] {
        var tensors: [String: SafeTensor] = [:]
        for (key, value) in entries.pairs {
            tensors["value.\(key)"] = SafeTensor(value.detached(), shape: [value.count])
            if let velocity = entries[key]?.state { tensors["sgd.\(key).momentum"] = SafeTensor(velocity, shape: [value.count]) }
        }
        return tensors
    }

    public func loadState(from tensors: SafeTensors) throws {
        var restored: [(String, [Float], [Float]?)] = []
        for (key, value) in entries.pairs {
            let values = try tensors.floats("value.\(key)", count: value.count)
            let velocity = tensors["sgd.\(key).momentum"] == nil ? nil
                : try tensors.floats("sgd.\(key).momentum", count: value.count)
            restored.append((key, values, velocity))
        }
        for (key, values, velocity) in restored {
            let context = entries[key]!.value.context
            entries.register(key, FloatArray(values, context: context))
            entries[key]?.state = velocity.map { FloatArray($0, context: context) }
        }
    }
}
