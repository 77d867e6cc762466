// Reverse mode inside a symbolic loop body: adjoints stop at the body's edge and are scatter-added across iterations.
//
// Mitsuba's `prb.py` calls `dr.backward_from` inside its loop: each iteration's local expression is differentiated
// there and then, and its gradient accumulates into the scene parameters captured by the body. Here, a `backward`
// recorded in a symbolic body propagates adjoints through the entries the body computed (per lane, in registers)
// and stops at every entry it did not: arrays computed before the loop, leaves, and size-1 values. Their adjoints
// are scatter-added, by the body's active lanes in every iteration, into one zero-initialised buffer per entry
// (lane l's adjoint at index l for an array of the loop's size, all at index 0 for a size-1 array; a gather's
// adjoint keeps its own index). Once the loop is recorded, an ordinary `backward` from those buffers carries the
// accumulated adjoints on to the leaves; reading any of them runs the loop first.

/// The adjoints a symbolic loop body hands over to the code outside it.
final class LoopAdjointScope {
    /// The `LoopScope.recording` id of the body.
    let bodyID: UInt64
    /// The loop's size while the body is recorded.
    let size: Int
    /// Nodes and tape entries with larger ids were recorded in the body.
    let firstID: UInt64
    /// Per entry outside the body: the buffer its adjoints are scatter-added into, in order of first use.
    private(set) var buffers: [(entry: TapeEntry, buffer: Node)] = []
    private var bufferIndex: [UInt64: Int] = [:]

    init(bodyID: UInt64, size: Int, firstID: UInt64) {
        self.bodyID = bodyID
        self.size = size
        self.firstID = firstID
    }

    /// True when `entry` was computed by the body per lane, so that its adjoint can stay a per-lane value.
    func computesInBody(_ entry: TapeEntry) -> Bool {
        !entry.isLeaf && entry.result.id.rawValue > firstID && (entry.result.size != 1 || size == 1)
    }

    /// The buffer that collects `entry`'s adjoints, made on first use.
    func buffer(for entry: TapeEntry, in context: TraceContext) -> Node {
        if let position = bufferIndex[entry.serial] { return buffers[position].buffer }
        let buffer = context.buffer(Storage(count: entry.result.size, type: .float32))
        bufferIndex[entry.serial] = buffers.count
        buffers.append((entry, buffer))
        return buffer
    }

    /// Hands the collected buffers to the enclosing body's scope (for entries outside it too).
    func handOver(to enclosing: LoopAdjointScope) {
        for (entry, buffer) in buffers {
            precondition(!enclosing.computesInBody(entry),
                         "Autodiff: a backward pass in a nested symbolic loop reached an array computed in the "
                         + "enclosing loop's body; compute it before the outer loop, or make the outer loop evaluated")
            enclosing.buffers.append((entry, buffer))
        }
    }
}

extension TraceContext {
    /// The adjoint scope of the innermost symbolic loop body being recorded, when `backward` runs inside one.
    var innermostLoopAdjointScope: LoopAdjointScope? {
        lock.withLock {
            guard let scope = loopAdjointScopes.last else { return nil }
            if case .recording(let id, _)? = loopScopes.last(where: { if case .recording = $0 { true } else { false } }) {
                precondition(id == scope.bodyID,
                             "Autodiff: backward inside a dispatch case is not supported (call it after the dispatch)")
            }
            return scope
        }
    }

    /// Scatter-adds `contribution` to the adjoint of `entry`, an entry outside the body of `scope`.
    func deferAdjoint(_ contribution: AdjointContribution, into entry: TapeEntry, scope: LoopAdjointScope) {
        let target = scope.buffer(for: entry, in: self)
        let size = entry.result.size
        switch contribution {
        case .value(let value):
            precondition(size == 1 || value.count == 1 || value.count == size,
                         "Autodiff: an adjoint of size \(value.count) inside a symbolic loop for an array of size "
                         + "\(size) computed outside it (sizes must be equal, or 1)")
            // Lane l adds to element l of an array of the loop's size; every lane adds to a size-1 array's one.
            let index = size == 1 ? literal(0, type: .uint32, size: 1) : laneIndex(type: .uint32, size: size)
            recordSideEffect(.scatterAdd, target: target, index: index, value: value.node,
                             mask: literal(1, type: .bool, size: 1))
        case let .scatterAdd(value, index, mask):
            recordSideEffect(.scatterAdd, target: target, index: index.node, value: value.node, mask: mask.node)
        }
    }

    /// Records the body of a symbolic loop with an adjoint scope open, and returns the scope with the body's result.
    func withLoopAdjointScope<Result>(bodyID: UInt64, size: Int, _ body: () -> Result) -> (Result, LoopAdjointScope) {
        let scope = lock.withLock {
            let scope = LoopAdjointScope(bodyID: bodyID, size: size, firstID: nextNodeID)
            loopAdjointScopes.append(scope)
            return scope
        }
        let result = body()
        lock.withLock { _ = loopAdjointScopes.removeLast() }
        return (result, scope)
    }

    /// Once a loop is recorded: carries the adjoints its body collected on to the code outside it (in an enclosing
    /// body, that body's scope takes them over; at top level, `backward` from the buffers runs).
    func finishLoopAdjoints(_ scope: LoopAdjointScope) {
        guard !scope.buffers.isEmpty else { return }
        if let enclosing = lock.withLock({ loopAdjointScopes.last }) {
            scope.handOver(to: enclosing)
            return
        }
        backward(from: scope.buffers.map { ($0.entry, FloatArray(node: $0.buffer)) })
    }
}
