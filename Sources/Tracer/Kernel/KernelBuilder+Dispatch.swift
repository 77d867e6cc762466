// Lowering a symbolic dispatch into the kernel of its size: its cases, each in a region of its own.
//
// A `.dispatch` node with c cases and m results becomes, after its index, mask and arguments:
//
//     dispatch (operands: index, mask; immediate: position of dispatchEnd; auxiliary: c)
//     dispatchCase 0 (immediate: position of dispatch; auxiliary: 0)
//     ... case 0: results and side effects ...
//     caseResult × m (operand: the value; immediate: position of dispatchEnd; auxiliary: the result's position)
//     dispatchCase 1 ...
//     ...
//     dispatchEnd (immediate: position of dispatch; auxiliary: m)
//     dispatchResult × m (immediate: the result's position)
//
// Inside case k, the arguments' placeholders name the arguments' instructions. Values computed inside a case are
// forgotten at its end, so nothing after it (another case, code after the dispatch) refers to them: a value used
// by two cases is computed in each, and one used after the dispatch is computed again there. Nothing is hoisted
// out of the cases (unlike a loop body): a vector runs only the code of the cases it needs. Cases that differ only
// in their parameters are lowered as one (`KernelBuilder+CaseMerging.swift`).

extension KernelBuilder {
    /// Emits a `.dispatch` node whose index, mask and arguments are emitted, and returns the position of its
    /// `dispatch` instruction.
    mutating func emitDispatch(_ node: Node) -> Int32 {
        let record = node.dispatch!
        // Values of a case are computed inside it even when they do not depend on its arguments: hoisted, they would
        // run for every vector whatever cases it needs (400 materials' parameters, say).
        // Cases that compute the same from other parameters run as one (`KernelBuilder+CaseMerging.swift`): the
        // index sends their lanes to the group's first member, and `memberLanes` tells the members apart inside it.
        let plan = caseMergePlan(record)
        var index = emitted(record.index)!
        var memberLanes: [Int: Int32] = [:]
        for group in plan?.groups ?? [] where group.members.count > 1 {
            let first = literalInstruction(UInt32(group.members[0]), type: .uint32)
            for member in group.members {
                let number = literalInstruction(UInt32(member), type: .uint32)
                let lanes = append(KernelInstruction(op: .eq, type: .bool, operands: [emitted(record.index)!, number]))
                memberLanes[member] = lanes
                if member != group.members[0] {
                    index = append(KernelInstruction(op: .select, type: .uint32, operands: [lanes, first, index]))
                }
            }
        }
        let begin = append(KernelInstruction(op: .dispatch, type: .bool,
                                             operands: [index, emitted(record.mask)!],
                                             auxiliary: UInt32(record.cases.count)))
        let arguments = record.arguments.map { emitted($0)! }
        var caseResults: [Int32] = []
        loopDepth += 1
        for (number, recorded) in record.cases.enumerated() {
            let group = plan.map { $0.groups[$0.groupOfCase[number]] }
            if let group, group.members[0] != number { continue }  // lowered with its group's first member
            append(KernelInstruction(op: .dispatchCase, type: .bool, immediate: UInt32(begin),
                                     auxiliary: UInt32(number)))
            let emittedBefore = nodesEmittedInLoops.count
            for (placeholder, argument) in zip(recorded.placeholders, arguments) {
                placeholder.emittedInstruction = (epoch, argument)
            }
            var overridden: [(node: Node, previous: (epoch: UInt64, index: Int32))] = []
            if let group, group.members.count > 1 {
                // Each parameter the members differ in: every member's value, the lane's member's kept.
                for (leaf, values) in group.scalarLeaves {
                    var value = instruction(for: values[0])
                    for (member, other) in zip(group.members, values).dropFirst() {
                        let loaded = instruction(for: other)
                        value = append(KernelInstruction(op: .select, type: leaf.type,
                                                         operands: [memberLanes[member]!, loaded, value]))
                    }
                    overridden.append((leaf, leaf.emittedInstruction))
                    leaf.emittedInstruction = (epoch, value)
                }
                for (gather, sources) in group.gatherSources {
                    mergedGathers[ObjectIdentifier(gather)] = zip(group.members, sources).map {
                        (lanes: memberLanes[$0.0]!, source: $0.1)
                    }
                }
            }
            emitAsLateAsPossible(recorded.results)
            let results = recorded.results.map { emit($0) }
            emitLoopSideEffects(recorded.sideEffects)
            for (position, (result, value)) in zip(recorded.results, results).enumerated() {
                caseResults.append(append(KernelInstruction(op: .caseResult, type: result.type, operands: [value],
                                                            auxiliary: UInt32(position))))
            }
            // What the case computed is out of reach after it.
            for inner in nodesEmittedInLoops[emittedBefore...] { inner.emittedInstruction = (0, -1) }
            nodesEmittedInLoops.removeSubrange(emittedBefore...)
            for placeholder in recorded.placeholders { placeholder.emittedInstruction = (0, -1) }
            for (leaf, previous) in overridden.reversed() { leaf.emittedInstruction = previous }
            mergedGathers.removeAll()
        }
        loopDepth -= 1
        let resultTypes = record.cases[0].results.map(\.type)
        let end = append(KernelInstruction(op: .dispatchEnd, type: .bool, immediate: UInt32(begin),
                                           auxiliary: UInt32(resultTypes.count)))
        for (position, type) in resultTypes.enumerated() {
            append(KernelInstruction(op: .dispatchResult, type: type, immediate: UInt32(position)))
        }
        instructions[Int(begin)].immediate = UInt32(end)
        for position in caseResults { instructions[Int(position)].immediate = UInt32(end) }
        if loopDepth == 0 { outermostConstructs.append(node) }
        return begin
    }
}

extension KernelBuilder {
    /// A merged case's gather (`CaseMergePlan.Group.gatherSources`): one gather per member from its own source, on
    /// its own lanes, the lane's member's value kept.
    mutating func mergedGather(_ node: Node, members: [(lanes: Int32, source: Node)]) -> Int32 {
        let index = emitted(node.operands[1])!, mask = emitted(node.operands[2])!
        var value: Int32 = -1
        for (lanes, source) in members {
            let memberMask = append(KernelInstruction(op: .and, type: .bool, operands: [mask, lanes]))
            let gathered = gatherInstruction(node.type, from: source.storage!, index: index, mask: memberMask)
            value = value < 0 ? gathered
                : append(KernelInstruction(op: .select, type: node.type, operands: [lanes, gathered, value]))
        }
        return value
    }
}
