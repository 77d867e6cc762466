// Code generation of symbolic loops: a real loop with phis, per-lane active masks and an exit when no lane is left.
//
// Blocks of one loop (W lanes at a time):
//
//     preheader:  ...initial values...; br header
//     header:     active = phi [lanes active before the loop, preheader], [active', latch]
//                 var_i  = phi [initial_i, preheader], [next_i, latch]
//                 ...condition...; active' = active & condition; br any(active') ? body : exit
//     body:       ...body, side effects under active'...; next_i = select(active', result_i, var_i)
//     latch:      br header   (the block the body ends in)
//     exit:       var_i is the final value
//
// While the condition and body are emitted, `activeLanes` is the loop's mask, so scatters, scatter-adds and
// out-of-range counting act only on the lanes still in the loop. The out-of-range count is carried by a phi too.
import CLLVM

extension LLVMCodegen {
    /// One loop being emitted.
    struct LoopFrame {
        var preheader: LLVMBasicBlockRef
        var header: LLVMBasicBlockRef
        var exit: LLVMBasicBlockRef
        /// The lanes active before the loop (restored after it).
        var enclosingActive: LLVMValueRef
        /// The lanes still in the loop when an iteration starts (a phi).
        var active: LLVMValueRef
        /// The lanes that run this iteration's body: `active` and the condition.
        var bodyActive: LLVMValueRef?
        /// The out-of-range count: its phi, and its value when the condition branches (the value after the loop).
        var countPhi: LLVMValueRef?
        var countAtCondition: LLVMValueRef?
        /// Each variable's phi and its value for the next iteration.
        var updates: [(phi: LLVMValueRef, next: LLVMValueRef)] = []
    }

    /// `loop`: closes the current block into the loop's header and opens its phis.
    func emitLoopStart(at index: Int) {
        let preheader = LLVMGetInsertBlock(builder)!
        let header = appendBlock("loop\(index)"), exit = appendBlock("loop\(index).exit")
        LLVMBuildBr(builder, header)
        LLVMPositionBuilderAtEnd(builder, header)
        let active = LLVMBuildPhi(builder, LLVMTypeOf(activeLanes), "loop\(index).active")!
        addIncoming(active, activeLanes, from: preheader)
        var countPhi: LLVMValueRef?
        if let count = outOfRangeCount {
            countPhi = LLVMBuildPhi(builder, i64, "loop\(index).outOfRange")!
            addIncoming(countPhi!, count, from: preheader)
            outOfRangeCount = countPhi
        }
        loopFrames.append(LoopFrame(preheader: preheader, header: header, exit: exit, enclosingActive: activeLanes,
                                    active: active, countPhi: countPhi))
        activeLanes = active
    }

    /// `loopVariable`: the loop-carried value, a phi entered with the initial value.
    func emitLoopVariable(_ instruction: KernelInstruction, initial: LLVMValueRef) -> LLVMValueRef {
        let frame = loopFrames[loopFrames.count - 1]
        let phi = LLVMBuildPhi(builder, vectorType(instruction.type), "var")!
        addIncoming(phi, initial, from: frame.preheader)
        return phi
    }

    /// `loopCondition`: lanes whose mask is false leave; the vector leaves when none is left.
    func emitLoopCondition(mask: LLVMValueRef) {
        var frame = loopFrames.removeLast()
        let bodyActive = LLVMBuildAnd(builder, frame.active, mask, "loop.running")!
        let body = appendBlock("loop.body")
        LLVMBuildCondBr(builder, anyLane(bodyActive), body, frame.exit)
        LLVMPositionBuilderAtEnd(builder, body)
        frame.bodyActive = bodyActive
        frame.countAtCondition = outOfRangeCount
        loopFrames.append(frame)
        activeLanes = bodyActive
    }

    /// `loopUpdate`: the variable's next value on the lanes that ran the body; the others keep theirs.
    func emitLoopUpdate(variable: LLVMValueRef, next: LLVMValueRef) {
        let frame = loopFrames[loopFrames.count - 1]
        let value = LLVMBuildSelect(builder, frame.bodyActive!, next, variable, "")!
        loopFrames[loopFrames.count - 1].updates.append((variable, value))
    }

    /// `loopEnd`: back to the header, closing the phis; code after the loop goes in its exit block.
    func emitLoopEnd() {
        let frame = loopFrames.removeLast()
        let latch = LLVMGetInsertBlock(builder)!
        LLVMBuildBr(builder, frame.header)
        addIncoming(frame.active, frame.bodyActive!, from: latch)
        for update in frame.updates { addIncoming(update.phi, update.next, from: latch) }
        if let countPhi = frame.countPhi {
            addIncoming(countPhi, outOfRangeCount!, from: latch)
            outOfRangeCount = frame.countAtCondition
        }
        LLVMPositionBuilderAtEnd(builder, frame.exit)
        activeLanes = frame.enclosingActive
    }
}
