// Code generation of symbolic dispatch: per vector, a loop over the distinct cases its lanes select.
//
// Blocks of one dispatch (W lanes at a time):
//
//     before:  result cells ← 0; todo = bits(active & mask & index < cases); br header
//     header:  remaining = phi [todo, before], [remaining & ~bits(caseMask), done]; br remaining ? pick : exit
//     pick:    chosen = umin over remaining lanes of index; caseMask = remaining & index == chosen
//              switch chosen [k: case k], default: done
//     case k:  ...case k under caseMask...; cell_j ← select(caseMask, result_j, cell_j); br done
//     done:    br header
//     exit:    result_j = cell_j
//
// Cases run in increasing order, each once per vector on the lanes that select it, so a vector runs exactly the
// cases it needs; the scalar backend orders its scatter-adds the same way. Results live in stack cells (promoted
// to registers by the optimiser), as does the out-of-range count while cases run.
import CLLVM

extension LLVMCodegen {
    /// One dispatch being emitted.
    struct DispatchFrame {
        var header: LLVMBasicBlockRef
        var done: LLVMBasicBlockRef
        var exit: LLVMBasicBlockRef
        var choice: LLVMValueRef
        var remaining: LLVMValueRef
        var caseMask: LLVMValueRef
        var enclosingActive: LLVMValueRef
        var resultCells: [(cell: LLVMValueRef, type: ScalarType)]
        var countCell: LLVMValueRef?
        var caseOpen = false
    }

    /// `dispatch` at `index`: the result cells, the loop over the vector's cases and its `switch`.
    func emitDispatchStart(_ instruction: KernelInstruction, at index: Int, selector: LLVMValueRef,
                           mask: LLVMValueRef) throws {
        let end = Int(instruction.immediate)
        guard end < program.instructions.count, program.instructions[end].op == .dispatchEnd else {
            throw LLVMBackendError.unsupported("dispatch \(index) has no end")
        }
        let resultCount = Int(program.instructions[end].auxiliary), caseCount = Int(instruction.auxiliary)
        var cells: [(LLVMValueRef, ScalarType)] = []
        for position in 0..<resultCount {
            let type = program.instructions[end + 1 + position].type
            let cell = entryAlloca(memoryVectorType(type), "dispatch\(index).result\(position)")
            LLVMBuildStore(builder, LLVMConstNull(memoryVectorType(type)), cell)
            cells.append((cell, type))
        }
        var countCell: LLVMValueRef?
        if let count = outOfRangeCount {
            countCell = entryAlloca(i64, "dispatch\(index).outOfRange")
            LLVMBuildStore(builder, count, countCell)
        }
        let bits = LLVMIntTypeInContext(context, UInt32(width))!
        let inRange = LLVMBuildICmp(builder, LLVMIntULT, selector, splat(bits: UInt32(caseCount), .uint32), "")!
        let todo = LLVMBuildAnd(builder, LLVMBuildAnd(builder, activeLanes, mask, "")!, inRange, "dispatch.todo")!
        let todoBits = LLVMBuildBitCast(builder, todo, bits, "")!
        let before = LLVMGetInsertBlock(builder)!
        let header = appendBlock("dispatch\(index)"), pick = appendBlock("dispatch\(index).pick")
        let done = appendBlock("dispatch\(index).done"), exit = appendBlock("dispatch\(index).exit")
        LLVMBuildBr(builder, header)
        LLVMPositionBuilderAtEnd(builder, header)
        let remaining = LLVMBuildPhi(builder, bits, "dispatch.remaining")!
        addIncoming(remaining, todoBits, from: before)
        LLVMBuildCondBr(builder, LLVMBuildICmp(builder, LLVMIntNE, remaining, LLVMConstNull(bits), "")!, pick, exit)
        LLVMPositionBuilderAtEnd(builder, pick)
        let remainingLanes = LLVMBuildBitCast(builder, remaining, vectorType(.bool), "")!
        let candidates = LLVMBuildSelect(builder, remainingLanes, selector, splat(bits: .max, .uint32), "")!
        let chosen = intrinsic("llvm.vector.reduce.umin", [vectorType(.uint32)], [candidates])
        let selects = LLVMBuildICmp(builder, LLVMIntEQ, selector, splat(chosen), "")!
        let caseMask = LLVMBuildAnd(builder, selects, remainingLanes, "dispatch.case")!
        let choice = LLVMBuildSwitch(builder, chosen, done, UInt32(caseCount))!
        LLVMPositionBuilderAtEnd(builder, done)
        let caseBits = LLVMBuildBitCast(builder, caseMask, bits, "")!
        addIncoming(remaining, LLVMBuildAnd(builder, remaining, LLVMBuildNot(builder, caseBits, "")!, "")!, from: done)
        LLVMBuildBr(builder, header)
        dispatchFrames.append(DispatchFrame(header: header, done: done, exit: exit, choice: choice,
                                            remaining: remaining, caseMask: caseMask, enclosingActive: activeLanes,
                                            resultCells: cells, countCell: countCell))
    }

    /// `dispatchCase`: closes the previous case and opens the block of this one, under the case's lanes.
    func emitDispatchCase(_ instruction: KernelInstruction) {
        closeDispatchCase()
        var frame = dispatchFrames.removeLast()
        let block = appendBlock("case\(instruction.auxiliary)")
        LLVMAddCase(frame.choice, LLVMConstInt(i32, UInt64(instruction.auxiliary), 0), block)
        LLVMPositionBuilderAtEnd(builder, block)
        activeLanes = frame.caseMask
        if let cell = frame.countCell { outOfRangeCount = LLVMBuildLoad2(builder, i64, cell, "") }
        frame.caseOpen = true
        dispatchFrames.append(frame)
    }

    /// `caseResult`: the case's value on its lanes, merged into the result's cell.
    func emitCaseResult(_ instruction: KernelInstruction, value: LLVMValueRef) {
        let frame = dispatchFrames[dispatchFrames.count - 1]
        let (cell, type) = frame.resultCells[Int(instruction.auxiliary)]
        let old = LLVMBuildLoad2(builder, memoryVectorType(type), cell, "")!
        LLVMBuildStore(builder, LLVMBuildSelect(builder, frame.caseMask, toMemory(value, type), old, "")!, cell)
    }

    /// `dispatchEnd`: closes the last case; code after the dispatch goes in its exit block.
    func emitDispatchEnd() {
        closeDispatchCase()
        let frame = dispatchFrames.removeLast()
        LLVMPositionBuilderAtEnd(builder, frame.exit)
        activeLanes = frame.enclosingActive
        if let cell = frame.countCell { outOfRangeCount = LLVMBuildLoad2(builder, i64, cell, "") }
        finishedDispatchCells = frame.resultCells
    }

    /// `dispatchResult`: a result of the dispatch that just ended.
    func emitDispatchResult(_ instruction: KernelInstruction) -> LLVMValueRef {
        let (cell, type) = finishedDispatchCells[Int(instruction.immediate)]
        return toRegister(LLVMBuildLoad2(builder, memoryVectorType(type), cell, "")!, type)
    }

    /// Ends the open case's block (if any): its out-of-range count goes back to the cell, control to `done`.
    private func closeDispatchCase() {
        guard let frame = dispatchFrames.last, frame.caseOpen else { return }
        if let cell = frame.countCell, let count = outOfRangeCount { LLVMBuildStore(builder, count, cell) }
        LLVMBuildBr(builder, frame.done)
        dispatchFrames[dispatchFrames.count - 1].caseOpen = false
    }
}
