// In-place assignment: evaluating an expression straight into an array's existing storage.

extension TracedArray {
    /// Evaluates `value` into this array's existing storage, element by element (a size-1 `value` fills it).
    ///
    /// The write is a queued side effect, like `scatter`: it runs at the next evaluation, in program order, and
    /// consecutive writes of one size (scatters and assignments) share one kernel. That kernel may read this array
    /// at the same element it writes, since every element is read before it is written:
    ///
    ///     W.assign(W - lr * step)     // with m.assign(...) and v.assign(...) of the same size: one kernel,
    ///     m.assign(mNew)              // updating W, m and v in place, no new buffers
    ///     v.assign(vNew)
    ///
    /// Copy on write: arrays still referring to the old contents when the write runs (another copy of this array,
    /// a pending array computed from it and not consumed by the write, a tape entry) keep them, at the price of a
    /// copy of the storage. To update in place, let such references go before the next evaluation. A literal (or
    /// an unevaluated array) gets storage of its own first.
    ///
    /// Autodiff: while gradients are recorded, assigning a gradient-tracked value makes this array carry the
    /// value's derivative (as `self = value` would). Otherwise a gradient-enabled leaf stays the same leaf (its
    /// gradient kept) holding the new contents, the optimiser's update under `withGradientsSuspended`; any other
    /// array is detached.
    public mutating func assign(_ value: TracedArray<Element>) {
        precondition(value.count == count || value.count == 1,
                     "Tracer: cannot assign an array of size \(value.count) to an array of size \(count) "
                         + "(sizes must be equal, or 1 to fill)")
        let value = TracedArray(node: context.localized(value.node), tape: value.tape)
        // Pending writes into the target run first: the write below replaces its contents as they will be then.
        if (!node.isEvaluated && !node.isLiteral) || node.pendingWrites > 0 { eval() }
        let replaced: Node?
        if node.isLiteral || node.isBorrowed {
            // Every element is about to be written: no need to fill the new storage (nor to copy another context's
            // data, which is never written from here).
            let storage = Storage(uninitializedCount: count, type: node.type)
            context.countAllocation(of: storage)
            replaced = nil
            node = context.buffer(storage)
        } else {
            replaced = node
            node = context.buffer(node.storage!)
        }
        context.recordAssignment(target: node, value: value.node, replacing: replaced)
        updateTapeAfterAssignment(of: value)
    }

    /// Lets `body` overwrite the elements in the array's own memory, when it has evaluated memory (not a literal,
    /// not a pending expression), and returns true; otherwise calls nothing and returns false. Queued writes into
    /// the array run first. Every array sharing this array's storage sees the new elements: this is PyTorch's
    /// in-place `copy_` (what `load_state_dict` does), for filling large arrays from files without a second buffer.
    public func overwritingInPlace(_ body: (UnsafeMutableBufferPointer<Element>) throws -> Void) rethrows -> Bool {
        precondition(Element.self != Bool.self, "Tracer: overwritingInPlace is for Float, Int32 and UInt32 arrays")
        if node.pendingWrites > 0 { eval() }
        guard !node.isLiteral, !node.isBorrowed, let storage = node.storage else { return false }
        try body(UnsafeMutableBufferPointer(start: storage.pointer.bindMemory(to: Element.self, capacity: count),
                                            count: count))
        return true
    }

    /// The autodiff rule of `assign` (see its documentation).
    private mutating func updateTapeAfterAssignment(of value: TracedArray<Element>) {
        guard Element.self == Float.self else { return }
        if value.tape != nil && context.isRecordingGradients {
            tape = value.tape
        } else if let leaf = tape, leaf.isLeaf {
            leaf.result = node
        } else {
            tape = nil
        }
    }
}
