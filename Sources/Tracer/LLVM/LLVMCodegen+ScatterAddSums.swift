// Scatter-adds in the vector code: each element's lanes summed among themselves, then the element updated once.
//
// The order of a scatter-add's additions is part of its result (floating-point sums depend on it), and both
// backends follow one order (`ScatterAddOrder` states it; the scalar backend applies it with the same rounds).
// Here: `previousLaneWithSameIndex` chains the enabled lanes by element, `sumsAlongChains` runs the rounds with
// permutes, and `addChainSums` updates memory with one gather, add and scatter (a scatter writes colliding lanes in
// lane order, so each element keeps its last lane's value: its chain's sum added to it). Where every enabled lane
// writes one element, `uniformChainSum` sums its one chain with fixed shifts, and one load and store update it.
// Why not lane by lane through memory: where lanes collide (a pixel's samples reading one texel), each lane's load
// waited for the previous lane's store, and those chains were a quarter of a PRB backward's time.
import CLLVM

extension LLVMCodegen {
    /// Per lane, the nearest earlier enabled lane whose index equals its own, else -1, as W x i32. `index` holds
    /// 32-bit element indices of one slot (equal indices, equal elements).
    func previousLaneWithSameIndex(_ index: LLVMValueRef, enabled: LLVMValueRef) -> LLVMValueRef {
        let lanes = LLVMVectorType(i32, UInt32(width))!
        if dwordLanes == .avx512, HostCPU.enabledFeatures.contains("avx512cd") {
            // vpconflictd: per lane, one bit for every earlier lane with the same index; keep the enabled ones and
            // take the highest.
            let earlier = intrinsic("llvm.x86.avx512.conflict.d.512", [], [index])
            let enabledMask = LLVMBuildBitCast(builder, enabled, LLVMIntTypeInContext(context, 16), "")!
            let enabledBits = LLVMBuildZExt(builder, enabledMask, i32, "")!
            let enabledEarlier = LLVMBuildAnd(builder, earlier, splat(enabledBits), "")!
            let zeros = intrinsic("llvm.ctlz", [lanes], [enabledEarlier, LLVMConstInt(i1, 0, 0)])
            return LLVMBuildSub(builder, splatConstant(constant(i32, 31)), zeros, "")!
        }
        // Elsewhere one compare per lane j: lanes after j with j's index take j, the later j winning.
        var previous = splatConstant(constant(i32, -1))
        for j in 0..<width {
            let same = LLVMBuildICmp(builder, LLVMIntEQ, index, splat(extract(index, j)), "")!
            let after = constantVector(i1, (0..<width).map { $0 > j ? 1 : 0 })
            let takes = LLVMBuildAnd(builder, LLVMBuildAnd(builder, same, after, "")!, splat(extract(enabled, j)), "")!
            previous = LLVMBuildSelect(builder, takes, splatConstant(constant(i32, j)), previous, "")!
        }
        return previous
    }

    /// The rounds of `ScatterAddOrder` on each of `values` (of `type`, all chained by `previous`): afterwards the
    /// last lane of each chain holds the chain's sum. A branch skips the rounds when no lane has a previous one.
    func sumsAlongChains(_ values: [LLVMValueRef], type: ScalarType, previous: LLVMValueRef) -> [LLVMValueRef] {
        let none = splatConstant(constant(i32, -1))
        let anyChained = anyLane(LLVMBuildICmp(builder, LLVMIntSGT, previous, none, "")!)
        return onlyWhere(anyChained, "scatterAdd.rounds", otherwise: values) {
            var sums = values, previous = previous
            var reach = 1
            while reach < width {
                let has = LLVMBuildICmp(builder, LLVMIntSGT, previous, none, "")!
                let from = LLVMBuildSelect(builder, has, previous, LLVMConstNull(LLVMTypeOf(previous)), "")!
                sums = sums.map { sum in
                    LLVMBuildSelect(builder, has, added(permute(sum, type, by: from), sum, type), sum, "")!
                }
                previous = LLVMBuildSelect(builder, has, permute(previous, .int32, by: from), none, "")!
                reach *= 2
            }
            return sums
        }
    }

    /// Lane k of the result is lane `lanes[k]` of `vector` (32-bit lanes; `lanes` in range).
    func permute(_ vector: LLVMValueRef, _ type: ScalarType, by lanes: LLVMValueRef) -> LLVMValueRef {
        switch dwordLanes {
        case .avx512:
            return intrinsic(type == .float32 ? "llvm.x86.avx512.permvar.sf.512" : "llvm.x86.avx512.permvar.si.512", [],
                             [vector, lanes])
        case .avx2:
            return intrinsic(type == .float32 ? "llvm.x86.avx2.permps" : "llvm.x86.avx2.permd", [], [vector, lanes])
        case nil:
            var result = LLVMGetPoison(LLVMTypeOf(vector))!
            for k in 0..<width {
                result = insert(result, LLVMBuildExtractElement(builder, vector, extract(lanes, k), "")!, k)
            }
            return result
        }
    }

