// Code generation of `blockAccumulate`: lane l combines its value into element l / k, lanes in increasing order (or,
// for `blockTreeSum`, each block's lanes added pairwise inside the vector).
//
// The launch starts every range at a multiple of lcm(k, W), so a vector never shares a block of k lanes with
// another range, and each element sees the unfused block reduction's order: the identity, then its lanes in turn.
// Lanes that do not belong to an element (past end, or another element's) take part as a neutral value n with
// combine(r, n) == r bit for bit for every r a chain can hold, which keeps every chain free of branches and selects:
// -0.0 for float sums (r + -0.0 == r, +0 included), 0 for integer sums and the identity for min and max (a running
// minimum or maximum is never NaN).
import CLLVM

extension LLVMCodegen {
    /// Emits one `blockAccumulate` of the vector `value`.
    func emitBlockAccumulate(_ instruction: KernelInstruction, value: LLVMValueRef) throws {
        let slot = try slotIndex(instruction)
        let length = instruction.blockAccumulateLength
        guard length >= 1, let kind = instruction.blockAccumulateKind else {
            throw LLVMBackendError.unsupported("blockAccumulate auxiliary \(instruction.auxiliary)")
        }
        let type = instruction.type
        if instruction.blockAccumulatesTree {
            guard kind == .sum, width % length == 0 else {
                throw LLVMBackendError.unsupported("tree blockAccumulate of \(kind) over \(length) lanes at width \(width)")
            }
            // Lanes past the end are the tree's +0 leaves.
            let leaves = LLVMBuildSelect(builder, activeLanes, value, splat(bits: 0, type), "")!
            return emitTreeAccumulate(slot: slot, length: length, type: type, value: leaves)
        }
        let active = LLVMBuildSelect(builder, activeLanes, value, splat(bits: neutral(kind, type), type), "")!
        if length % width == 0 {
            emitWholeVectorAccumulate(slot: slot, length: length, kind: kind, type: type, value: active)
        } else if width % length == 0 {
            emitWholeBlockAccumulate(slot: slot, length: length, kind: kind, type: type, value: active)
        } else {
            emitStraddlingAccumulate(slot: slot, length: length, kind: kind, type: type, value: active)
        }
    }

    /// A value that leaves every running reduction unchanged (see the file comment).
    private func neutral(_ kind: ReductionKind, _ type: ScalarType) -> UInt32 {
        kind == .sum && type == .float32 ? (-Float.zero).bitPattern : ScalarSemantics.identity(of: kind, type: type)
    }

    /// combine(... combine(combine(start, value[lanes.first]), ...), value[lanes.last]).
    private func chain(_ kind: ReductionKind, _ type: ScalarType, from start: LLVMValueRef, _ value: LLVMValueRef,
                       lanes: ClosedRange<Int>) -> LLVMValueRef {
        lanes.reduce(start) { combine(kind, type, $0, extract(value, $1)) }
    }

    /// k a multiple of W: the vector's lanes all belong to element i / k, combined onto it in lane order.
    private func emitWholeVectorAccumulate(slot: Int, length: Int, kind: ReductionKind, type: ScalarType,
                                           value: LLVMValueRef) {
        let element = memoryType(type)
        let address = elementAddress(slot: slot, element: element,
                                     index: LLVMBuildUDiv(builder, loopIndex, constant(i64, length), "")!)
        let old = LLVMBuildLoad2(builder, element, address, "")!
        LLVMSetAlignment(old, 4)
        let result = chain(kind, type, from: toRegister(old, type), value, lanes: 0...width - 1)
        LLVMSetAlignment(LLVMBuildStore(builder, toMemory(result, type), address), 4)
    }

