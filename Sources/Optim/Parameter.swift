// Parameter: a named, shaped, gradient-tracked array that layers own and optimisers update.

import Tracer

/// A trainable tensor: a gradient-tracked `FloatArray` with a name and a shape (PyTorch's `nn.Parameter`).
///
/// A class, so that the layer that reads it and the optimiser that updates it share one value. The elements are
/// stored row-major: the last index of `shape` varies fastest.
public final class Parameter {
    /// The name within its layer ("weight", "bias"); modules prefix it to form keys such as "0.weight".
    public let name: String
    /// The dimensions (`[]` for a scalar); their product is `count`.
    public let shape: [Int]
    private var storage: FloatArray

    /// A parameter holding `value`, which must have `shape`'s element count. Gradient tracking starts at once.
    public init(_ name: String, shape: [Int], value: FloatArray) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Optim: parameter '\(name)' has a negative dimension in \(shape)")
        precondition(value.count == Parameter.elementCount(of: shape),
                     "Optim: parameter '\(name)' of shape \(shape) given \(value.count) values")
        self.name = name
        self.shape = shape
        storage = Parameter.leaf(value)
    }

    /// A parameter holding `values` (row-major).
    public convenience init(_ name: String, shape: [Int], values: [Float], context: TraceContext = .current) {
        self.init(name, shape: shape, value: FloatArray(values, context: context))
    }

    /// The number of elements.
    public var count: Int { storage.count }

    /// The current value, a gradient-tracked leaf. Setting it stores the new values as a fresh leaf (detached from
    /// whatever computed them) with no gradient.
    public var value: FloatArray {
        get { storage }
        set {
            precondition(newValue.count == count,
                         "Optim: parameter '\(name)' of \(count) elements given \(newValue.count) values")
            storage = Parameter.leaf(newValue)
        }
    }

    /// The accumulated gradient (PyTorch's `.grad`): zeros when no `backward` has reached the parameter since the
    /// last `zeroGrad()`.
    public var gradient: FloatArray { storage.gradient }

    /// Forgets the accumulated gradient (PyTorch's `zero_grad(set_to_none=True)`).
    public func zeroGrad() {
        storage.clearGradient()
    }

    /// False when no gradient has reached the parameter since the last `zeroGrad()` (PyTorch's `grad is None`).
    /// The Tracer reports a missing gradient as a literal zero, so a gradient that folded to a literal zero while
    /// recording (the loss does not depend on the parameter) counts as missing too.
    var hasGradient: Bool {
        let node = storage.gradient.node
        return !(node.isLiteral && node.immediate == 0)
    }

    /// Writes an optimiser's update into the parameter's existing storage (`TracedArray.assign`): a queued write
    /// that runs at the next evaluation, fused with other writes of the same size. The parameter stays the same
    /// gradient-tracked leaf and keeps its gradient (as PyTorch keeps `.grad` after a step) until `zeroGrad()`.
    /// `newValue` must not be gradient-tracked.
    func assign(_ newValue: FloatArray) {
        precondition(!newValue.requiresGradient, "Optim: an optimiser update must not be gradient-tracked")
        storage.assign(newValue)
    }

    /// The elements (evaluates the value).
    public var values: [Float] { storage.values }

    /// The product of the dimensions (1 for a scalar).
    static func elementCount(of shape: [Int]) -> Int {
        shape.reduce(1, *)
    }

    private static func leaf(_ value: FloatArray) -> FloatArray {
        var leaf = value.detached()
        leaf.enableGradient()
        return leaf
    }
}

extension Parameter: CustomStringConvertible {
    /// The name, shape and (at most 16) values.
    public var description: String { "Parameter \(name) \(shape): \(storage)" }
}