    /// The whole scatter-add of `value` (of `type`) at `target`: where every enabled lane writes one element, its
    /// one chain summed by `uniformChainSum` and added with one load and store; else the chains, their rounds, and
    /// one gather, add and scatter.
    func emitChainedScatterAdd(_ value: LLVMValueRef, _ type: ScalarType, to target: ScatterAddTarget) {
        withUniformIndex(target) { lane in
            addToElement(elementAddress(of: target, lane: lane), uniformChainSum(value, type, enabled: target.enabled),
                         type)
        } otherwise: {
            let previous = previousLaneWithSameIndex(target.index32, enabled: target.enabled)
            let sums = sumsAlongChains([value], type: type, previous: previous)
            addChainSums(sums[0], type, to: target)
        }
    }

    /// The sum of the enabled lanes of `value` in `ScatterAddOrder`, when they form one chain (they all write one
    /// element). With AVX-512 the lanes are compressed to the front, where a chain's predecessors lie at fixed
    /// distances: the rounds become shifts by 1, 2, 4, 8 lanes (no conflict detection, no variable permutes), and
    /// the sum is at lane n - 1. Elsewhere the general rounds, and the last enabled lane.
    func uniformChainSum(_ value: LLVMValueRef, _ type: ScalarType, enabled: LLVMValueRef) -> LLVMValueRef {
        guard dwordLanes == .avx512 else {
            let lanes = LLVMVectorType(i32, UInt32(width))!
            let previous = previousLaneWithSameIndex(LLVMConstNull(lanes), enabled: enabled)
            let sums = sumsAlongChains([value], type: type, previous: previous)[0]
            return LLVMBuildExtractElement(builder, sums, lastEnabledLane(enabled), "")!
        }
        var sums = intrinsic("llvm.x86.avx512.mask.compress", [LLVMTypeOf(value)],
                             [value, LLVMConstNull(LLVMTypeOf(value)), enabled])
        var reach = 1
        while reach < width {
            let earlier = LLVMBuildShuffleVector(builder, sums, LLVMGetPoison(LLVMTypeOf(sums)),
                                                 constantVector(i32, (0..<width).map { max($0 - reach, 0) }), "")!
            sums = LLVMBuildSelect(builder, constantVector(i1, (0..<width).map { $0 >= reach ? 1 : 0 }),
                                   added(earlier, sums, type), sums, "")!
            reach *= 2
        }
        let count = laneCount(enabled)
        let last = LLVMBuildSub(builder, count, LLVMConstInt(LLVMTypeOf(count), 1, 0), "")!
        return LLVMBuildExtractElement(builder, sums, last, "")!
    }

    /// element += sum, with one load and one store.
    func addToElement(_ address: LLVMValueRef, _ sum: LLVMValueRef, _ type: ScalarType) {
        let old = LLVMBuildLoad2(builder, memoryType(type), address, "")!
        LLVMSetAlignment(old, 4)
        LLVMSetAlignment(LLVMBuildStore(builder, added(old, sum, type), address), 4)
    }

    /// Adds each chain's sum (`sums`, after `sumsAlongChains`) to its element with a gather of the enabled lanes, an
    /// add per lane and a scatter (colliding lanes written in lane order: each element keeps its chain's last lane).
    func addChainSums(_ sums: LLVMValueRef, _ type: ScalarType, to target: ScatterAddTarget) {
        let old = dwordGather(slot: target.slot, type: type, index: target.index32, indexType: target.indexType,
                              enabled: target.enabled) ?? {
            let addresses = elementAddresses(of: target)
            return intrinsic("llvm.masked.gather", [memoryVectorType(type), LLVMTypeOf(addresses)],
                             [addresses, constant(i32, 4), target.enabled, LLVMConstNull(memoryVectorType(type))])
        }()
        let new = added(old, sums, type)
        if dwordScatter(slot: target.slot, type: type, index: target.index32, indexType: target.indexType,
                        value: new, enabled: target.enabled) { return }
        let addresses = elementAddresses(of: target)
        intrinsic("llvm.masked.scatter", [memoryVectorType(type), LLVMTypeOf(addresses)],
                  [new, addresses, constant(i32, 4), target.enabled])
    }

    /// a + b in `type` (a scatter-add's float or wrapping integer addition).
    private func added(_ a: LLVMValueRef, _ b: LLVMValueRef, _ type: ScalarType) -> LLVMValueRef {
        type == .float32 ? LLVMBuildFAdd(builder, a, b, "")! : LLVMBuildAdd(builder, a, b, "")!
    }

    /// The index of the last enabled lane, as a W-bit integer (callers know some lane is enabled).
    func lastEnabledLane(_ enabled: LLVMValueRef) -> LLVMValueRef {
        let laneType = LLVMIntTypeInContext(context, UInt32(width))!
        let laneBits = LLVMBuildBitCast(builder, enabled, laneType, "")!
        let zeros = intrinsic("llvm.ctlz", [laneType], [laneBits, LLVMConstInt(i1, 0, 0)])
        return LLVMBuildAnd(builder, LLVMBuildSub(builder, LLVMConstInt(laneType, UInt64(width - 1), 0), zeros, "")!,
                            LLVMConstInt(laneType, UInt64(width - 1), 0), "")!
    }
}
