// How an operation enters the graph: check sizes, fold, look up an identical node, else append one.

extension TraceContext {
    /// Records an operation and returns its node (possibly an existing or folded one).
    ///
    /// Operand sizes must be equal or 1; the result has the largest. Gathers take their size from the index and
    /// mask only; reductions have size 1; block reductions have one element per block of the source.
    func record(_ op: Op, type: ScalarType, operands: [Node], immediate: UInt32 = 0, auxiliary: UInt32 = 0) -> Node {
        lock.lock()
        defer { lock.unlock() }
        // Phase 1: a dirty operand (one with queued scatters) must see them, so run them first.
        if operands.contains(where: { $0.pendingWrites > 0 }) { flushSideEffects() }
        // Phase 2: the result size.
        let size: Int
        switch op {
        case .gather: size = broadcastSize(op, Array(operands.dropFirst()))
        case .reduceSum, .reduceMin, .reduceMax: size = 1
        case .blockSum, .blockMin, .blockMax, .blockTreeSum: size = (operands[0].size + Int(auxiliary) - 1) / Int(auxiliary)
        default: size = broadcastSize(op, operands)
        }
        // Phase 3: folding.
        if let folded = fold(op, type: type, operands: operands, size: size) { return folded }
        // Phase 4: value numbering.
        let key = NodeKey(op: op, type: type, size: size, operands: operands, immediate: immediate,
                          auxiliary: auxiliary)
        if let existing = valueNumbers.node(for: key) { return existing }
        // Phase 5: a new node.
        let node = Node(id: makeNodeID(), op: op, type: type, size: size, operands: operands, immediate: immediate,
                        auxiliary: auxiliary, storage: nil, context: self)
        remember(node, under: key)
        return node
    }

    /// A literal of `size` elements, all equal to `bits`.
    func literal(_ bits: UInt32, type: ScalarType, size: Int) -> Node {
        lock.lock()
        defer { lock.unlock() }
        let key = NodeKey(op: .literal, type: type, size: size, operands: [], immediate: bits, auxiliary: 0)
        if let existing = valueNumbers.node(for: key) { return existing }
        let node = Node(id: makeNodeID(), op: .literal, type: type, size: size, operands: [], immediate: bits,
                        auxiliary: 0, storage: nil, context: self)
        remember(node, under: key)
        return node
    }

    /// A node holding evaluated data.
    func buffer(_ storage: Storage) -> Node {
        lock.lock()
        defer { lock.unlock() }
        _statistics.nodesRecorded += 1
        return Node(id: makeNodeID(), op: .buffer, type: storage.type, size: storage.count, operands: [],
                    immediate: 0, auxiliary: 0, storage: storage, context: self)
    }

    /// The lane-index leaf of `size` elements.
    func laneIndex(type: ScalarType, size: Int) -> Node {
        record(.laneIndex, type: type, operands: [], auxiliary: UInt32(truncatingIfNeeded: size), sizeOverride: size)
    }

    private func record(_ op: Op, type: ScalarType, operands: [Node], auxiliary: UInt32, sizeOverride size: Int) -> Node {
        lock.lock()
        defer { lock.unlock() }
        let key = NodeKey(op: op, type: type, size: size, operands: [], immediate: 0, auxiliary: auxiliary)
        if let existing = valueNumbers.node(for: key) { return existing }
        let node = Node(id: makeNodeID(), op: op, type: type, size: size, operands: [], immediate: 0,
                        auxiliary: auxiliary, storage: nil, context: self)
        remember(node, under: key)
        return node
    }

    private func remember(_ node: Node, under key: NodeKey) {
        _statistics.nodesRecorded += 1
        valueNumbers.insert(node, under: key)
        if valueNumbers.count > valueNumberPurgeThreshold {
            valueNumbers.purge()
            valueNumberPurgeThreshold = max(4096, valueNumbers.count * 2)
        }
    }

    /// Drops the value numbers of nodes that nothing else references (see `ValueNumberTable`), and the adoptions of
    /// other contexts' nodes that are gone (so that their data is freed with them).
    func purgeValueNumbers() {
        lock.lock()
        defer { lock.unlock() }
        valueNumbers.purge()
        purgeAdoptions()
    }

    /// Removes an evaluated node from the value-numbering table.
    func forgetValueNumber(of node: Node) {
        lock.lock()
        defer { lock.unlock() }
        valueNumbers.remove(node)
    }

    /// The common size of operands that must be equal or 1.
    func broadcastSize(_ op: Op, _ operands: [Node]) -> Int {
        var size = 1
        for operand in operands where operand.size != 1 {
            if size == 1 {
                size = operand.size
            } else if operand.size != size {
                preconditionFailure("Tracer: \(op) of arrays with incompatible sizes \(size) and \(operand.size) "
                    + "(sizes must be equal, or 1 to broadcast)")
            }
        }
        return size
    }

    /// Queues a scatter or scatter-add into `target`'s storage. The target must be evaluated and owned. In the body
    /// of a loop, it acts on the loop's active lanes only (see `TraceContext+Loops.swift`).
    func recordSideEffect(_ op: Op, target: Node, index: Node, value: Node, mask: Node) {
        lock.lock()
        defer { lock.unlock() }
        let index = localized(index), value = localized(value), mask = maskedByLoop(localized(mask))
        if [index, value, mask].contains(where: { $0.pendingWrites > 0 }) { flushSideEffects() }
        let size = broadcastSize(op, [index, value, mask])
        if mask.isLiteral && mask.immediate == 0 { return }
        queueSideEffect(SideEffect(op: op, target: target, index: index, value: value, mask: mask, size: size))
    }
}
