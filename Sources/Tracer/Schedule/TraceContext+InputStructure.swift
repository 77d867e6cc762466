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
        // Nodes of this context met before are marked with this walk's epoch and numbered in `postorderIndex` (the
        // kernel builder's fields, free outside its walks under this lock); another context's nodes (a parameter
        // value loaded elsewhere), whose fields that context's walks may be writing, are numbered in a dictionary.
        // The fields are mixed by multiply-xorshift steps. A Dictionary of every node and SipHash over every field
        // were 5% of the tutorial step's host samples (3% this way). No adversary chooses the graphs, and a key is a
        // full 64-bit hash, as SipHash's was.
        let walk = Self.freshEpoch()
        var hash: UInt64 = 0x243F_6A88_85A3_08D3
        func mix(_ value: UInt64) {
            hash = (hash ^ value) &* 0x9E37_79B9_7F4A_7C15
            hash ^= hash >> 29
        }
        var met: Int32 = 0
        var foreign: [ObjectIdentifier: Int32] = [:]
        func firstMeeting(_ node: Node) -> Int32? {
            if node.context === self {
                if node.visitEpoch == walk { return node.postorderIndex }
                (node.visitEpoch, node.postorderIndex) = (walk, met)
            } else {
                if let first = foreign[ObjectIdentifier(node)] { return first }
                foreign[ObjectIdentifier(node)] = met
            }
            met += 1
            return nil
        }
        var buffers: [Node] = []
        var stack = Array(roots.reversed())
        while let node = stack.popLast() {
            if let first = firstMeeting(node) {
                mix(0xFF | UInt64(first) << 8)  // 0xFF: no type's raw value
                continue
            }
            guard node.loop == nil, node.dispatch == nil, node.nativeCall == nil, node.product == nil,
                  node.pendingWrites == 0 else { return nil }
            mix(UInt64(node.type.rawValue) | UInt64(truncatingIfNeeded: node.size) << 8)
            if node.isLiteral {
                mix(1 | UInt64(node.immediate) << 8)
            } else if node.isEvaluated {
                mix(2 | UInt64(buffers.count) << 8)
                buffers.append(node)
            } else {
                mix(3 | UInt64(node.op.rawValue) << 8 | UInt64(node.operands.count) << 24 | UInt64(node.immediate) << 32)
                mix(UInt64(node.auxiliary))
                stack.append(contentsOf: node.operands.reversed())
            }
        }
        return (Int(truncatingIfNeeded: hash), buffers)
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
