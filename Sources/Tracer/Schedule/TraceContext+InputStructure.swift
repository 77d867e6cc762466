// The structure of a step's inputs: what decides whether a launch frozen from one step runs another step's inputs.
extension TraceContext {
    /// The inputs of a step as a frozen launch sees them: a hash of the graph that computes `roots` from buffers
    /// (operations, types, sizes, literal values, where each node is shared, and where each buffer enters) and
    /// those buffers, in the order a walk from `roots` first meets them. Two steps whose roots have the same hash
    /// differ only in those buffers' contents, so a launch frozen from one step (its inputs: these buffers) computes
    /// the other's results when launched on the other's buffers. Nil when a node is more than its fields (a loop,
    /// dispatch, native call or matrix product) or has writes queued: such inputs are not compared.
    package func inputStructure(of roots: [Node]) -> (hash: Int, buffers: [Node])? {
        lock.lock()
        defer { lock.unlock() }
        var hasher = Hasher()
        var order: [ObjectIdentifier: Int] = [:]
        var buffers: [Node] = []
        var stack = Array(roots.reversed())
        while let node = stack.popLast() {
            if let first = order[ObjectIdentifier(node)] {
                hasher.combine(0 as UInt8)
                hasher.combine(first)
                continue
            }
            order[ObjectIdentifier(node)] = order.count
            guard node.loop == nil, node.dispatch == nil, node.nativeCall == nil, node.product == nil,
                  node.pendingWrites == 0 else { return nil }
            hasher.combine(node.type.rawValue)
            hasher.combine(node.size)
            if node.isLiteral {
                hasher.combine(1 as UInt8)
                hasher.combine(node.immediate)
            } else if node.isEvaluated {
                hasher.combine(2 as UInt8)
                hasher.combine(buffers.count)
                buffers.append(node)
            } else {
                hasher.combine(3 as UInt8)
                hasher.combine(node.op)
                hasher.combine(node.immediate)
                hasher.combine(node.auxiliary)
                hasher.combine(node.operands.count)
                stack.append(contentsOf: node.operands.reversed())
            }
        }
        return (hasher.finalize(), buffers)
    }

    /// Makes `node` (recorded, not evaluated) the data of `evaluated`, as if a launch had computed it: a caller
    /// that replaced the kernel of a step by a frozen launch hands the launch's results to the arrays it recorded.
    package func materialize(_ node: Node, with evaluated: Node) {
        lock.lock()
        defer { lock.unlock() }
        guard !node.isEvaluated, !node.isLiteral, let storage = evaluated.storage else { return }
        node.materialize(storage)
    }
}
