// The single path from an array operation to a graph node and, when gradients are tracked, a tape entry.

extension TracedArray {
    /// Records `op` over `operands` and returns the result array. `differentiable` lists the operand positions
    /// through which gradients flow (operands that are gradient-tracked `Float` arrays).
    static func make(_ op: Op, _ operands: [Node], tapes: [TapeEntry?] = [], immediate: UInt32 = 0,
                     auxiliary: UInt32 = 0) -> Self {
        // Arrays of another context (a scene loaded elsewhere, a default `true` mask) are brought into this one.
        let context = TraceContext.recording(operands)
        // Almost always every operand is already local: keep the array instead of building a copy.
        let operands = operands.allSatisfy { $0.context === context } ? operands : operands.map(context.localized)
        let node = context.record(op, type: Element.scalarType, operands: operands, immediate: immediate,
                                  auxiliary: auxiliary)
        let tape = Element.self == Float.self
            ? context.tapeEntry(op: op, operands: operands, tapes: tapes, result: node)
            : nil
        return Self(node: node, tape: tape)
    }

    /// A size-1 literal in the same context as `self`.
    func literal<T: TracedElement>(_ value: T) -> TracedArray<T> {
        TracedArray<T>(repeating: value, count: 1, context: context)
    }
}

/// Tape entries of operands, for `make`: the entry of a `Float` array, nil for other types.
func tapes<each E: TracedElement>(_ arrays: repeat TracedArray<each E>) -> [TapeEntry?] {
    // Without any tape (every op of a primal pass) the answer is the empty array, which allocates nothing.
    var anyTape = false
    for array in repeat each arrays { if array.tape != nil { anyTape = true } }
    guard anyTape else { return [] }
    var result: [TapeEntry?] = []
    for array in repeat each arrays { result.append(array.tape) }
    return result
}
