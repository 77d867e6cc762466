// Reductions: whole-array sum, minimum and maximum, and the same over consecutive fixed-size blocks.

extension TracedArray where Element: TracedNumeric {
    /// The sum of all elements, as a size-1 array (fused into the kernel that computes `self`).
    public func sum() -> Self { Self.make(.reduceSum, [node], tapes: [tape]) }
    /// The smallest element, as a size-1 array.
    public func min() -> Self { Self.make(.reduceMin, [node], tapes: [tape]) }
    /// The largest element, as a size-1 array.
    public func max() -> Self { Self.make(.reduceMax, [node], tapes: [tape]) }
    /// The mean of all elements, as a size-1 array.
    public func mean() -> Self where Element == Float { sum() / Float(Swift.max(count, 1)) }

    /// Sums of consecutive blocks of `length` elements: element i is the sum of elements [i*length, i*length+length)
    /// (the last block may be shorter).
    public func blockSum(_ length: Int) -> Self { blockReduce(.blockSum, length) }
    /// Minima of consecutive blocks of `length` elements.
    public func blockMin(_ length: Int) -> Self { blockReduce(.blockMin, length) }
    /// Maxima of consecutive blocks of `length` elements.
    public func blockMax(_ length: Int) -> Self { blockReduce(.blockMax, length) }

    /// Sums of consecutive blocks of `length` elements (a power of two up to `maximumTreeBlock`) added as a binary
    /// tree: each block is the sum of its first half plus the sum of its second half, down to single elements,
    /// with +0 for elements past the end. Unlike `blockSum`'s lane order, sums of aligned sub-blocks are nodes of
    /// the tree, so a caller can assemble a larger tree from them with the same bits (the film's sample segments).
    /// Where the length divides the vector width, it is added inside the kernel that computes `self`.
    public func blockTreeSum(_ length: Int) -> Self {
        precondition(length > 0 && length & (length - 1) == 0 && length <= Self.maximumTreeBlock,
                     "Tracer: blockTreeSum needs a power-of-two block length up to \(Self.maximumTreeBlock), got \(length)")
        return blockReduce(.blockTreeSum, length)
    }

    /// The longest block `blockTreeSum` takes (a kernel reads a block's elements with one gather each).
    public static var maximumTreeBlock: Int { 64 }

    private func blockReduce(_ op: Op, _ length: Int) -> Self {
        precondition(length > 0, "Tracer: the block length must be positive, got \(length)")
        return Self.make(op, [node], tapes: [tape], auxiliary: UInt32(length))
    }
}