    /// k dividing W: blocks start at lanes 0, k, 2k, ... of the vector and lie inside it, so each is reduced from
    /// the identity; the W / k results are stored together, those whose first lane is < end.
    private func emitWholeBlockAccumulate(slot: Int, length: Int, kind: ReductionKind, type: ScalarType,
                                          value: LLVMValueRef) {
        let blocks = width / length
        // All blocks' chains at once, one vector lane per block: step j combines lane j of every block, so each
        // block sees exactly the chain identity, lane 0, lane 1, ... (shuffles instead of W extracts).
        var identities = [LLVMValueRef?](repeating: identityScalar(kind, type), count: blocks)
        var results = LLVMConstVector(&identities, UInt32(blocks))!
        for step in 0..<length {
            let lanes = LLVMBuildShuffleVector(builder, value, LLVMGetPoison(LLVMTypeOf(value)),
                                               constantVector(i32, (0..<blocks).map { $0 * length + step }), "")!
            results = combine(kind, type, results, lanes)
        }
        storeBlockResults(results, slot: slot, length: length, type: type)
    }

    /// `blockTreeSum` with k dividing W: each level adds the vector's even and odd lanes (shuffled into two vectors
    /// of half the width), so that after log2(k) levels lane b holds block b's tree; the W / k results are stored
    /// together, those whose first lane is < end.
    private func emitTreeAccumulate(slot: Int, length: Int, type: ScalarType, value: LLVMValueRef) {
        var level = value, count = width
        while count > width / length {
            count /= 2
            let even = LLVMBuildShuffleVector(builder, level, LLVMGetPoison(LLVMTypeOf(level)),
                                              constantVector(i32, (0..<count).map { 2 * $0 }), "")!
            let odd = LLVMBuildShuffleVector(builder, level, LLVMGetPoison(LLVMTypeOf(level)),
                                             constantVector(i32, (0..<count).map { 2 * $0 + 1 }), "")!
            level = combine(.sum, type, even, odd)
        }
        storeBlockResults(level, slot: slot, length: length, type: type)
    }

    /// Stores the W / k block results of a vector (one lane per block) at element i / k on, where the block's
    /// first lane is active.
    private func storeBlockResults(_ results: LLVMValueRef, slot: Int, length: Int, type: ScalarType) {
        let blocks = width / length
        let first = LLVMBuildUDiv(builder, loopIndex, constant(i64, length), "")!
        if blocks == 1 {
            // k = W: the block's first lane is the vector's. Block accumulations are emitted at the launch's top
            // level, after every symbolic loop and dispatch, where lane 0 of every vector the launch runs is active,
            // so a plain store.
            // A one-lane masked store became a branch around a scalar store, and LLVM sank the work that only the
            // stored value needed into that branch: a film's pull then held every loaded colour across it.
            let address = elementAddress(slot: slot, element: memoryType(type), index: first)
            LLVMSetAlignment(LLVMBuildStore(builder, toMemory(extract(results, 0), type), address), 4)
            return
        }
        let stored = LLVMBuildShuffleVector(builder, activeLanes, LLVMGetPoison(LLVMTypeOf(activeLanes)),
                                            constantVector(i32, (0..<blocks).map { $0 * length }), "")!
        let element = memoryType(type)
        let vectorType = LLVMVectorType(element, UInt32(blocks))!
        let address = LLVMBuildPointerCast(builder, elementAddress(slot: slot, element: element, index: first),
                                           pointer(to: vectorType), "")!
        let memoryForm = type == .bool ? LLVMBuildZExt(builder, results, vectorType, "")! : results
        intrinsic("llvm.masked.store", [vectorType, LLVMTypeOf(address)], [memoryForm, address, constant(i32, 4), stored])
    }

