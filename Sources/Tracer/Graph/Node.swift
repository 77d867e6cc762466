// A node of the traced graph: one operation over an array of a given size, or evaluated data.

/// Identifies a node within its context. Ids grow with creation order.
package struct NodeID: Hashable, Comparable, Sendable, CustomStringConvertible {
    package let rawValue: UInt64
    package static func < (a: NodeID, b: NodeID) -> Bool { a.rawValue < b.rawValue }
    package var description: String { "n\(rawValue)" }
}

/// One vertex of the graph. Arrays hold nodes; nodes hold their operands, so a node lives as long as anything
/// that may still need it. Once evaluated, a node becomes a `.buffer` node that keeps only its storage.
/// Fields are `@exclusivity(unchecked)`: run-time access checks cost a tenth of recording's host time (ARCHITECTURE).
package final class Node: @unchecked Sendable {
    /// The node's id.
    package let id: NodeID
    /// The operation; `.buffer` once evaluated.
    @exclusivity(unchecked) package internal(set) var op: Op
    /// The element type of the result.
    package let type: ScalarType
    /// The number of elements.
    package let size: Int
    /// The operand nodes (dropped once evaluated).
    @exclusivity(unchecked) package internal(set) var operands: [Node]
    /// Literal bits for `.literal` nodes.
    package let immediate: UInt32
    /// The block length of block reductions.
    package let auxiliary: UInt32
    /// The data, once evaluated.
    @exclusivity(unchecked) package internal(set) var storage: Storage?
    /// The context that recorded this node.
    package let context: TraceContext
    /// Queued scatters that will write into this node's storage; a dirty node is flushed before it is read.
    @exclusivity(unchecked) var pendingWrites = 0
    /// True for a buffer that shares another context's data (`TraceContext.localized`): writes into it copy first.
    @exclusivity(unchecked) var isBorrowed = false
    /// The node's key and position in its context's value-numbering table, while the table holds it.
    @exclusivity(unchecked) var valueNumberKey: NodeKey?
    @exclusivity(unchecked) var valueNumberSlot = -1
    /// The instruction computing this node in the kernel being built by the `KernelBuilder` with this epoch.
    @exclusivity(unchecked) var emittedInstruction: (epoch: UInt64, index: Int32) = (0, -1)
    /// The epoch of the last graph walk that visited this node (a mark instead of a set of visited IDs).
    @exclusivity(unchecked) var visitEpoch: UInt64 = 0
    /// The node's position in the postorder of `KernelBuilder.emitAsLateAsPossible`'s walk with `visitEpoch`.
    @exclusivity(unchecked) var postorderIndex: Int32 = -1
    /// Whether the node varies inside the body that `KernelBuilder.hoistInvariants` walked last, with that walk's
    /// epoch.
    @exclusivity(unchecked) var hoistMark: (epoch: UInt64, varies: Bool) = (0, false)
    /// For a `.loop` node: its placeholders, condition, body results and side effects.
    @exclusivity(unchecked) var loop: LoopRecord?
    /// For a `.dispatch` node: its cases' placeholders, results and side effects.
    @exclusivity(unchecked) var dispatch: DispatchRecord?
    /// For a `.nativeCall` node: its output types and outputs.
    @exclusivity(unchecked) var nativeCall: NativeCallRecord?
    /// For a `.matrixProduct` node: what it computes. Kept once evaluated: its tape entry reads it.
    @exclusivity(unchecked) package internal(set) var product: MatrixProduct?
    /// For a `.matrixProduct` node whose strategy reads a factor packed: that packed copy, made by a kernel of its
    /// own when the product is scheduled (`Schedule/TraceContext+ProductScheduling.swift`).
    @exclusivity(unchecked) var packedFactor: Node?

    init(id: NodeID, op: Op, type: ScalarType, size: Int, operands: [Node], immediate: UInt32, auxiliary: UInt32,
         storage: Storage?, context: TraceContext) {
        self.id = id
        self.op = op
        self.type = type
        self.size = size
        self.operands = operands
        self.immediate = immediate
        self.auxiliary = auxiliary
        self.storage = storage
        self.context = context
    }

    /// True when the node holds data.
    package var isEvaluated: Bool { storage != nil }

    /// True for a literal (a constant that lives in code, not memory).
    package var isLiteral: Bool { op == .literal }

    /// Turns the node into evaluated data and releases its operands. A literal stays a literal (code can still
    /// embed it) and only gains memory, for the operations that need one (gather sources).
    func materialize(_ storage: Storage) {
        self.storage = storage
        guard op != .literal else { return }
        if valueNumberKey != nil { context.forgetValueNumber(of: self) }
        op = .buffer
        operands = []
        loop = nil
        dispatch = nil
        nativeCall = nil
        packedFactor = nil
    }
}
