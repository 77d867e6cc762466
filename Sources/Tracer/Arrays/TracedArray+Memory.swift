// Indexed memory access: gather from an array, scatter and scatter-add into one.

/// Index arrays: Int32 and UInt32 arrays.
public protocol TracedIndex: TracedInteger {}
extension Int32: TracedIndex {}
extension UInt32: TracedIndex {}

extension TracedArray {
    /// `self[index]` per lane. Lanes that are masked off or whose index is out of range read 0.
    public func gather<I: TracedIndex>(_ index: TracedArray<I>, mask: BoolArray = true) -> Self {
        Self.make(.gather, [node, index.node, mask.node], tapes: [tape, nil, nil])
    }

    /// Writes `value` to `self[index]` for active lanes (out-of-range lanes are skipped). When several lanes
    /// write one element, which of them lands is unspecified (lanes run in parallel); use `scatterAdd` to combine.
    /// The write happens at the next evaluation, in program order with other scatters.
    public mutating func scatter<I: TracedIndex>(_ value: Self, at index: TracedArray<I>, mask: BoolArray = true) {
        prepareForWrite()
        context.recordSideEffect(.scatter, target: node, index: index.node, value: value.node, mask: mask.node)
        recordScatterOnTape(.scatter, value: value, index: index.node, mask: mask.node)
    }

    /// Adds `value` to `self[index]` for active lanes (out-of-range lanes are skipped). Lanes that add to one
    /// element are summed among themselves within each vector of W lanes before the element receives their sum, in
    /// a fixed order, so the result is bitwise the same whatever the thread count and on both backends.
    public mutating func scatterAdd<I: TracedIndex>(_ value: Self, at index: TracedArray<I>, mask: BoolArray = true)
    where Element: TracedNumeric {
        prepareForWrite()
        context.recordSideEffect(.scatterAdd, target: node, index: index.node, value: value.node, mask: mask.node)
        recordScatterOnTape(.scatterAdd, value: value, index: index.node, mask: mask.node)
    }

    /// Makes `self` an evaluated array whose node nothing else shares (copy on write), so that writing into it
    /// changes only `self`. Nodes are the only holders of storage, so a uniquely referenced node owns its data.
    private mutating func prepareForWrite() {
        // An evaluated buffer that only `self` holds is ready as it is. Skipping `eval()` there keeps earlier
        // queued writes queued, so that writes into several arrays can run as one kernel.
        // So is one that a symbolic loop body being recorded already writes (its collected writes hold it).
        if node.isEvaluated && !node.isLiteral && !node.isBorrowed
            && (isKnownUniquelyReferenced(&node) || context.isWrittenInLoopBody(node)) { return }
        eval()
        if node.isLiteral || node.isBorrowed || !isKnownUniquelyReferenced(&node) {
            let storage = node.storage?.copy()
                ?? Storage(repeating: node.immediate, count: node.size, type: node.type)
            node = context.buffer(storage)
        }
    }
}
