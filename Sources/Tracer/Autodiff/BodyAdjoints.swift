// Reverse mode inside a symbolic loop body or dispatch case: adjoints stop at the body's edge and are scatter-added.
//
// Mitsuba's `prb.py` calls `dr.backward_from` inside its loop: each iteration's local expression is differentiated
// there and then, and its gradient accumulates into the scene parameters captured by the body. Here, a `backward`
// recorded in a symbolic body (a loop body or a dispatch case) propagates adjoints through the entries the body
// recorded (per lane, in registers) and stops at every entry it did not: arrays computed before the loop, leaves
// made outside, and size-1 values. Their adjoints are scatter-added, by the body's active lanes (every iteration
// of a loop, the lanes of a case), into one zero-initialised buffer per entry (lane l's adjoint at index l for an
// array of the body's size, all at index 0 for a size-1 array; a gather's adjoint keeps its own index). Once the
// loop or dispatch is recorded, an ordinary `backward` from those buffers carries the accumulated adjoints on to
// the leaves; reading any of them runs the loop or dispatch first.

/// The adjoints a symbolic loop body or dispatch case hands over to the code outside it.
final class BodyAdjointScope {
    /// The `LoopScope.recording` id of the body.
    let bodyID: UInt64
    /// The size of the loop or dispatch while the body is recorded.
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

    /// True when the body recorded `entry` per lane (leaves made in the body too, such as a dispatch case's
    /// tracked arguments), so that its adjoint can stay a per-lane value.
    func computesInBody(_ entry: TapeEntry) -> Bool {
        entry.serial > firstID && (entry.result.size != 1 || size == 1)
    }

    /// The buffer that collects `entry`'s adjoints, made on first use.
    func buffer(for entry: TapeEntry, in context: TraceContext) -> Node {
        if let position = bufferIndex[entry.serial] { return buffers[position].buffer }
        let storage = Storage(count: entry.result.size, type: .float32)
        context.countAllocation(of: storage)
        let buffer = context.buffer(storage)
        bufferIndex[entry.serial] = buffers.count
        buffers.append((entry, buffer))
        return buffer
    }

    /// Hands the collected buffers to the enclosing body's scope (for entries outside it too).
    func handOver(to enclosing: BodyAdjointScope) {
        for (entry, buffer) in buffers {
            precondition(!enclosing.computesInBody(entry),
                         "Autodiff: a backward pass in a nested symbolic loop or dispatch reached an array computed in "
                         + "the enclosing loop's body or case; compute it before the outer loop or dispatch, or make "
                         + "the outer loop evaluated")
            enclosing.buffers.append((entry, buffer))
        }
    }
}

extension TraceContext {
    /// The adjoint scope of the innermost symbolic body being recorded, when `backward` runs inside one.
    var innermostBodyAdjointScope: BodyAdjointScope? {
        lock.withLock { bodyAdjointScopes.last }
    }

    /// Scatter-adds `contribution` to the adjoint of `entry`, an entry outside the body of `scope`.
    func deferAdjoint(_ contribution: AdjointContribution, into entry: TapeEntry, scope: BodyAdjointScope) {
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

    /// Records a symbolic loop body or dispatch case with an adjoint scope open; returns its result and the scope.
    func withBodyAdjointScope<Result>(bodyID: UInt64, size: Int, _ body: () -> Result) -> (Result, BodyAdjointScope) {
        let scope = lock.withLock {
            let scope = BodyAdjointScope(bodyID: bodyID, size: size, firstID: newestNodeID)
            bodyAdjointScopes.append(scope)
            return scope
        }
        let result = body()
        lock.withLock { _ = bodyAdjointScopes.removeLast() }
        return (result, scope)
    }

    /// Once a loop or dispatch is recorded: carries the adjoints a body collected on to the code outside it (in an
    /// enclosing body, that body's scope takes them over; at top level, `backward` from the buffers runs).
    func finishBodyAdjoints(_ scope: BodyAdjointScope) {
        guard !scope.buffers.isEmpty else { return }
        if let enclosing = lock.withLock({ bodyAdjointScopes.last }) {
            scope.handOver(to: enclosing)
            return
        }
        lock.withLock { collectedBodyAdjoints?.append(contentsOf: scope.buffers) }
        backward(from: scope.buffers.map { ($0.entry, FloatArray(node: $0.buffer)) })
    }

    /// Runs `body` and returns, with its result, the buffers into which the symbolic loops and dispatches it records
    /// at top level collect the adjoints of arrays computed outside them, each with the position in `arrays` of the
    /// array whose adjoint it holds (a backward pass in a loop body that reaches parameters captured by the loop).
    /// The list is nil when a buffer holds the adjoint of an array that is not one of `arrays`. A caller that
    /// freezes the loop's launch (`evaluateFreezing(_:...accumulating:)`) backpropagates later launches' buffers
    /// from the same arrays with `backward(_:)`, as the recording did for these.
    package func collectingBodyAdjoints<Result>(of arrays: [FloatArray], _ body: () -> Result)
        -> (result: Result, accumulators: [(position: Int, buffer: FloatArray)]?) {
        let outer = lock.withLock {
            defer { collectedBodyAdjoints = [] }
            return collectedBodyAdjoints
        }
        let result = body()
        let collected = lock.withLock {
            defer { collectedBodyAdjoints = outer.map { $0 + (collectedBodyAdjoints ?? []) } }
            return collectedBodyAdjoints ?? []
        }
        var accumulators: [(position: Int, buffer: FloatArray)] = []
        for (entry, buffer) in collected {
            guard let position = arrays.firstIndex(where: { $0.tape === entry }) else { return (result, nil) }
            accumulators.append((position, FloatArray(node: buffer)))
        }
        return (result, accumulators)
    }
}

extension Array where Element == AnyTracedArray {
    /// Makes the float arrays at `positions` fresh gradient leaves, as the derivative of a loop or dispatch does for
    /// the inputs of the body it records again, and returns their tape entries in that order.
    mutating func makeLeaves(at positions: [Int]) -> [TapeEntry] {
        positions.map { position in
            var leaf = FloatArray(node: self[position].node)
            leaf.enableGradient()
            self[position].tape = leaf.tape
            return leaf.tape!
        }
    }
}
