// The public autodiff API of arrays: tracking, reading and setting gradients, detaching, backward and forward.

extension TracedArray where Element == Float {
    /// Starts tracking gradients: `self` becomes a leaf whose `gradient` accumulates adjoints. Does nothing when
    /// `self` already tracks gradients (a leaf keeps its gradient, a computed array its link to its inputs).
    public mutating func enableGradient() {
        guard tape == nil else { return }
        tape = context.leafEntry(for: node)
    }

    /// True when operations on this array are recorded for differentiation.
    public var requiresGradient: Bool { tape != nil }

    /// The accumulated gradient (zeros when none): after `backward`, d(output)/d(self) times the seed; after
    /// `forward`, the tangent of `self`.
    public var gradient: FloatArray {
        get { tape?.gradient ?? .zeros(count, context: context) }
        nonmutating set {
            precondition(tape != nil, "Autodiff: call enableGradient() before setting a gradient")
            precondition(newValue.count == count || newValue.count == 1,
                         "Autodiff: a gradient of size \(newValue.count) for an array of size \(count)")
            let value = newValue.detached()
            tape!.gradient = value.count == count ? value : value + .zeros(count, context: context)
        }
    }

    /// Forgets the accumulated gradient.
    public func clearGradient() {
        tape?.gradient = nil
    }

    /// The same values with no gradient tracking.
    public func detached() -> FloatArray {
        FloatArray(node: node)
    }

    /// Reverse mode: propagates `seed` (default 1, for a scalar loss) from `self` to every tracked leaf it
    /// depends on, adding to their `gradient`.
    public func backward(seed: FloatArray? = nil) {
        guard let tape else { return }
        precondition(seed.map { $0.count == count || $0.count == 1 } ?? true,
                     "Autodiff: a seed of size \(seed?.count ?? 0) for an array of size \(count)")
        context.backward(from: [(tape, seed?.detached() ?? FloatArray(repeating: 1, context: context))])
    }

    /// Forward mode: propagates `tangent` (default 1) from this leaf to every array computed from it; read the
    /// results with `gradient`.
    public func forward(tangent: FloatArray? = nil) {
        guard let tape else { return }
        precondition(tape.isLeaf, "Autodiff: forward mode starts from an array on which enableGradient() was called")
        precondition(tangent.map { $0.count == count || $0.count == 1 } ?? true,
                     "Autodiff: a tangent of size \(tangent?.count ?? 0) for an array of size \(count)")
        let tangent = tangent?.detached() ?? FloatArray(repeating: 1, context: context)
        context.forward(from: tape, tangent: tangent.count == count ? tangent : tangent + .zeros(count, context: context))
    }
}

/// Runs `body` without recording derivatives in the current context.
public func withGradientsSuspended<Result>(_ body: () throws -> Result) rethrows -> Result {
    try TraceContext.current.withGradientsSuspended(body)
}

/// Runs `body` recording derivatives again, even inside a suspended scope, in the current context.
public func withGradientsResumed<Result>(_ body: () throws -> Result) rethrows -> Result {
    try TraceContext.current.withGradientsResumed(body)
}

/// Reverse mode from several outputs at once, each with its adjoint.
public func backward(_ outputs: [(FloatArray, FloatArray)]) {
    let seeds = outputs.compactMap { output, seed in output.tape.map { ($0, seed.detached()) } }
    guard let context = outputs.first?.0.context, !seeds.isEmpty else { return }
    context.backward(from: seeds)
}

extension TracedArray {
    /// Records a scatter into `self` on the tape: gradients flow to `value` and to the previous contents.
    mutating func recordScatterOnTape(_ op: Op, value: Self, index: Node, mask: Node) {
        guard Element.self == Float.self, tape != nil || value.tape != nil else { return }
        tape = context.tapeEntry(op: op, operands: [index, value.node, mask, node],
                                 tapes: [nil, value.tape, nil, tape], result: node)
    }
}
