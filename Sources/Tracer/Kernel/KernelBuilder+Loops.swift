// Lowering a symbolic loop into the kernel of its size: invariants hoisted before it, then its instructions.
//
// A `.loop` node becomes, after its initial values and the body's loop-invariant values:
//
//     loop (immediate: position of loopEnd, auxiliary: k)
//     loopVariable × k          (operand: initial value; the loop-carried value)
//     ... condition ...
//     loopCondition (operand: the mask; immediate: position of loopEnd)
//     ... body: results and side effects ...
//     loopUpdate × k            (operands: the variable, its next value)
//     loopEnd (immediate: position of loop)
//
// After the loop, each `loopVariable` holds its final value, and the loop's `.loopOutput` nodes name it. Values
// computed inside the body are forgotten at `loopEnd` (they are not available after the loop), so a node used both
// inside and after is computed again after it.

extension KernelBuilder {
    /// Emits a `.loop` node whose initial values are emitted, and returns the position of its `loop` instruction.
    mutating func emitLoop(_ node: Node) -> Int32 {
        let record = node.loop!
        // Phase 1: values of the body that are the same in every iteration, computed once before the loop.
        hoistInvariants(of: record)
        // Phase 2: the loop and its variables.
        let begin = append(KernelInstruction(op: .loop, type: .bool, auxiliary: UInt32(record.variables.count)))
        for (variable, initial) in zip(record.variables, record.initialValues) {
            let value = emitted(initial)!
            variable.emittedInstruction = (epoch, append(KernelInstruction(op: .loopVariable, type: variable.type,
                                                                           operands: [value])))
        }
        loopDepth += 1
        let emittedBefore = nodesEmittedInLoops.count
        // Phase 3: condition, body and side effects, updates.
        emitAsLateAsPossible([record.condition])
        let mask = emit(record.condition)
        let condition = append(KernelInstruction(op: .loopCondition, type: .bool, operands: [mask]))
        emitAsLateAsPossible(record.results)
        let results = record.results.map { emit($0) }
        // Side effects keep the body's order, each one's values emitted just before its own write: scheduling them
        // with the results would move a read of a scatter target ahead of the body's earlier writes to it.
        emitLoopSideEffects(record.sideEffects)
        for (variable, result) in zip(record.variables, results) {
            let value = emitted(variable)!
            append(KernelInstruction(op: .loopUpdate, type: variable.type, operands: [value, result]))
        }
        let end = append(KernelInstruction(op: .loopEnd, type: .bool, immediate: UInt32(begin)))
        instructions[Int(begin)].immediate = UInt32(end)
        instructions[Int(condition)].immediate = UInt32(end)
        // Phase 4: what the body computed is out of reach after the loop.
        for inner in nodesEmittedInLoops[emittedBefore...] { inner.emittedInstruction = (0, -1) }
        nodesEmittedInLoops.removeSubrange(emittedBefore...)
        for variable in record.variables { variable.emittedInstruction = (0, -1) }
        loopDepth -= 1
        if loopDepth == 0 { outermostConstructs.append(node) }
        return begin
    }

    /// The body's scatters and scatter-adds (masked by the active lanes in both backends), and nested loops with
    /// side effects, in program order.
    mutating func emitLoopSideEffects(_ effects: [SideEffect]) {
        for effect in effects {
            if effect.isControlFlow {
                _ = emit(effect.target)
                continue
            }
            let operands = [emit(effect.index), emit(effect.value), emit(effect.mask)]
            let slot = slotFor(effect.target.storage!, role: effect.op == .scatterAdd ? .scatterAddTarget : .scatterTarget)
            append(KernelInstruction(op: effect.op, type: effect.value.type, operands: operands,
                                     immediate: UInt32(slot)))
        }
    }

    /// Emits, before the loop, every value of its body that does not change from one iteration to the next: those
    /// that reach no loop variable left to emit (this loop's or a nested loop's), no loop or dispatch recorded in
    /// the body, and no native call (a call sees only the lanes that reach it).
    private mutating func hoistInvariants(of record: LoopRecord) {
        hoistInvariants(of: record.bodyRoots) { node in
            node.op == .loopVariable || node.op == .caseArgument || node.op == .nativeCall
                || (node.op == .loop && node.loop!.enclosingLoops.contains(record.id))
                || (node.op == .dispatch && node.dispatch!.enclosingLoops.contains(record.id))
        }
    }

    /// Emits every node reachable from `roots` (through the operands that are emitted) that reaches no node for
    /// which `isSource` holds, children first: the values a body (a loop's, a case's) computes the same whatever
    /// runs it.
    mutating func hoistInvariants(of roots: [Node], varyingWhere isSource: (Node) -> Bool) {
        // Phase 1: which nodes vary, children before parents (an explicit stack: bodies can be deep). The answers
        // are marks on the nodes under this walk's epoch (a dictionary keyed by node cost a third of the walk).
        let epoch = TraceContext.freshEpoch()
        func varies(_ node: Node) -> Bool? { node.hoistMark.epoch == epoch ? node.hoistMark.varies : nil }
        func mark(_ node: Node, varies: Bool) { node.hoistMark = (epoch, varies) }
        var order: [Node] = []
        var stack = roots.reversed().map { (node: $0, expanded: false) }
        // A loop recorded outside this body depends on nothing of it but its initial values.
        func children(_ node: Node) -> ArraySlice<Node> { node.operands[operandRangeToEmit(node)] }
        while let (node, expanded) = stack.popLast() {
            if expanded {
                mark(node, varies: children(node).contains { varies($0) ?? false })
                order.append(node)
                continue
            }
            guard varies(node) == nil else { continue }
            if emitted(node) != nil || node.isEvaluated || node.isLiteral {
                mark(node, varies: false)
            } else if isSource(node) {
                mark(node, varies: true)
            } else {
                mark(node, varies: true)  // provisional, until the children are known
                stack.append((node, true))
                for child in children(node).reversed() { stack.append((child, false)) }
            }
        }
        // Phase 2: emit the invariant ones (listed first: emitting a nested loop walks its body with another epoch).
        let invariants = order.filter { varies($0) == false }
        for node in invariants where emitted(node) == nil {
            _ = emit(node)
        }
    }
}
