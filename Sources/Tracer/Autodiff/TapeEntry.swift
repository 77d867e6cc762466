// One entry of the autodiff tape: an operation on gradient-tracked arrays and what its derivative needs.
//
// Entries point to the entries of their operands (`parents`), so the tape of a result is reachable from it and
// dies with it. `backward` (Autodiff/TraceContext+Backward.swift) walks entries in reverse creation order.

/// A recorded differentiable operation (or a gradient-enabled leaf).
final class TapeEntry: @unchecked Sendable {
    /// Creation order; a result is always created after its operands.
    let serial: UInt64
    /// The operation, nil for a leaf.
    let op: Op?
    /// The primal operand nodes (kept so derivatives can use them).
    let operands: [Node]
    /// The tape entries of the operands (nil where no gradient flows).
    let parents: [TapeEntry?]
    /// The primal result (a leaf's moves to the new node when its array is assigned to).
    var result: Node
    /// The op's auxiliary value (block length).
    let auxiliary: UInt32
    /// A user operation, for entries made by `CustomOperation`.
    let custom: (any CustomOperation)?
    /// On a leaf: the accumulated adjoint (or, after forward mode, the tangent). On other entries: the tangent left
    /// by the last forward-mode pass (reverse mode keeps their adjoints only during its traversal).
    var gradient: FloatArray?

    init(serial: UInt64, op: Op?, operands: [Node], parents: [TapeEntry?], result: Node, auxiliary: UInt32 = 0,
         custom: (any CustomOperation)? = nil) {
        self.serial = serial
        self.op = op
        self.operands = operands
        self.parents = parents
        self.result = result
        self.auxiliary = auxiliary
        self.custom = custom
    }

    /// True for an array on which `enableGradient` was called.
    var isLeaf: Bool { op == nil && custom == nil }
}

/// A weak reference to a tape entry, for the context's registry used by forward mode.
struct WeakTapeEntry {
    weak var entry: TapeEntry?
}
