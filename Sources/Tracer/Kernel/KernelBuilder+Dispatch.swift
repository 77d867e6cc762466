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
// out of the cases (unlike a loop body): a vector runs only the code of the cases it needs.

extension KernelBuilder {
    /// Emits a `.dispatch` node whose index, mask and arguments are emitted, and returns the position of its
    /// `dispatch` instruction.
    mutating func emitDispatch(_ node: Node) -> Int32 {
        let record = node.dispatch!
        // Values of a case are computed inside it even when they do not depend on its arguments: hoisted, they would
        // run for every vector whatever cases it needs (400 materials' parameters, say).
        let begin = append(KernelInstruction(op: .dispatch, type: .bool,
                                             operands: [emitted(record.index)!, emitted(record.mask)!],
                                             auxiliary: UInt32(record.cases.count)))
        let arguments = record.arguments.map { emitted($0)! }
        var caseResults: [Int32] = []
        loopDepth += 1
        for (number, recorded) in record.cases.enumerated() {
            append(KernelInstruction(op: .dispatchCase, type: .bool, immediate: UInt32(begin),
                                     auxiliary: UInt32(number)))
            let emittedBefore = nodesEmittedInLoops.count
            for (placeholder, argument) in zip(recorded.placeholders, arguments) {
                placeholder.emittedInstruction = (epoch, argument)
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
