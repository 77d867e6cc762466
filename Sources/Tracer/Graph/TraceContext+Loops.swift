// Recording a symbolic loop into the graph, and the scopes that route side effects recorded in loop bodies.
//
// A symbolic loop is one `.loop` node whose operands are the initial state, the condition, the body's results and
// the operands of the body's side effects; `LoopRecord` holds them by role, with the `.loopVariable` placeholders
// the body was recorded on. Each state variable's final value is a `.loopOutput` node. A loop whose body has side
// effects is queued like a scatter (`SideEffect.op == .loop`), so it runs exactly once, in program order.
// Lowering: `KernelBuilder+Loops.swift`.

extension TraceContext {
    /// Records a symbolic loop over `initialValues` and returns one `.loopOutput` node per state variable. The
    /// closures receive the placeholders and return the condition and the next state (`whileLoop` wraps them).
    func recordSymbolicLoop(initialValues: [Node], condition: ([Node]) -> Node,
                            body: ([Node]) -> [Node]) -> [Node] {
        lock.lock()
        defer { lock.unlock() }
        // Phase 1: the body, recorded once on placeholders. State given at size 1 (a counter starting at 0) is
        // broadcast to the size the condition and body compute, recording them again.
        var initialValues = initialValues.map(localized)
        var recorded = recordLoopBody(initialValues, condition: condition, body: body)
        let computedSize = broadcastSize(.loop, [recorded.condition] + recorded.results)
        if recorded.size == 1 && computedSize != 1 {
            initialValues = initialValues.map { broadcast($0, to: computedSize) }
            recorded = recordLoopBody(initialValues, condition: condition, body: body)
        }
        let (id, size, variables, results, sideEffects) = (recorded.id, recorded.size, recorded.variables,
                                                            recorded.results, recorded.sideEffects)
        defer { finishBodyAdjoints(recorded.adjoints) }
        var mask = recorded.condition
        // Phase 2: checks. Lanes outside an enclosing evaluated loop's mask do not iterate.
        if case .masked(let enclosing)? = loopScopes.last {
            mask = record(.and, type: .bool, operands: [mask, enclosing])
        }
        precondition(mask.type == .bool, "Tracer: a loop condition must be a mask, not \(mask.type)")
        for (variable, result) in zip(variables, results) {
            precondition(result.type == variable.type,
                         "Tracer: loop state variable \(variable.immediate) is \(variable.type) but the body returns \(result.type)")
        }
        for node in [mask] + results where node.size != size && node.size != 1 {
            preconditionFailure("Tracer: a loop over state of size \(size) computes an array of size \(node.size) "
                + "(give the state the full size, or make the sizes equal)")
        }
        // Phase 3: the loop node and its outputs.
        let record = LoopRecord(id: id, enclosingLoops: recorded.enclosingLoops, initialValues: initialValues,
                                variables: variables, condition: mask, results: results, sideEffects: sideEffects)
        let loop = Node(id: makeNodeID(), op: .loop, type: .bool, size: size,
                        operands: initialValues + record.bodyRoots, immediate: 0,
                        auxiliary: UInt32(variables.count), storage: nil, context: self)
        loop.loop = record
        let outputs = variables.map { variable in
            Node(id: makeNodeID(), op: .loopOutput, type: variable.type, size: size, operands: [loop],
                 immediate: variable.immediate, auxiliary: 0, storage: nil, context: self)
        }
        record.outputs = outputs.map { WeakNode(node: $0) }
        _statistics.nodesRecorded += 2 + variables.count * 2
        // Phase 4: a loop with side effects is itself one, queued (or collected by an enclosing body).
        if !sideEffects.isEmpty {
            let always = literal(1, type: .bool, size: 1)
            queueSideEffect(SideEffect(op: .loop, target: loop, index: loop, value: loop, mask: always, size: size))
        }
        return outputs
    }

    /// A loop body recorded on placeholders for `initialValues`, with the side effects it recorded.
    private struct RecordedBody {
        var id: UInt64
        var enclosingLoops: [UInt64]
        var size: Int
        var variables: [Node]
        var condition: Node
        var results: [Node]
        var sideEffects: [SideEffect]
        /// The adjoints that `backward` calls in the body scatter-added for entries outside it.
        var adjoints: BodyAdjointScope
    }

