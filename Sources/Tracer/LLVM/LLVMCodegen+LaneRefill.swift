// Code generation of a kernel whose one symbolic loop refills its vector lanes: a lane that leaves the loop takes
// the next element of its own sequence, so a vector keeps iterating with most lanes busy.
//
// A plain kernel runs W lanes through everything before the loop, the loop until its last lane leaves, and what
// comes after; a vector whose paths end early idles until its longest path ends. Here each vector lane j runs the
// elements start + j, start + j + W, start + j + 2W, ... < end one after another:
//
//     entry:    uniform values of the prologue (literals, scalar loads and what is computed from them only)
//     header:   phis: each lane's element L, whether it is in the loop, the loop variables, the prologue's per-lane
//               values the loop or the epilogue read; the condition; lanes that leave go to the epilogue
//     epilogue: what follows the loop, on the lanes that left (stores become scatters at L)
//     decide:   refill once enough lanes wait for a next element, or when no lane is left in the loop
//     refill:   L += W on the waiting lanes; the prologue on them (its stores scatter at L); their variables and
//               carried values replaced; back to the header, whose condition tests them
//     body:     the loop body on the lanes in the loop; back to the header
//
// Each element's instructions are the plain kernel's, on the same operands, so the results are the same bits; only
// the memory access changes (the lanes' elements are no longer consecutive: loads gather, stores scatter). Only
// with `CompileOptions.refillsLoopLanes` (on by default; measured in ARCHITECTURE.md, "Lane refill").
import CLLVM

/// Where the parts of a refillable program lie, and which prologue values are per lane.
struct LaneRefillPlan {
    /// Positions of the top-level `loop`, its `loopCondition` and its `loopEnd`.
    let loop: Int, condition: Int, end: Int
    /// The number of loop variables (`loopVariable` instructions right after `loop`).
    let variableCount: Int
    /// Prologue instructions (before `loop`) whose value differs between lanes, or that act per lane.
    let perLane: Set<Int>
    /// Per-lane prologue values read after the loop variables: carried across iterations as phis.
    let carried: [Int]

    /// Lanes that wait for their next element before a refill (at most W; when no lane is left in the loop, fewer).
    static func refillThreshold(width: Int) -> Int { max(1, width / 2) }

    /// The most arrays the code before and after the loop may write plus prologue values it may carry through the
    /// loop for the kernel to refill. Each such store becomes a W-element scatter and each carried value a phi the
    /// loop keeps alive: a render's path loop with a box filter writes 3 and carries none (refilled: +2-9% forward
    /// on the mesh and BSDF fixtures), the tutorial's with its gaussian splat weights writes 13 and carries 10 (its
    /// short paths ran 10-15% slower refilled).
    static let maximumScatteredValues = 8

    /// The plan of `program`, or nil when it is not a kernel of this shape: one top-level symbolic loop outside any
    /// dispatch and without scatters, no reductions, block operations, matrix products, scatter-adds or out-of-range
    /// counting, and at most `maximumScatteredValues` stores outside the loop and carried prologue values. Why no
    /// scatter-adds: their sums would come in another order than the plain kernel's and the scalar backend's.
    init?(_ program: KernelProgram) {
        guard program.refillsLoopLanes, program.vectorWidth > 1, !program.countsOutOfRange else { return nil }
        let instructions = program.instructions
        let bodies = program.enclosingBodies()
        func inLoop(_ position: Int) -> Bool { bodies[position].contains { instructions[$0].op == .loop } }
        var loops: [Int] = []
        for (position, instruction) in instructions.enumerated() {
            switch instruction.op {
            case .loop where !inLoop(position):
                // A loop in a dispatch case would put the case's start and end in other blocks than its body.
                guard bodies[position].isEmpty else { return nil }
                loops.append(position)
            case .reducePartial, .blockSum, .blockMin, .blockMax, .blockTreeSum, .blockAccumulate, .matrixProduct,
                 .scatterAdd, .reduceSum, .reduceMin, .reduceMax:
                return nil
            case .scatter where inLoop(position):
                // A scatter in the loop at each lane's own entry (a PRB replay's hit log) is a vector store while
                // the lanes are consecutive and a 16-element scatter once they are not.
                return nil
            default: break
            }
        }
        guard loops.count == 1, let loop = loops.first else { return nil }
        let end = Int(instructions[loop].immediate)
        let variableCount = Int(instructions[loop].auxiliary)
        guard end < instructions.count, instructions[end].op == .loopEnd else { return nil }
        guard let condition = instructions[(loop + 1)...end].firstIndex(where: {
            $0.op == .loopCondition && Int($0.immediate) == end
        }) else { return nil }
        // Per-lane prologue values: the lane index, contiguous loads, anything inside a dispatch or acting on
        // memory or calls, and whatever is computed from those.
        // (Before the loop, every body open is a dispatch case.)
        var perLane = Set<Int>()
        for position in 0..<loop {
            let instruction = instructions[position]
            let inDispatch = !bodies[position].isEmpty
            let actsPerLane: Bool
            switch instruction.op {
            case .laneIndex, .load, .store, .scatter, .nativeCall, .callArgument, .callResult, .dispatch,
                 .dispatchCase, .caseResult, .dispatchEnd, .dispatchResult:
                actsPerLane = true
            default:
                actsPerLane = inDispatch || instruction.operandList.contains { perLane.contains($0) }
            }
            if actsPerLane { perLane.insert(position) }
        }
        var read = Set<Int>()
        for position in (loop + variableCount + 1)..<instructions.count {
            for operand in instructions[position].operandList where operand < loop && perLane.contains(operand) {
                read.insert(operand)
            }
        }
        let outsideStores = instructions.indices.filter {
            ($0 < loop || $0 > end) && (instructions[$0].op == .store || instructions[$0].op == .scatter)
        }.count
        guard outsideStores + read.count <= Self.maximumScatteredValues else { return nil }
        self.loop = loop
        self.condition = condition
        self.end = end
        self.variableCount = variableCount
        self.perLane = perLane
        self.carried = read.sorted()
    }
}

