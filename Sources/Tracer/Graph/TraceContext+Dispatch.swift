// Recording a symbolic dispatch into the graph: every case once, on placeholders, as one `.dispatch` node.
//
// The `.dispatch` node's operands are the index, the mask, the arguments, then every case's results and the
// operands of its side effects (so graph walks see the cases); `DispatchRecord` holds them by role. Each result's
// value is a `.dispatchOutput` node. Side effects recorded in a case are collected by a recording scope, as in a
// loop body; a dispatch that has any is queued as a side effect (`SideEffect.op == .dispatch`), so it runs once,
// in program order. Lowering: `KernelBuilder+Dispatch.swift`.

/// One case of a dispatch: its placeholders, results and side effects.
struct DispatchCase {
    /// Identifies the case's body among the bodies being recorded (`LoopScope.recording`).
    var id: UInt64
    /// The `.caseArgument` placeholders that stand for the arguments inside the case.
    var placeholders: [Node]
    /// The case's results, one per result of the dispatch.
    var results: [Node]
    /// Its scatters, scatter-adds and side-effecting loops and dispatches, in program order.
    var sideEffects: [SideEffect]

    /// The nodes the case computes: its results and the operands of its side effects.
    var roots: [Node] { results + sideEffects.flatMap { [$0.index, $0.value, $0.mask] } }
}

/// What a `.dispatch` node holds besides its operands.
final class DispatchRecord {
    /// The loop bodies and cases being recorded when this dispatch was: it belongs to them.
    let enclosingLoops: [UInt64]
    /// The case number of each lane, and the lanes that run a case at all.
    let index: Node
    let mask: Node
    /// The values the cases receive.
    let arguments: [Node]
    /// The cases, in order.
    let cases: [DispatchCase]
    /// The `.dispatchOutput` nodes: whenever the dispatch runs, every live one is stored, so it never runs twice.
    var outputs: [WeakNode] = []

    init(enclosingLoops: [UInt64], index: Node, mask: Node, arguments: [Node], cases: [DispatchCase]) {
        self.enclosingLoops = enclosingLoops
        self.index = index
        self.mask = mask
        self.arguments = arguments
        self.cases = cases
    }

    /// The side effects of all cases.
    var sideEffects: [SideEffect] { cases.flatMap(\.sideEffects) }
}

extension TraceContext {
    /// Records a dispatch over `count` cases and returns one `.dispatchOutput` node per result. `body(c, p)`
    /// records case c on the placeholders `p` and returns its results (`dispatch` wraps it).
    func recordDispatch(index: Node, mask: Node, arguments: [Node], count: Int,
                        body: (Int, [Node]) -> [Node]) -> [Node] {
        lock.lock()
        defer { lock.unlock() }
        let index = localized(index), mask = maskedByLoop(localized(mask))
        let arguments = arguments.map(localized)
        precondition(index.type == .uint32, "Tracer: a dispatch index must be UInt32, not \(index.type)")
        precondition(mask.type == .bool, "Tracer: a dispatch mask must be a mask, not \(mask.type)")
        let size = broadcastSize(.dispatch, [index, mask] + arguments)
        let enclosingLoops = loopScopes.compactMap { scope -> UInt64? in
            if case .recording(let id, _) = scope { return id } else { return nil }
        }
        // Phase 1: each case, recorded once on placeholders of its own. An outer scope holds the side effects of
        // the cases recorded so far, so that a later case writes into the same arrays (not into copies of them).
        var cases: [DispatchCase] = []
        // What `backward` calls in the cases leave for the code outside, carried on once the dispatch is recorded.
        var caseAdjoints: [BodyAdjointScope] = []
        defer { caseAdjoints.forEach(finishBodyAdjoints) }
        let outerID = makeNodeID().rawValue
        loopScopes.append(.recording(id: outerID, sideEffects: []))
        for number in 0..<count {
            let placeholders = arguments.enumerated().map { position, argument in
                Node(id: makeNodeID(), op: .caseArgument, type: argument.type, size: size, operands: [],
                     immediate: UInt32(position), auxiliary: 0, storage: nil, context: self)
            }
            let id = makeNodeID().rawValue
            loopScopes.append(.recording(id: id, sideEffects: []))
            let (results, adjoints) = withBodyAdjointScope(bodyID: id, size: size) {
                body(number, placeholders).map(localized)
            }
            caseAdjoints.append(adjoints)
            guard case .recording(_, let sideEffects) = loopScopes.removeLast() else {
                preconditionFailure("Tracer: loop and dispatch scopes were not nested")
            }
            cases.append(DispatchCase(id: id, placeholders: placeholders, results: results, sideEffects: sideEffects))
            loopScopes[loopScopes.count - 1] = .recording(id: outerID, sideEffects: cases.flatMap(\.sideEffects))
        }
        loopScopes.removeLast()
        // Phase 2: checks.
        let resultTypes = cases[0].results.map(\.type)
        for (number, recorded) in cases.enumerated() {
            precondition(recorded.results.map(\.type) == resultTypes,
                         "Tracer: dispatch case \(number) returns \(recorded.results.map(\.type)) but case 0 "
                         + "returns \(resultTypes)")
            for node in recorded.results where node.size != size && node.size != 1 {
                preconditionFailure("Tracer: a dispatch of size \(size) computes an array of size \(node.size) in "
                    + "case \(number) (give the index or arguments the full size, or make the sizes equal)")
            }
        }
        // Phase 3: the dispatch node and its outputs.
        let record = DispatchRecord(enclosingLoops: enclosingLoops, index: index, mask: mask, arguments: arguments,
                                    cases: cases)
        let node = Node(id: makeNodeID(), op: .dispatch, type: .bool, size: size,
                        operands: [index, mask] + arguments + cases.flatMap(\.roots), immediate: 0,
                        auxiliary: UInt32(count), storage: nil, context: self)
        node.dispatch = record
        let outputs = resultTypes.enumerated().map { position, type in
            Node(id: makeNodeID(), op: .dispatchOutput, type: type, size: size, operands: [node],
                 immediate: UInt32(position), auxiliary: 0, storage: nil, context: self)
        }
        record.outputs = outputs.map { WeakNode(node: $0) }
        _statistics.nodesRecorded += 1 + outputs.count + count * arguments.count
        // Phase 4: a dispatch with side effects is itself one, queued (or collected by an enclosing body).
        if !record.sideEffects.isEmpty {
            let always = literal(1, type: .bool, size: 1)
            queueSideEffect(SideEffect(op: .dispatch, target: node, index: node, value: node, mask: always, size: size))
        }
        return outputs
    }
}
