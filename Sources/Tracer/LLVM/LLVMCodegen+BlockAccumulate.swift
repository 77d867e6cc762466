// Code generation of `blockAccumulate`: lane l combines its value into element l / k, lanes in increasing order.
//
// The launch starts every range at a multiple of lcm(k, W), so a vector never shares a block of k lanes with
// another range, and the order of combination is the unfused block reduction's: r = identity, then each lane's
// value in turn. Three shapes: k a multiple of W (one element per vector), k dividing W (whole blocks inside a
// vector), and any other k (a running value carried lane by lane, stored where a block ends).
import CLLVM

extension LLVMCodegen {
    /// Emits one `blockAccumulate` of the vector `value`.
    func emitBlockAccumulate(_ instruction: KernelInstruction, value: LLVMValueRef) throws {
        let slot = try slotIndex(instruction)
        let length = instruction.blockAccumulateLength
        guard length >= 1, let kind = instruction.blockAccumulateKind else {
            throw LLVMBackendError.unsupported("blockAccumulate auxiliary \(instruction.auxiliary)")
        }
        if length % width == 0 {
            emitWholeVectorAccumulate(slot: slot, length: length, kind: kind, type: instruction.type, value: value)
        } else if width % length == 0 {
            emitWholeBlockAccumulate(slot: slot, length: length, kind: kind, type: instruction.type, value: value)
        } else {
            emitRunningAccumulate(slot: slot, length: length, kind: kind, type: instruction.type, value: value)
        }
    }

    /// Runs `body(masked)` on two paths: unmasked when every lane is < end (all but the last vector of a launch),
    /// masked otherwise, so the hot path carries no per-lane selects.
    private func splitOnFullVector(_ body: (_ masked: Bool) -> Void) {
        let full = appendBlock("blockAcc.full"), partial = appendBlock("blockAcc.partial")
        let join = appendBlock("blockAcc.join")
        LLVMBuildCondBr(builder, extract(activeLanes, width - 1), full, partial)
        for (block, masked) in [(full, false), (partial, true)] {
            LLVMPositionBuilderAtEnd(builder, block)
            body(masked)
            LLVMBuildBr(builder, join)
        }
        LLVMPositionBuilderAtEnd(builder, join)
    }

    /// combine(r, value[lane]), kept only for lanes < end when `masked` (lane 0 of a vector is always < end).
    private func combineLane(_ kind: ReductionKind, _ type: ScalarType, _ r: LLVMValueRef, _ value: LLVMValueRef,
                             lane: Int, masked: Bool) -> LLVMValueRef {
        let combined = combine(kind, type, r, extract(value, lane))
        return masked && lane > 0 ? LLVMBuildSelect(builder, extract(activeLanes, lane), combined, r, "")! : combined
    }

    /// k a multiple of W: the vector's lanes all belong to element i / k, combined onto it in lane order.
    private func emitWholeVectorAccumulate(slot: Int, length: Int, kind: ReductionKind, type: ScalarType,
                                           value: LLVMValueRef) {
        let element = memoryType(type)
        let index = LLVMBuildUDiv(builder, loopIndex, constant(i64, length), "")!
        splitOnFullVector { masked in
            let address = elementAddress(slot: slot, element: element, index: index)
            let old = LLVMBuildLoad2(builder, element, address, "")!
            LLVMSetAlignment(old, 4)
            var r = toRegister(old, type)
            for lane in 0..<width { r = combineLane(kind, type, r, value, lane: lane, masked: masked) }
            LLVMSetAlignment(LLVMBuildStore(builder, toMemory(r, type), address), 4)
        }
    }