    /// Any other k: the vector's lanes belong to elements e0 = i / k, e0 + 1, ..., one chain each over the lanes
    /// that can belong to it (at most 2k - 1), with every other lane neutral. Element e0 continues from memory
    /// (what earlier vectors of its block left there); the others start from the identity.
    private func emitStraddlingAccumulate(slot: Int, length: Int, kind: ReductionKind, type: ScalarType,
                                          value: LLVMValueRef) {
        let first = LLVMBuildUDiv(builder, loopIndex, constant(i64, length), "")!
        // Which element (relative to e0) each lane belongs to: (i mod k + lane) / k, in 32 bits.
        let phase = LLVMBuildTrunc(builder, LLVMBuildSub(builder, loopIndex,
                                                        LLVMBuildMul(builder, first, constant(i64, length), ""), ""),
                                   i32, "")!
        let lanes = LLVMBuildAdd(builder, splat(phase), constantVector(i32, Array(0..<width)), "")!
        let owners = LLVMBuildUDiv(builder, lanes, splatConstant(constant(i32, length)), "owner")!
        let neutralValue = splat(bits: neutral(kind, type), type)
        let element = memoryType(type)
        let old = LLVMBuildLoad2(builder, element, elementAddress(slot: slot, element: element, index: first), "")!
        LLVMSetAlignment(old, 4)
        let chains = (width - 2) / length + 2
        let results = (0..<chains).map { owner -> LLVMValueRef in
            let mine = LLVMBuildICmp(builder, LLVMIntEQ, owners, splatConstant(constant(i32, owner)), "")!
            let values = LLVMBuildSelect(builder, mine, value, neutralValue, "")!
            let lanes = Swift.max(0, owner * length - (length - 1))...Swift.min(width - 1, owner * length + length - 1)
            return chain(kind, type, from: owner == 0 ? toRegister(old, type) : identityScalar(kind, type), values,
                         lanes: lanes)
        }
        // Element e0 + c is stored when its first lane, (e0 + c) * k, is in this vector and < end.
        let vectorEnd = LLVMBuildAdd(builder, loopIndex, constant(i64, width), "")!
        let stop = LLVMBuildSelect(builder, LLVMBuildICmp(builder, LLVMIntSLT, endArgument, vectorEnd, ""),
                                   endArgument, vectorEnd, "")!
        let starts = LLVMBuildMul(builder, vectorOf(first, count: chains, plus: Array(0..<chains)),
                                  constantVector(i64, Array(repeating: length, count: chains)), "")!
        let stored = LLVMBuildICmp(builder, LLVMIntSLT, starts, vectorOf(stop, count: chains), "")!
        storeConsecutive(results, slot: slot, type: type, from: first, mask: stored)
    }

    /// The identity of a reduction as a scalar register constant.
    private func identityScalar(_ kind: ReductionKind, _ type: ScalarType) -> LLVMValueRef {
        scalarConstant(bits: ScalarSemantics.identity(of: kind, type: type), type)
    }

    /// `<count x i64>` with `scalar + offsets[j]` in lane j (offsets default to 0).
    func vectorOf(_ scalar: LLVMValueRef, count: Int, plus offsets: [Int]? = nil) -> LLVMValueRef {
        let type = LLVMVectorType(i64, UInt32(count))!
        let single = LLVMBuildInsertElement(builder, LLVMGetPoison(type), scalar, constant(i32, 0), "")
        let broadcast = LLVMBuildShuffleVector(builder, single, LLVMGetPoison(type),
                                               LLVMConstNull(LLVMVectorType(i32, UInt32(count))), "")!
        guard let offsets else { return broadcast }
        return LLVMBuildAdd(builder, broadcast, constantVector(i64, offsets), "")!
    }

    /// Stores `results` (scalar registers) to elements `first`, `first` + 1, ... of the slot where `mask` is set.
    private func storeConsecutive(_ results: [LLVMValueRef], slot: Int, type: ScalarType, from first: LLVMValueRef,
                                  mask: LLVMValueRef) {
        let element = memoryType(type)
        let vectorType = LLVMVectorType(element, UInt32(results.count))!
        var vector = LLVMGetPoison(vectorType)!
        for (index, result) in results.enumerated() { vector = insert(vector, toMemory(result, type), index) }
        let address = LLVMBuildPointerCast(builder, elementAddress(slot: slot, element: element, index: first),
                                           pointer(to: vectorType), "")!
        intrinsic("llvm.masked.store", [vectorType, LLVMTypeOf(address)], [vector, address, constant(i32, 4), mask])
    }
}
