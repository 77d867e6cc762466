// The value-numbering table: unevaluated nodes by what they compute, so an expression recorded twice is one node.

/// Unevaluated nodes by `NodeKey`. The table owns its nodes through `owners`, in the order they were added, and the
/// key index refers to them without reference counting. A weak table would do the same with less code, but it
/// would give every node a side table, and then every retain and release of every node takes Swift's slow path.
///
/// A node leaves the table when it is evaluated (it is data then, not an expression: as in Dr.Jit) and when the
/// table is the only thing that references it (`purge`, before every evaluation, so that the table never keeps
/// data alive beyond the recording that used it).
struct ValueNumberTable {
    private var index = NodeKeyIndex()
    /// The nodes in the order they were added (oldest first); nil where one has left.
    private var owners: [Node?] = []
    private var vacancies = 0

    /// The number of nodes in the table.
    var count: Int { index.count }

    /// The node recorded under `key`, if any.
    func node(for key: NodeKey) -> Node? {
        index.node(for: key)
    }

    /// Adds `node` under `key` (which must be free).
    mutating func insert(_ node: Node, under key: NodeKey) {
        node.valueNumberKey = key
        index.insert(node)
        node.valueNumberSlot = owners.count
        owners.append(node)
    }

    /// Removes `node` (an evaluated one) from the table; the caller still holds it.
    mutating func remove(_ node: Node) {
        guard node.valueNumberKey != nil else { return }
        index.remove(node)
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
        index = NodeKeyIndex()
        owners = []
        vacancies = 0
    }

    /// The nodes held (unevaluated expressions still referenced from outside once `purge` has run).
    var heldNodes: [Node] { owners.compactMap { $0 } }

    /// Drops the nodes nothing else references, newest first: a dropped node releases its operands, which are
    /// older, so chains of dead nodes go in one pass.
    mutating func purge() {
        for slot in owners.indices.reversed() where owners[slot] != nil {
            guard isKnownUniquelyReferenced(&owners[slot]!) else { continue }
            let node = owners[slot]!
            if node.valueNumberKey != nil { index.remove(node) }
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

/// The key index of the value-numbering table: open addressing with linear probing and backward-shift deletion,
/// entries unretained. Swift's Dictionary hashes with SipHash, which cost about as much as the rest of recording an
/// op; this one mixes the key's fields with multiply-xorshift steps (the table is private to a context and keyed
/// by node ids it made, so no adversary chooses the keys). A node's key lives in the node, which is how a probe
/// compares keys and how a removal finds the node's slot.
struct NodeKeyIndex {
    private var entries: [Unmanaged<Node>?] = Array(repeating: nil, count: 1024)
    private var hashes: [UInt64] = Array(repeating: 0, count: 1024)
    /// The number of nodes held.
    private(set) var count = 0

    static func hash(_ key: NodeKey) -> UInt64 {
        func mix(_ x: UInt64) -> UInt64 {
            let product = x &* 0x9E37_79B9_7F4A_7C15
            return product ^ (product >> 29)
        }
        var hash = mix(UInt64(key.op.rawValue) | UInt64(key.type.rawValue) << 8 | UInt64(key.immediate) << 32)
        hash = mix(hash ^ UInt64(truncatingIfNeeded: key.size))
        hash = mix(hash ^ key.operand0)
        hash = mix(hash ^ key.operand1)
        hash = mix(hash ^ key.operand2)
        return mix(hash ^ UInt64(key.auxiliary))
    }

    private var mask: Int { entries.count - 1 }

    private func home(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> 7) & mask }

    /// The node whose key is `key`, if held.
    func node(for key: NodeKey) -> Node? {
        let hash = Self.hash(key)
        var slot = home(hash)
        while let entry = entries[slot] {
            if hashes[slot] == hash {
                let node = entry.takeUnretainedValue()
                if node.valueNumberKey == key { return node }
            }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Adds `node` under its key (which must not be held yet).
    mutating func insert(_ node: Node) {
        if (count + 1) * 2 > entries.count { grow() }
        place(Unmanaged.passUnretained(node), hash: Self.hash(node.valueNumberKey!))
        count += 1
    }

    /// Removes `node` (nothing happens when it is not held).
    mutating func remove(_ node: Node) {
        let target = Unmanaged.passUnretained(node).toOpaque()
        var slot = home(Self.hash(node.valueNumberKey!))
        while let entry = entries[slot], entry.toOpaque() != target { slot = (slot + 1) & mask }
        guard entries[slot] != nil else { return }
        // Backward shift: move later entries of the probe run into the hole when their home allows it.
        var hole = slot
        var next = (slot + 1) & mask
        while entries[next] != nil {
            let distanceToNext = (next - home(hashes[next])) & mask
            let distanceToHole = (hole - home(hashes[next])) & mask
            if distanceToHole <= distanceToNext {
                entries[hole] = entries[next]
                hashes[hole] = hashes[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        entries[hole] = nil
        count -= 1
    }

    private mutating func place(_ entry: Unmanaged<Node>, hash: UInt64) {
        var slot = home(hash)
        while entries[slot] != nil { slot = (slot + 1) & mask }
        entries[slot] = entry
        hashes[slot] = hash
    }

    private mutating func grow() {
        let old = zip(entries, hashes).compactMap { entry, hash in entry.map { ($0, hash) } }
        entries = Array(repeating: nil, count: entries.count * 2)
        hashes = Array(repeating: 0, count: hashes.count * 2)
        for (entry, hash) in old { place(entry, hash: hash) }
    }
}