extension LLVMCodegen {
    /// Builds `program` as a kernel whose loop refills its lanes (`LaneRefillPlan`).
    func buildRefilling(_ plan: LaneRefillPlan, name: String) throws {
        declareFunction(name: name)
        let entry = appendBlock("entry"), header = appendBlock("refill.header"), epilogue = appendBlock("epilogue")
        let decide = appendBlock("decide"), refill = appendBlock("refill"), body = appendBlock("refill.body")
        let exit = appendBlock("exit")
        let instructions = program.instructions
        let laneVector = LLVMVectorType(i64, UInt32(width))!
        let maskVector = LLVMVectorType(i1, UInt32(width))!

        // Entry: slots, and the prologue's uniform values (they dominate every block).
        LLVMPositionBuilderAtEnd(builder, entry)
        let step = splat(constant(i64, width))
        let ends = splat(endArgument)
        loadSlots()
        loopIndex = startArgument
        let first = LLVMBuildAdd(builder, splat(startArgument), constantVector(i64, Array(0..<width)), "first")!
        laneNumbers = first
        activeLanes = LLVMBuildICmp(builder, LLVMIntSLT, first, ends, "")!
        for position in 0..<plan.loop where !plan.perLane.contains(position) {
            try emit(instructionAt: position)
        }
        // Before the first refill every lane waits for the element W before its first one.
        let beforeFirst = LLVMBuildSub(builder, first, step, "")!
        let entryEnd = LLVMGetInsertBlock(builder)!  // the prologue's uniform code may branch (sin's reduction)
        LLVMBuildBr(builder, header)

        // Header: the phis, then the condition.
        LLVMPositionBuilderAtEnd(builder, header)
        let lanes = LLVMBuildPhi(builder, laneVector, "element")!
        let running = LLVMBuildPhi(builder, maskVector, "running")!
        addIncoming(lanes, beforeFirst, from: entryEnd)
        addIncoming(running, LLVMConstNull(maskVector), from: entryEnd)
        var variablePhis: [LLVMValueRef] = []
        for offset in 0..<plan.variableCount {
            let instruction = instructions[plan.loop + 1 + offset]
            let phi = LLVMBuildPhi(builder, vectorType(instruction.type), "var")!
            addIncoming(phi, LLVMGetUndef(vectorType(instruction.type)), from: entryEnd)
            variablePhis.append(phi)
            values[plan.loop + 1 + offset] = phi
        }
        var carriedPhis: [LLVMValueRef] = []
        for position in plan.carried {
            let type = vectorType(instructions[position].type)
            let phi = LLVMBuildPhi(builder, type, "carried")!
            addIncoming(phi, LLVMGetUndef(type), from: entryEnd)
            carriedPhis.append(phi)
            values[position] = phi
        }
        // From here on lanes hold elements that are not consecutive: contiguous access gathers and scatters.
        refillsLanes = true
        laneNumbers = lanes
        activeLanes = running
        for position in (plan.loop + 1 + plan.variableCount)..<plan.condition { try emit(instructionAt: position) }
        let condition = values[Int(instructions[plan.condition].operands.0)]!
        let staying = LLVMBuildAnd(builder, running, condition, "staying")!
        let leaving = LLVMBuildAnd(builder, running, LLVMBuildNot(builder, condition, "")!, "leaving")!
        LLVMBuildCondBr(builder, anyLane(leaving), epilogue, decide)

        // Epilogue: what follows the loop, for the lanes that left.
        LLVMPositionBuilderAtEnd(builder, epilogue)
        activeLanes = leaving
        for position in (plan.end + 1)..<instructions.count { try emit(instructionAt: position) }
        LLVMBuildBr(builder, decide)

        // Decide: refill when enough lanes wait for an element, or when none is left in the loop.
        LLVMPositionBuilderAtEnd(builder, decide)
        let next = LLVMBuildAdd(builder, lanes, step, "next")!
        let waiting = LLVMBuildAnd(builder, LLVMBuildNot(builder, staying, "")!,
                                   LLVMBuildICmp(builder, LLVMIntSLT, next, ends, "")!, "waiting")!
        let waitingCount = laneCount(waiting)
        let threshold = LLVMConstInt(LLVMTypeOf(waitingCount), UInt64(LaneRefillPlan.refillThreshold(width: width)), 0)
        let enough = LLVMBuildICmp(builder, LLVMIntUGE, waitingCount, threshold, "")!
        let noneLeft = LLVMBuildNot(builder, anyLane(staying), "")!
        let someWaiting = anyLane(waiting)
        let refills = LLVMBuildAnd(builder, someWaiting, LLVMBuildOr(builder, enough, noneLeft, "")!, "refills")!
        let toBody = appendBlock("decide.body")
        LLVMBuildCondBr(builder, refills, refill, toBody)
        LLVMPositionBuilderAtEnd(builder, toBody)
        LLVMBuildCondBr(builder, noneLeft, exit, body)

        // Body: one iteration on the lanes in the loop.
        LLVMPositionBuilderAtEnd(builder, body)
        activeLanes = staying
        var nextValues = variablePhis  // a variable without an update keeps its value
        for position in (plan.condition + 1)..<plan.end {
            let instruction = instructions[position]
            let offset = Int(instruction.operands.0) - plan.loop - 1
            if instruction.op == .loopUpdate && variablePhis.indices.contains(offset) {
                let result = values[Int(instruction.operands.1)]!
                nextValues[offset] = LLVMBuildSelect(builder, staying, result, variablePhis[offset], "")!
                continue
            }
            try emit(instructionAt: position)
        }
        let latch = LLVMGetInsertBlock(builder)!
        LLVMBuildBr(builder, header)
        addIncoming(lanes, lanes, from: latch)
        addIncoming(running, staying, from: latch)
        for (phi, next) in zip(variablePhis, nextValues) { addIncoming(phi, next, from: latch) }
        for phi in carriedPhis { addIncoming(phi, phi, from: latch) }

        // Refill: the waiting lanes take their next element and run the prologue.
        LLVMPositionBuilderAtEnd(builder, refill)
        let refilled = LLVMBuildSelect(builder, waiting, next, lanes, "refilled")!
        laneNumbers = refilled
        activeLanes = waiting
        for position in 0..<plan.loop where plan.perLane.contains(position) { try emit(instructionAt: position) }
        var initials: [LLVMValueRef] = []
        for offset in 0..<plan.variableCount {
            initials.append(values[Int(instructions[plan.loop + 1 + offset].operands.0)]!)
        }
        let refillEnd = LLVMGetInsertBlock(builder)!
        addIncoming(lanes, refilled, from: refillEnd)
        addIncoming(running, LLVMBuildOr(builder, staying, waiting, "")!, from: refillEnd)
        for (phi, initial) in zip(variablePhis, initials) {
            addIncoming(phi, LLVMBuildSelect(builder, waiting, initial, phi, "")!, from: refillEnd)
        }
        for (phi, position) in zip(carriedPhis, plan.carried) {
            addIncoming(phi, LLVMBuildSelect(builder, waiting, values[position]!, phi, "")!, from: refillEnd)
        }
        LLVMBuildBr(builder, header)

        LLVMPositionBuilderAtEnd(builder, exit)
        LLVMBuildRetVoid(builder)
    }

    /// Lanes' own elements of `slot`, in a refilling kernel: a gather at each lane's element.
    func laneGather(slot: Int, type: ScalarType) -> LLVMValueRef {
        toRegister(maskedGather(slot: slot, type: type, index: laneNumbers, enabled: activeLanes), type)
    }

    /// Writes each active lane's value to its own element of `slot`, in a refilling kernel.
    func laneScatter(slot: Int, type: ScalarType, value: LLVMValueRef) {
        maskedScatter(slot: slot, element: memoryType(type), index: laneNumbers, value: toMemory(value, type),
                      enabled: activeLanes)
    }
}