    /// Records the condition and body once on new placeholders; their side effects are collected by the scope.
    private func recordLoopBody(_ initialValues: [Node], condition: ([Node]) -> Node,
                                body: ([Node]) -> [Node]) -> RecordedBody {
        let size = broadcastSize(.loop, initialValues)
        let variables = initialValues.enumerated().map { position, value in
            Node(id: makeNodeID(), op: .loopVariable, type: value.type, size: size, operands: [],
                 immediate: UInt32(position), auxiliary: 0, storage: nil, context: self)
        }
        let id = makeNodeID().rawValue
        let enclosingLoops = loopScopes.compactMap { scope -> UInt64? in
            if case .recording(let id, _) = scope { return id } else { return nil }
        }
        loopScopes.append(.recording(id: id, sideEffects: []))
        let ((mask, results), adjoints) = withBodyAdjointScope(bodyID: id, size: size) {
            (localized(condition(variables)), body(variables).map(localized))
        }
        guard case .recording(_, let sideEffects) = loopScopes.removeLast() else {
            preconditionFailure("Tracer: loop scopes were not nested")
        }
        return RecordedBody(id: id, enclosingLoops: enclosingLoops, size: size, variables: variables, condition: mask,
                            results: results, sideEffects: sideEffects, adjoints: adjoints)
    }

    /// A size-1 array as `size` equal elements.
    private func broadcast(_ node: Node, to size: Int) -> Node {
        if node.size == size { return node }
        if node.isLiteral { return literal(node.immediate, type: node.type, size: size) }
        let always = literal(1, type: .bool, size: size)
        return record(.select, type: node.type, operands: [always, node, node])
    }

    /// Queues a side effect, or hands it to the symbolic loop body being recorded.
    func queueSideEffect(_ effect: SideEffect) {
        if case .recording(let id, var collected)? = loopScopes.last {
            collected.append(effect)
            loopScopes[loopScopes.count - 1] = .recording(id: id, sideEffects: collected)
            return
        }
        for node in effect.writtenNodes { node.pendingWrites += 1 }
        sideEffects.append(effect)
    }

    /// True when a symbolic loop body being recorded already writes into `node`.
    func isWrittenInLoopBody(_ node: Node) -> Bool {
        lock.withLock {
            loopScopes.contains { scope in
                guard case .recording(_, let effects) = scope else { return false }
                return effects.contains { $0.writtenNodes.contains { $0 === node } }
            }
        }
    }

    /// `mask`, restricted to the active lanes of the evaluated loop whose body is running, if any.
    func maskedByLoop(_ mask: Node) -> Node {
        guard case .masked(let active)? = loopScopes.last else { return mask }
        return record(.and, type: .bool, operands: [mask, active])
    }

    /// True while a symbolic loop's body is being recorded.
    var isRecordingLoopBody: Bool {
        lock.withLock {
            loopScopes.contains { if case .recording = $0 { true } else { false } }
        }
    }

    /// The active lanes of the innermost evaluated loop whose body is running.
    var activeLoopMask: Node? {
        lock.withLock {
            if case .masked(let mask)? = loopScopes.last { return mask }
            return nil
        }
    }

    /// Runs an evaluated loop's body with side effects restricted to `mask`.
    func withLoopMask<Result>(_ mask: Node, _ body: () -> Result) -> Result {
        lock.withLock { loopScopes.append(.masked(mask)) }
        defer { lock.withLock { _ = loopScopes.removeLast() } }
        return body()
    }

    /// The lanes where the mask is set, in increasing order (evaluates it).
    func liveLanes(_ mask: Node) -> [UInt32] {
        if mask.isLiteral { return mask.immediate != 0 ? (0..<UInt32(mask.size)).map { $0 } : [] }
        evaluate([mask])
        let words = mask.storage!.words
        return (0..<mask.size).compactMap { words[$0] != 0 ? UInt32($0) : nil }
    }
}