    /// k dividing W: blocks of k lanes start at lanes 0, k, 2k, ... of the vector and lie inside it, so each is
    /// reduced from the identity and the W / k results are stored together (those whose block starts < end).
    private func emitWholeBlockAccumulate(slot: Int, length: Int, kind: ReductionKind, type: ScalarType,
                                          value: LLVMValueRef) {
        let blocks = width / length
        let element = memoryType(type)
        let resultType = LLVMVectorType(element, UInt32(blocks))!
        let first = LLVMBuildUDiv(builder, loopIndex, constant(i64, length), "")!
        let identityValue = scalarConstant(bits: ScalarSemantics.identity(of: kind, type: type), type)
        splitOnFullVector { masked in
            var results = LLVMGetPoison(resultType)!
            for block in 0..<blocks {
                var r = identityValue
                for lane in block * length..<(block + 1) * length {
                    let combined = combine(kind, type, r, extract(value, lane))
                    // The block's first lane decides whether it is stored at all.
                    r = masked && lane > block * length
                        ? LLVMBuildSelect(builder, extract(activeLanes, lane), combined, r, "")! : combined
                }
                results = insert(results, toMemory(r, type), block)
            }
            let address = LLVMBuildPointerCast(builder, elementAddress(slot: slot, element: element, index: first),
                                               pointer(to: resultType), "")!
            if masked {
                let starts = constantVector(i32, (0..<blocks).map { $0 * length })
                let enabled = LLVMBuildShuffleVector(builder, activeLanes, LLVMGetPoison(LLVMTypeOf(activeLanes)),
                                                     starts, "")!
                intrinsic("llvm.masked.store", [resultType, LLVMTypeOf(address)],
                          [results, address, constant(i32, 4), enabled])
            } else {
                LLVMSetAlignment(LLVMBuildStore(builder, results, address), 4)
            }
        }
    }

    /// Any other k: a running value starts from element i / k (what earlier vectors of its block left there),
    /// restarts from the identity at every lane that begins a block, and is stored at every lane < end that ends
    /// a block or the vector, or is the last lane < end.
    private func emitRunningAccumulate(slot: Int, length: Int, kind: ReductionKind, type: ScalarType,
                                       value: LLVMValueRef) {
        let element = memoryType(type)
        let lengths = splatConstant(constant(i64, length))
        let indices = LLVMBuildUDiv(builder, laneNumbers, lengths, "")!
        let starts = LLVMBuildICmp(builder, LLVMIntEQ, LLVMBuildURem(builder, laneNumbers, lengths, ""),
                                   LLVMConstNull(LLVMTypeOf(laneNumbers)), "")!
        // Lane l stores when lane l + 1 starts a block or is past end (lane W reads as true).
        let boundary = LLVMBuildOr(builder, starts, LLVMBuildNot(builder, activeLanes, ""), "")!
        let allTrue = splatConstant(LLVMConstInt(i1, 1, 0))
        let next = LLVMBuildShuffleVector(builder, boundary, allTrue, constantVector(i32, Array(1...width)), "")!
        let stores = LLVMBuildAnd(builder, activeLanes, next, "")!
        let identityValue = scalarConstant(bits: ScalarSemantics.identity(of: kind, type: type), type)

        let old = LLVMBuildLoad2(builder, element, elementAddress(slot: slot, element: element,
                                                                  index: extract(indices, 0)), "")!
        LLVMSetAlignment(old, 4)
        var r = toRegister(old, type)
        for lane in 0..<width {
            let base = lane == 0 ? r : LLVMBuildSelect(builder, extract(starts, lane), identityValue, r, "")!
            r = combine(kind, type, base, extract(value, lane))
            let store = appendBlock("blockAcc.store\(lane)"), after = appendBlock("blockAcc.next\(lane)")
            LLVMBuildCondBr(builder, extract(stores, lane), store, after)
            LLVMPositionBuilderAtEnd(builder, store)
            let address = elementAddress(slot: slot, element: element, index: extract(indices, lane))
            LLVMSetAlignment(LLVMBuildStore(builder, toMemory(r, type), address), 4)
            LLVMBuildBr(builder, after)
            LLVMPositionBuilderAtEnd(builder, after)
        }
    }
}
