// Arrays of one context used by another: literals are remade, evaluated data is shared, pending work runs first.

extension TraceContext {
    /// The context that records an operation over `nodes`: the one their non-literal nodes share; when they come
    /// from several, the current context if it holds one of them, else the first one's. The others are brought in
    /// with `localized`. So a render in a context of its own reads a scene loaded in another, and its work stays in
    /// its own context (what it records, launches and counts).
    static func recording(_ nodes: [Node]) -> TraceContext {
        var first: TraceContext?
        var mixed = false
        for node in nodes where !node.isLiteral {
            guard let shared = first else { first = node.context; continue }
            if node.context !== shared { mixed = true; break }
        }
        guard let first else { return nodes.first?.context ?? .current }
        guard mixed else { return first }
        let current = TraceContext.current
        return nodes.contains { !$0.isLiteral && $0.context === current } ? current : first
    }

    /// `node` as an operand recorded here: the node itself when it belongs here, a literal remade here, or else the
    /// node's data shared as a buffer of this context (evaluated first, in its own context, when it is pending or
    /// has queued writes). The data is not copied: a scene's arrays serve every context that renders it. The buffer
    /// is marked borrowed: scatters and assignments into it from here copy it first, and `overwritingInPlace`
    /// declines it.
    func localized(_ node: Node) -> Node {
        if node.context === self { return node }
        if node.isLiteral { return literal(node.immediate, type: node.type, size: node.size) }
        let owner = node.context
        let storage: Storage = owner.lock.withLock {
            if !node.isEvaluated || node.pendingWrites > 0 { owner.evaluate([node]) }
            return node.storage!
        }
        lock.lock()
        defer { lock.unlock() }
        let key = ObjectIdentifier(node)
        if let adopted = adoptedNodes[key], adopted.source === node, adopted.local.storage === storage {
            return adopted.local
        }
        let local = buffer(storage)
        local.isBorrowed = true
        adoptedNodes[key] = AdoptedNode(source: node, local: local)
        if adoptedNodes.count > adoptedNodePurgeThreshold { purgeAdoptions() }
        return local
    }

    /// Drops the adoptions whose source is gone (run before every evaluation and when the table grows).
    func purgeAdoptions() {
        lock.lock()
        defer { lock.unlock() }
        guard adoptedNodes.values.contains(where: { $0.source == nil }) else { return }
        adoptedNodes = adoptedNodes.filter { $0.value.source != nil }
        adoptedNodePurgeThreshold = max(256, adoptedNodes.count * 2)
    }
}

/// A node of another context whose data this context reads, and the buffer node that shares it here. The source
/// is held weakly (when it goes, the entry is dropped before the next evaluation); the local node is held so that one
/// source keeps one node here (equal kernels, one parameter per buffer).
struct AdoptedNode {
    weak var source: Node?
    let local: Node
}
