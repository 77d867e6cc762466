// The value-numbering table: unevaluated nodes by what they compute, so an expression recorded twice is one node.

/// Unevaluated nodes by `NodeKey`. The table owns its nodes through `owners`, in the order they were added, and the
/// key index refers to them without reference counting. A weak table would do the same with less code, but it
/// would give every node a side table, and then every retain and release of every node takes Swift's slow path.
///
/// A node leaves the table when it is evaluated (it is data then, not an expression: as in Dr.Jit) and when the
/// table is the only thing that references it (`purge`, before every evaluation, so that the table never keeps
/// data alive beyond the recording that used it).
struct ValueNumberTable {
    private var index: [NodeKey: Unmanaged<Node>] = [:]
    /// The nodes in the order they were added (oldest first); nil where one has left.
    private var owners: [Node?] = []
    private var vacancies = 0

    /// The number of nodes in the table.
    var count: Int { index.count }

    /// The node recorded under `key`, if any.
    func node(for key: NodeKey) -> Node? {
        index[key]?.takeUnretainedValue()
    }

    /// Adds `node` under `key` (which must be free).
    mutating func insert(_ node: Node, under key: NodeKey) {
        index[key] = Unmanaged.passUnretained(node)
        node.valueNumberKey = key
        node.valueNumberSlot = owners.count
        owners.append(node)
    }

    /// Removes `node` (an evaluated one) from the table; the caller still holds it.
    mutating func remove(_ node: Node) {
        guard let key = node.valueNumberKey else { return }
        index[key] = nil
        owners[node.valueNumberSlot] = nil
        node.valueNumberKey = nil
        node.valueNumberSlot = -1
        vacancies += 1
    }

    /// Forgets every node.
    mutating func removeAll() {
        for node in owners {
            node?.valueNumberKey = nil
            node?.valueNumberSlot = -1
        }
        index = [:]
        owners = []
        vacancies = 0
    }

    /// Drops the nodes nothing else references, newest first: a dropped node releases its operands, which are
    /// older, so chains of dead nodes go in one pass.
    mutating func purge() {
        for slot in owners.indices.reversed() where owners[slot] != nil {
            guard isKnownUniquelyReferenced(&owners[slot]!) else { continue }
            let node = owners[slot]!
            if let key = node.valueNumberKey { index[key] = nil }
            node.valueNumberKey = nil
            node.valueNumberSlot = -1
            owners[slot] = nil
            vacancies += 1
        }
        compact()
    }

    /// Closes the gaps in `owners` once they are at least half of it.
    private mutating func compact() {
        guard vacancies > 0, vacancies * 2 >= owners.count else { return }
        owners.removeAll { $0 == nil }
        for (slot, node) in owners.enumerated() { node!.valueNumberSlot = slot }
        vacancies = 0
    }
}
