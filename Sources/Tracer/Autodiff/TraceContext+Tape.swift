// Recording on the autodiff tape, and the scopes that suspend or resume it.

extension TraceContext {
    /// True while operations on gradient-tracked arrays are recorded.
    public var isRecordingGradients: Bool { lock.withLock { gradientRecordingStack.last ?? true } }

    /// Runs `body` without recording derivatives (the `dr.suspend_grad` scope).
    public func withGradientsSuspended<Result>(_ body: () throws -> Result) rethrows -> Result {
        try withGradientRecording(false, body)
    }

    /// Runs `body` recording derivatives again, even inside a suspended scope (the `dr.resume_grad` scope).
    public func withGradientsResumed<Result>(_ body: () throws -> Result) rethrows -> Result {
        try withGradientRecording(true, body)
    }

    private func withGradientRecording<Result>(_ enabled: Bool, _ body: () throws -> Result) rethrows -> Result {
        lock.withLock { gradientRecordingStack.append(enabled) }
        defer { lock.withLock { _ = gradientRecordingStack.popLast() } }
        return try body()
    }

    /// The tape entry for a new result, or nil when no operand is tracked or recording is suspended.
    func tapeEntry(op: Op, operands: [Node], tapes: [TapeEntry?], result: Node) -> TapeEntry? {
        guard tapes.contains(where: { $0 != nil }), isRecordingGradients else { return nil }
        // Operations with no derivative (rounding, comparisons) cut the tape.
        guard DerivativeTable.isDifferentiable(op) else { return nil }
        let parents = (0..<operands.count).map { $0 < tapes.count ? tapes[$0] : nil }
        // The same operation on the same operands with the same tapes (a value-numbered node recorded twice, e.g.
        // one texture lookup used by two BSDF evaluations) shares one entry, so its adjoints are summed before
        // they reach the operands: one scatter-add per gather instead of one per use.
        let key = TapeKey(op: op, result: result.id, operands: operands.map(\.id),
                          parents: parents.map { $0.map(ObjectIdentifier.init) })
        if let existing = lock.withLock({ tapeEntries[key]?.entry }) { return existing }
        let entry = register(TapeEntry(serial: makeSerial(), op: op, operands: operands, parents: parents,
                                       result: result, auxiliary: result.auxiliary))
        lock.withLock {
            tapeEntries[key] = WeakTapeEntry(entry: entry)
            if tapeEntries.count > tapeEntryPurgeThreshold {
                tapeEntries = tapeEntries.filter { $0.value.entry != nil }
                tapeEntryPurgeThreshold = max(4096, tapeEntries.count * 2)
            }
        }
        return entry
    }

    /// A new leaf entry for `node`.
    func leafEntry(for node: Node) -> TapeEntry {
        register(TapeEntry(serial: makeSerial(), op: nil, operands: [], parents: [], result: node))
    }

    /// A new entry for a custom operation.
    func customEntry(_ operation: any CustomOperation, inputs: [Node], parents: [TapeEntry?], result: Node) -> TapeEntry {
        register(TapeEntry(serial: makeSerial(), op: nil, operands: inputs, parents: parents, result: result,
                           custom: operation))
    }

    private func makeSerial() -> UInt64 {
        makeNodeID().rawValue
    }

    private func register(_ entry: TapeEntry) -> TapeEntry {
        lock.withLock {
            tapeRegistry.append(WeakTapeEntry(entry: entry))
            if tapeRegistry.count > tapeRegistryPurgeThreshold {
                tapeRegistry.removeAll { $0.entry == nil }
                tapeRegistryPurgeThreshold = max(4096, tapeRegistry.count * 2)
            }
        }
        return entry
    }
}

/// The identity of a recorded differentiable operation, for sharing tape entries.
struct TapeKey: Hashable {
    var op: Op
    var result: NodeID
    var operands: [NodeID]
    var parents: [ObjectIdentifier?]
}
