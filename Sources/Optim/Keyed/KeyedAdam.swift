// KeyedAdam: Adam with Dr.Jit's update (drjit.opt.Adam, which Mitsuba's mi.ad.Adam is) over named arrays.

import Foundation
import Tracer

/// Dr.Jit's `dr.opt.Adam` (Mitsuba 3.9's `mi.ad.Adam`), its defaults and arithmetic:
///
///     t += 1
///     m = lerp(g, m, b1)            v = lerp(g², v, b2)
///     p = p - lr sqrt(1 - b2^t) / (1 - b1^t) · m / (sqrt(v) + eps)
///
/// with `m / (sqrt(v) + eps)` computed as `m · rsqrt(v + eps²)` when eps <= 1e-6, as Dr.Jit does. This differs from
/// PyTorch's Adam (`Optim.Adam`) in where eps enters. The bias correction is computed on the host in double
/// precision and enters the kernel as a parameter, so steps never compile new kernels.
public final class KeyedAdam: KeyedOptimizerBase<AdamMoments>, KeyedOptimizer {
    public var lr: Double
    /// The decay rate of the first moment average.
    public let beta1: Double
    /// The decay rate of the second moment average.
    public let beta2: Double
    /// Added for numerical stability (see the type's description).
    public let epsilon: Double

    /// An optimiser with Dr.Jit's defaults (beta1 0.9, beta2 0.999, epsilon 1e-8).
    public init(lr: Double, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        precondition(lr >= 0 && lr.isFinite, "Optim: KeyedAdam needs a finite lr >= 0, got \(lr)")
        precondition((0..<1).contains(beta1) && (0..<1).contains(beta2),
                     "Optim: KeyedAdam needs beta1 and beta2 in [0, 1), got \(beta1), \(beta2)")
        precondition(epsilon >= 0, "Optim: KeyedAdam needs epsilon >= 0, got \(epsilon)")
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        super.init()
    }

    public func step() {
        for key in entries.keys {
            guard let entry = entries[key] else { continue }
            let context = entry.value.context
            let previous = entry.state ?? AdamMoments(step: 0, m: .opaque(0, count: entry.value.count, context: context),
                                                  v: .opaque(0, count: entry.value.count, context: context))
            let t = Double(previous.step + 1)
            let scale = -lr * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))
            let g = entry.value.gradient
            let m = fma(previous.m - g, FloatArray(repeating: Float(beta1), context: context), g)
            let v = fma(previous.v - g * g, FloatArray(repeating: Float(beta2), context: context), g * g)
            let direction = epsilon <= 1e-6 ? m * rsqrt(v + Float(epsilon * epsilon)) : m / (sqrt(v) + Float(epsilon))
            var value = fma(direction, FloatArray.opaque(Float(scale), context: context), entry.value.detached())
            eval(value, m, v)
            value.enableGradient()
            entries[key] = .init(value: value, state: AdamMoments(step: previous.step + 1, m: m, v: v))
        }
    }

    public func stateTensors() -> [String: SafeTensor] {
        var tensors: [String: SafeTensor] = [:]
        for (key, value) in entries.pairs {
            tensors["value.\(key)"] = SafeTensor(value.detached(), shape: [value.count])
            guard let state = entries[key]?.state else { continue }
            tensors["adam.\(key).m"] = SafeTensor(state.m, shape: [value.count])
            tensors["adam.\(key).v"] = SafeTensor(state.v, shape: [value.count])
            tensors["adam.\(key).t"] = SafeTensor([Float(state.step)], shape: [])
        }
        return tensors
    }

    public func loadState(from tensors: SafeTensors) throws {
        var restored: [(String, [Float], AdamMoments?)] = []
        for (key, value) in entries.pairs {
            let context = value.context
            let values = try tensors.floats("value.\(key)", count: value.count)
            var moments: AdamMoments?
            if tensors["adam.\(key).t"] != nil {
                let step = try tensors.floats("adam.\(key).t", count: 1)[0]
                guard step >= 1, step == step.rounded() else {
                    throw KeyedOptimizerStateError("tensor 'adam.\(key).t' holds \(step); expected a step count >= 1")
                }
                moments = AdamMoments(step: Int(step),
                                  m: FloatArray(try tensors.floats("adam.\(key).m", count: value.count), context: context),
                                  v: FloatArray(try tensors.floats("adam.\(key).v", count: value.count), context: context))
            }
            restored.append((key, values, moments))
        }
        for (key, values, moments) in restored {
            entries.register(key, FloatArray(values, context: entries[key]!.value.context))
            entries[key]?.state = moments
        }
    }
}

/// Adam's state of one key: the step count and the moment averages m and v.
public struct AdamMoments {
    var step: Int
    var m: FloatArray
    var v: FloatArray
}
