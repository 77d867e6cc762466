// Code generation of the memory ops: loads, stores, gathers, scatters, reductions and bounds counting.
import CLLVM

extension LLVMCodegen {
    // MARK: - Addresses and conversions

    /// The address of element `index` (an i64, or a vector of them for a vector of addresses) of `slot`.
    func elementAddress(slot: Int, element: LLVMTypeRef, index: LLVMValueRef) -> LLVMValueRef {
        let base = LLVMBuildPointerCast(builder, slotBases[slot], pointer(to: element), "")!
        return gep(element, base, index)
    }

    /// Alignment of a full-vector access at lane i: buffers are 64-byte aligned and i is a multiple of W.
    var vectorAlignment: UInt32 {
        width & (width - 1) == 0 ? UInt32(min(4 * width, 64)) : 4
    }

    /// A register from its memory form: masks are stored as 32-bit 0/1 and loaded as != 0.
    func toRegister(_ value: LLVMValueRef, _ type: ScalarType) -> LLVMValueRef {
        type == .bool ? LLVMBuildICmp(builder, LLVMIntNE, value, LLVMConstNull(LLVMTypeOf(value)), "") : value
    }

    /// The memory form of a register: masks become 32-bit 0/1.
    func toMemory(_ value: LLVMValueRef, _ type: ScalarType) -> LLVMValueRef {
        guard type == .bool else { return value }
        let lanes = LLVMGetTypeKind(LLVMTypeOf(value)) == LLVMVectorTypeKind
        return LLVMBuildZExt(builder, value, lanes ? memoryVectorType(.bool) : i32, "")
    }

    /// Checks that a memory instruction's slot exists.
    func slotIndex(_ instruction: KernelInstruction) throws -> Int {
        let slot = Int(instruction.immediate)
        guard slot < program.slots.count else {
            throw LLVMBackendError.unsupported("\(instruction.op) uses slot \(slot) of \(program.slots.count)")
        }
        return slot
    }

    // MARK: - Contiguous access

    /// A full-vector load of lanes i ..< i + W, with a software prefetch of lane i + `prefetchDistance`.
    func emitLoad(_ instruction: KernelInstruction) throws -> LLVMValueRef {
        if refillsLanes { return laneGather(slot: try slotIndex(instruction), type: instruction.type) }
        let address = elementAddress(slot: try slotIndex(instruction), element: memoryType(instruction.type),
                                     index: loopIndex)
        let vectorType = memoryVectorType(instruction.type)
        let vectorAddress = LLVMBuildPointerCast(builder, address, pointer(to: vectorType), "")
        let value = LLVMBuildLoad2(builder, vectorType, vectorAddress, "")!
        LLVMSetAlignment(value, vectorAlignment)
        prefetch(gep(memoryType(instruction.type), address, constant(i64, Self.prefetchDistance)))
        return toRegister(value, instruction.type)
    }

    /// Elements ahead of a contiguous load that are prefetched (2 KiB of floats). With several streams per core
    /// (the fused Adam update reads W, m and v and writes them back) the hardware prefetchers alone left one core
    /// waiting on memory: prefetching made that update 1.4 times as fast on one thread and on two.
    static let prefetchDistance = 512

    /// A prefetch into all cache levels, for reading or for writing (a hint: addresses past the buffer are harmless).
    func prefetch(_ address: LLVMValueRef, writing: Bool = false) {
        let bytes = LLVMBuildPointerCast(builder, address, pointer(to: i8), "")!
        _ = intrinsic("llvm.prefetch", [pointer(to: i8)],
                      [bytes, constant(i32, writing ? 1 : 0), constant(i32, 3), constant(i32, 1)])
    }

    /// Element 0 of the slot, broadcast.
    func emitLoadScalar(_ instruction: KernelInstruction) throws -> LLVMValueRef {
        let address = elementAddress(slot: try slotIndex(instruction), element: memoryType(instruction.type),
                                     index: constant(i64, 0))
        let value = LLVMBuildLoad2(builder, memoryType(instruction.type), address, "")!
        LLVMSetAlignment(value, 4)
        return splat(toRegister(value, instruction.type))
    }

    /// A full-vector store to lanes i ..< i + W (lanes past `end` land in the buffer's padding).
    func emitStore(_ instruction: KernelInstruction, value: LLVMValueRef) throws {
        if refillsLanes { return laneScatter(slot: try slotIndex(instruction), type: instruction.type, value: value) }
        let address = elementAddress(slot: try slotIndex(instruction), element: memoryType(instruction.type),
                                     index: loopIndex)
        let vectorAddress = LLVMBuildPointerCast(builder, address, pointer(to: memoryVectorType(instruction.type)), "")
        let store = LLVMBuildStore(builder, toMemory(value, instruction.type), vectorAddress)!
        LLVMSetAlignment(store, vectorAlignment)
        if instruction.auxiliary == KernelInstruction.streamingStore {
            // A large output is not read again soon: bypass the caches and skip the read-for-ownership.
            var one: LLVMMetadataRef? = LLVMValueAsMetadata(LLVMConstInt(i32, 1, 0))
            let node = LLVMMetadataAsValue(context, LLVMMDNodeInContext2(context, &one, 1))
            LLVMSetMetadata(store, LLVMGetMDKindIDInContext(context, "nontemporal", 11), node)
        }
    }

    // MARK: - Indexed access

    /// The index vector as i64 (sign-extended for int32, zero-extended otherwise), and whether each lane is
    /// in [0, size). The test is one unsigned compare of the 32-bit lanes against the size capped to what the index
    /// type can reach: below 2^31 for int32 (a negative index is a huge unsigned one), 2^32 − 1 for uint32, and
    /// every uint32 index is inside a slot of 2^32 elements or more. Why 32 bits: comparing the two halves of the
    /// 64-bit index took three instructions per gather, a third of a film pull's (25 offsets, 7 loads each).
    func checkedIndex(_ index: LLVMValueRef, _ indexType: ScalarType,
                              slot: Int) -> (index: LLVMValueRef, inRange: LLVMValueRef) {
        let index64 = widened(index, indexType, to: LLVMVectorType(i64, UInt32(width)))
        let size = slotSizes[slot]
        let reach = constant(i64, indexType == .int32 ? 1 << 31 : (1 << 32) - 1)
        let capped = LLVMBuildSelect(builder, LLVMBuildICmp(builder, LLVMIntULT, size, reach, "")!, size, reach, "")!
        let size32 = LLVMBuildTrunc(builder, capped, i32, "")!
        var inRange = LLVMBuildICmp(builder, LLVMIntULT, index, splat(size32), "inRange")!
        if indexType != .int32 {
            let coversAll = LLVMBuildICmp(builder, LLVMIntUGT, size, reach, "")!
            inRange = LLVMBuildOr(builder, inRange, splat(coversAll), "")!
        }
        return (index64, inRange)
    }

    /// A 32-bit index (or vector of them) as `type`: sign-extended for int32, zero-extended otherwise.
    func widened(_ index: LLVMValueRef, _ indexType: ScalarType, to type: LLVMTypeRef) -> LLVMValueRef {
        indexType == .int32 ? LLVMBuildSExt(builder, index, type, "")! : LLVMBuildZExt(builder, index, type, "")!
    }

    /// Masked gather; masked-off and out-of-range lanes read 0. Out-of-range lanes are counted under `countedMask`
    /// (a merged gather's own mask, `LLVMCodegen+GatherMerging.swift`), by default `mask`.
    func emitGather(_ instruction: KernelInstruction, index: LLVMValueRef, indexType: ScalarType,
                    mask: LLVMValueRef, countedMask: LLVMValueRef? = nil) throws -> LLVMValueRef {
        let slot = try slotIndex(instruction)
        let (index64, inRange) = checkedIndex(index, indexType, slot: slot)
        let enabled = LLVMBuildAnd(builder, mask, inRange, "")!
        countOutOfRange(mask: countedMask ?? mask, inRange: inRange)
        let value: LLVMValueRef
        let pattern = lanePattern(ofIndex: Int(instruction.operands.0))
        if let (divisor, offset) = pattern, width % divisor == 0 {
            value = consecutiveLoad(slot: slot, type: instruction.type, divisor: divisor, offset: offset,
                                    enabled: enabled)
        } else if let (divisor, offset) = pattern, divisor % width == 0 {
            value = broadcastLoad(slot: slot, type: instruction.type, divisor: divisor, offset: offset,
                                  enabled: enabled)
        } else {
            let small = instruction.auxiliary & KernelInstruction.smallSource != 0
            func gather() -> LLVMValueRef {
                (small ? tableGather(slot: slot, type: instruction.type, index: index, indexType: indexType,
                                     enabled: enabled) : nil)
                    ?? dwordGather(slot: slot, type: instruction.type, index: index, indexType: indexType,
                                   enabled: enabled)
                    ?? maskedGather(slot: slot, type: instruction.type, index: index64, enabled: enabled)
            }
            if streamsByLane(index: Int(instruction.operands.0)) {
                prefetchStream(slot: slot, element: memoryType(instruction.type),
                               indexPosition: Int(instruction.operands.0), index64: index64, writing: false)
                value = streamingLoad(slot: slot, type: instruction.type, index64: index64, checking: mask,
                                      enabled: enabled, otherwise: gather)
            } else {
                value = gather()
            }
        }
        return toRegister(value, instruction.type)
    }

    /// A gather at x + lane (`streamsByLane`) as one masked vector load where the lanes `checking` read
    /// consecutive elements (a PRB adjoint reading its replay's hit log: every vector), else `otherwise()`. The
    /// test is the scatters' (`withConsecutiveIndex`): the log's reads at one index share it.
    private func streamingLoad(slot: Int, type: ScalarType, index64: LLVMValueRef, checking: LLVMValueRef,
                               enabled: LLVMValueRef, otherwise: () -> LLVMValueRef) -> LLVMValueRef {
        let vectorType = memoryVectorType(type)
        var loaded: LLVMValueRef?, gathered: LLVMValueRef?
        var loadedEnd: LLVMBasicBlockRef?, gatheredEnd: LLVMBasicBlockRef?
        withConsecutiveIndex(index64, checking: checking) { first in
            let element = elementAddress(slot: slot, element: memoryType(type), index: first)
            let address = LLVMBuildPointerCast(builder, element, pointer(to: vectorType), "")!
            loaded = intrinsic("llvm.masked.load", [vectorType, LLVMTypeOf(address)],
                               [address, constant(i32, 4), enabled, LLVMConstNull(vectorType)])
            loadedEnd = LLVMGetInsertBlock(builder)
        } otherwise: {
            gathered = otherwise()
            gatheredEnd = LLVMGetInsertBlock(builder)
        }
        let merged = LLVMBuildPhi(builder, vectorType, "")!
        addIncoming(merged, loaded!, from: loadedEnd!)
        addIncoming(merged, gathered!, from: gatheredEnd!)
        return merged
    }

    /// The x86 instruction set whose 32-bit-index gathers and lane permutes a kernel uses: AVX-512's at W = 16, AVX2's
    /// at W = 8, where the host has it; nil elsewhere (LLVM's generic gathers then).
    enum DwordLanes { case avx512, avx2 }

    /// This kernel's `DwordLanes`.
    var dwordLanes: DwordLanes? {
        if width == 16 && HostCPU.enabledFeatures.contains("avx512f") { return .avx512 }
        if width == 8 && HostCPU.enabledFeatures.contains("avx2") { return .avx2 }
        return nil
    }

    /// The byte base and the signed 32-bit offsets (in elements) of a gather or scatter of W lanes with 32-bit
    /// indices, where the kernel has `dwordLanes`; nil elsewhere. A uint32 index u addresses (base + 2^31 elements)
    /// at sext(u xor 2^31), the same element for every u.
    private func dwordAddressing(slot: Int, index: LLVMValueRef,
                                 indexType: ScalarType) -> (base: LLVMValueRef, offsets: LLVMValueRef)? {
        guard dwordLanes != nil else { return nil }
        let base = LLVMBuildPointerCast(builder, slotBases[slot], pointer(to: i8), "")!
        guard indexType != .int32 else { return (base, index) }
        return (gep(i8, base, constant(i64, 4 << 31)), LLVMBuildXor(builder, index, splat(bits: 0x8000_0000, .uint32), "")!)
    }

    /// A gather of W lanes with 32-bit indices (`dwordAddressing`): AVX-512's 16-lane one, or AVX2's 8-lane one
    /// (whose mask is a vector of sign bits); nil where the kernel has no `dwordLanes`.
    /// Why not `llvm.masked.gather`: LLVM 14 widens its indices to 64 bits and splits the gather in two (two 8-lane
    /// halves on AVX-512, two 4-lane `vpgatherqd` on AVX2), with the indices widened, shifted and added in two halves
    /// too; the path loop's texture lookups were a fifth of its time.
    func dwordGather(slot: Int, type: ScalarType, index: LLVMValueRef, indexType: ScalarType,
                     enabled: LLVMValueRef) -> LLVMValueRef? {
        guard let (base, offsets) = dwordAddressing(slot: slot, index: index, indexType: indexType) else { return nil }
        let resultType = memoryVectorType(type)
        switch dwordLanes {
        case .avx512:
            let name = type == .float32 ? "llvm.x86.avx512.mask.gather.dps.512" : "llvm.x86.avx512.mask.gather.dpi.512"
            return intrinsic(name, [], [LLVMConstNull(resultType), base, offsets, enabled, constant(i32, 4)])
        case .avx2:
            let signs = LLVMBuildBitCast(builder, LLVMBuildSExt(builder, enabled, LLVMVectorType(i32, 8), "")!,
                                         resultType, "")!
            let name = type == .float32 ? "llvm.x86.avx2.gather.d.ps.256" : "llvm.x86.avx2.gather.d.d.256"
            return intrinsic(name, [], [LLVMConstNull(resultType), base, offsets, signs, constant(i8, 4)])
        case nil:
            return nil
        }
    }

    /// Where the slot holds at most W elements (a scene's per-shape table, the cdf of a few emitters), a masked
    /// vector load of the whole slot and a permute by the index instead of a gather; with AVX-512, up to 4W elements
    /// (a small mesh's vertices) by `fourTablePermute`; larger slots take `dwordGather`.
    /// Both where the kernel has `dwordLanes` (nil elsewhere), with a branch on the slot's size, which is the
    /// same for every vector of a launch. Why: the permute's latency is a few cycles, a gather's several tens, and
    /// such tables sit at the head of chains of dependent gathers (mesh, triangle, vertex). Only for gathers marked
    /// `KernelInstruction.smallSource`: the branch splits the body's block, which costs where the source is large.
    private func tableGather(slot: Int, type: ScalarType, index: LLVMValueRef, indexType: ScalarType,
                             enabled: LLVMValueRef) -> LLVMValueRef? {
        guard dwordLanes != nil else { return nil }
        let resultType = memoryVectorType(type)
        let size = slotSizes[slot]
        let fits = LLVMBuildICmp(builder, LLVMIntULE, size, constant(i64, width), "")!
        let tableBlock = appendBlock("gather.table"), gatherBlock = appendBlock("gather.general")
        let done = appendBlock("gather.done")
        LLVMBuildCondBr(builder, fits, tableBlock, gatherBlock)

        LLVMPositionBuilderAtEnd(builder, tableBlock)
        let present = firstLanes(size)
        let address = LLVMBuildPointerCast(builder, slotBases[slot], pointer(to: resultType), "")!
        let table = intrinsic("llvm.masked.load", [resultType, LLVMTypeOf(address)],
                              [address, constant(i32, 4), present, LLVMConstNull(resultType)])
        let permuted = LLVMBuildSelect(builder, enabled, permute(table, type, by: index), LLVMConstNull(resultType),
                                       "")!
        let tableEnd = LLVMGetInsertBlock(builder)!
        LLVMBuildBr(builder, done)

        LLVMPositionBuilderAtEnd(builder, gatherBlock)
        var fourTables: (value: LLVMValueRef, end: LLVMBasicBlockRef)? = nil
        if dwordLanes == .avx512 {
            // 17 to 64 elements: four registers and two two-register permutes (AVX-512 only).
            let fourBlock = appendBlock("gather.tables"), largeBlock = appendBlock("gather.large")
            LLVMBuildCondBr(builder, LLVMBuildICmp(builder, LLVMIntULE, size, constant(i64, 4 * width), "")!,
                            fourBlock, largeBlock)
            LLVMPositionBuilderAtEnd(builder, fourBlock)
            let value = LLVMBuildSelect(builder, enabled, fourTablePermute(slot: slot, type: type, index: index),
                                        LLVMConstNull(resultType), "")!
            fourTables = (value, LLVMGetInsertBlock(builder)!)
            LLVMBuildBr(builder, done)
            LLVMPositionBuilderAtEnd(builder, largeBlock)
        }
        let gathered = dwordGather(slot: slot, type: type, index: index, indexType: indexType, enabled: enabled)!
        let gatherEnd = LLVMGetInsertBlock(builder)!
        LLVMBuildBr(builder, done)

        LLVMPositionBuilderAtEnd(builder, done)
        let phi = LLVMBuildPhi(builder, resultType, "")!
        addIncoming(phi, permuted, from: tableEnd)
        if let fourTables { addIncoming(phi, fourTables.value, from: fourTables.end) }
        addIncoming(phi, gathered, from: gatherEnd)
        return phi
    }

    /// The first `count` lanes (an i64 of 0...W) as a lane mask, made from the W-bit integer 2^count - 1, which LLVM
    /// keeps in a general register: comparing a vector of 64-bit lane numbers with the count took two vector
    /// compares, their operands reloaded from the stack, at every lookup (a mesh scene's path loop has thirty
    /// lookups a bounce).
    private func firstLanes(_ count: LLVMValueRef) -> LLVMValueRef {
        let bits = LLVMBuildSub(builder, LLVMBuildShl(builder, constant(i64, 1), count, "")!, constant(i64, 1), "")!
        return LLVMBuildBitCast(builder, LLVMBuildTrunc(builder, bits, LLVMIntTypeInContext(context, UInt32(width)), "")!,
                                LLVMVectorType(i1, UInt32(width)), "")!
    }

    /// Element `index` of a slot of at most 64 32-bit elements, per lane (AVX-512, W = 16; lanes whose index is 64
    /// or more get unspecified values): the slot as four registers (masked loads: elements past its size read 0),
    /// elements 0-31 and 32-63 each picked by a two-register permute (`vpermi2ps`/`vpermi2d`, which read the index's
    /// low five bits), then one of the two by bit 5. Why: on Zen 4 a 16-lane gather costs several times the
    /// permutes, and the vertex tables of small meshes (the cbox's 64 vertices) are read a dozen times a bounce.
    private func fourTablePermute(slot: Int, type: ScalarType, index: LLVMValueRef) -> LLVMValueRef {
        let resultType = memoryVectorType(type)
        let size = slotSizes[slot]
        let address = LLVMBuildPointerCast(builder, slotBases[slot], pointer(to: resultType), "")!
        var chunks: [LLVMValueRef] = []
        for k in 0..<4 {
            // The lanes of chunk k that hold elements: the first min(max(size - kW, 0), W).
            let remaining = LLVMBuildSub(builder, size, constant(i64, k * width), "")!
            let positive = LLVMBuildICmp(builder, LLVMIntSGT, remaining, constant(i64, 0), "")!
            let atLeastZero = LLVMBuildSelect(builder, positive, remaining, constant(i64, 0), "")!
            let full = LLVMBuildICmp(builder, LLVMIntUGE, atLeastZero, constant(i64, width), "")!
            let present = firstLanes(LLVMBuildSelect(builder, full, constant(i64, width), atLeastZero, "")!)
            let chunkAddress = gep(resultType, address, constant(i64, k))
            chunks.append(intrinsic("llvm.masked.load", [resultType, LLVMTypeOf(chunkAddress)],
                                    [chunkAddress, constant(i32, 4), present, LLVMConstNull(resultType)]))
        }
        let name = type == .float32 ? "llvm.x86.avx512.vpermi2var.ps.512" : "llvm.x86.avx512.vpermi2var.d.512"
        let low = intrinsic(name, [], [chunks[0], index, chunks[1]])
        let high = intrinsic(name, [], [chunks[2], index, chunks[3]])
        let upperHalf = LLVMBuildICmp(builder, LLVMIntNE, LLVMBuildAnd(builder, index, splat(bits: 32, .uint32), "")!,
                                      LLVMConstNull(LLVMTypeOf(index)), "")!
        return LLVMBuildSelect(builder, upperHalf, high, low, "")!
    }

    /// (k, d) when the instruction at `position` computes lane / k + d: the lane index, optionally divided by a
    /// literal k (and converted between Int32 and UInt32), optionally plus or minus a literal d. Such a gather reads consecutive elements (a shifted view,
    /// as a film's neighbouring pixels or the second half of an array; with k > 1, each element for k lanes in a
    /// row, as per-pixel values read by a pixel's samples), so vector loads do it. Where a lane is enabled (its
    /// index in range of a source of at most 2^31 elements), the 32-bit index equals lane / k + d exactly.
    func lanePattern(ofIndex position: Int) -> (divisor: Int, offset: Int64)? {
        guard !refillsLanes else { return nil }
        let index = program.instructions[position]
        func signed(_ literal: KernelInstruction) -> Int64 { Int64(Int32(bitPattern: literal.immediate)) }
        if let k = laneDivisor(index) { return (k, 0) }
        guard index.op == .add || index.op == .sub else { return nil }
        let first = operand(index, 0), second = operand(index, 1)
        if let k = laneDivisor(first), second.op == .literal {
            return (k, index.op == .add ? signed(second) : -signed(second))
        }
        if index.op == .add, first.op == .literal, let k = laneDivisor(second) { return (k, signed(first)) }
        return nil
    }

    /// Operand `i` (0 or 1) of `instruction`.
    private func operand(_ instruction: KernelInstruction, _ i: Int) -> KernelInstruction {
        program.instructions[Int(i == 0 ? instruction.operands.0 : instruction.operands.1)]
    }

    /// k when `instruction` is the lane index (k = 1) or the lane index divided by a positive literal k, possibly
    /// converted between the 32-bit integer types (the same value, as lanes are below 2^31).
    private func laneDivisor(_ instruction: KernelInstruction) -> Int? {
        let integers: Set<ScalarType> = [.int32, .uint32]
        if (instruction.op == .cast || instruction.op == .bitcast) && integers.contains(instruction.type)
            && integers.contains(operand(instruction, 0).type) {
            return laneDivisor(operand(instruction, 0))
        }
        if instruction.op == .laneIndex { return 1 }
        guard instruction.op == .div, operand(instruction, 0).op == .laneIndex,
              operand(instruction, 1).op == .literal else { return nil }
        let k = Int(Int32(bitPattern: operand(instruction, 1).immediate))
        return k > 0 ? k : nil
    }

    /// Whether the index at `position` is the lane index plus a value that is not a literal (x + lane): lanes then
    /// read or write consecutive elements wherever x is the same across the vector, and the next vectors the
    /// elements after them. A PRB replay writes its hit log at depth * lanes + lane and the adjoint pass reads it
    /// there, a loop variable apart for each bounce, so these are streams no `lanePattern` names.
    private func streamsByLane(index position: Int) -> Bool {
        guard !refillsLanes else { return false }
        let index = program.instructions[position]
        guard index.op == .add else { return false }
        let first = operand(index, 0), second = operand(index, 1)
        return (laneDivisor(first) == 1 && second.op != .literal) || (laneDivisor(second) == 1 && first.op != .literal)
    }

    /// For a gather or scatter whose index streams by lane (`streamsByLane`), a prefetch of the element
    /// `streamingPrefetchLanes` past lane 0's: the line the vectors after this one will use at the same x. Why: the
    /// PRB adjoint reads its replay's hit log (7 arrays per bounce, 11 MB for the Cornell box's optimisation, written
    /// by the other pass and out of the caches) with such gathers, and waited on memory at each: the gathers of the
    /// log were about 40% of the adjoint kernel's samples; no hardware prefetcher follows 40 streams a vector apart.
    func prefetchStream(slot: Int, element: LLVMTypeRef, indexPosition: Int, index64: LLVMValueRef, writing: Bool) {
        guard streamsByLane(index: indexPosition) else { return }
        let lane0 = LLVMBuildExtractElement(builder, index64, constant(i32, 0), "")!
        let ahead = LLVMBuildAdd(builder, lane0, constant(i64, Self.streamingPrefetchLanes), "")!
        prefetch(elementAddress(slot: slot, element: element, index: ahead), writing: writing)
    }

    /// How far ahead `prefetchStream` reaches, in lanes (elements).
    static let streamingPrefetchLanes = 64

    /// Lanes i of the vector read slot[(loop index + i) / k + d], 0 where not enabled: k = 1 is one vector load
    /// (`shiftedVectorLoad`); otherwise a masked load of W / k consecutive elements (each where in range), each
    /// repeated for its k lanes.
    private func consecutiveLoad(slot: Int, type: ScalarType, divisor k: Int, offset: Int64,
                                 enabled: LLVMValueRef) -> LLVMValueRef {
        let element = memoryType(type)
        let resultType = memoryVectorType(type)
        let first = patternElement(divisor: k, offset: offset)
        if k == 1 {
            prefetchShifted(slot: slot, offset: offset, element: element)
            return shiftedVectorLoad(slot: slot, type: type, first: first, enabled: enabled)
        }
        let address = elementAddress(slot: slot, element: element, index: first)
        let count = width / k
        let narrowType = LLVMVectorType(element, UInt32(count))!
        let elementIndices = vectorOf(first, count: count, plus: Array(0..<count))
        let inRange = LLVMBuildICmp(builder, LLVMIntULT, elementIndices, vectorOf(slotSizes[slot], count: count), "")!
        let vectorAddress = LLVMBuildPointerCast(builder, address, pointer(to: narrowType), "")!
        let narrow = intrinsic("llvm.masked.load", [narrowType, LLVMTypeOf(vectorAddress)],
                               [vectorAddress, constant(i32, 4), inRange, LLVMConstNull(narrowType)])
        let repeated = LLVMBuildShuffleVector(builder, narrow, LLVMGetPoison(narrowType),
                                              constantVector(i32, (0..<width).map { $0 / k }), "")!
        return LLVMBuildSelect(builder, enabled, repeated, LLVMConstNull(resultType), "")!
    }

    /// loop index / k + d: the element that the vector's first lane reads in a gather at lane / k + d.
    private func patternElement(divisor k: Int, offset: Int64) -> LLVMValueRef {
        LLVMBuildAdd(builder, LLVMBuildUDiv(builder, loopIndex, constant(i64, k), "")!, constant(i64, Int(offset)), "")!
    }

    /// Lanes i of the vector read slot[(loop index + i) / k + d] where k is a multiple of W: as the loop index is a
    /// multiple of W, every lane reads the same element, so one scalar load broadcast to the enabled lanes. Where the
    /// element is out of range, every lane drops what is read from element 0 instead (inside the allocation or its
    /// slack, `StoragePool.slack`, even for an empty slot). Why: per-pixel values read by the samples of a pixel at
    /// spp ≥ W (the film's adjoint reads 75 of them per sample with the gaussian filter) were gathers, which Zen 1
    /// microcodes at tens of cycles each.
    private func broadcastLoad(slot: Int, type: ScalarType, divisor k: Int, offset: Int64,
                               enabled: LLVMValueRef) -> LLVMValueRef {
        let element = memoryType(type)
        let first = patternElement(divisor: k, offset: offset)
        let inRange = LLVMBuildICmp(builder, LLVMIntULT, first, slotSizes[slot], "")!
        let at = LLVMBuildSelect(builder, inRange, first, constant(i64, 0), "")!
        let load = LLVMBuildLoad2(builder, element, elementAddress(slot: slot, element: element, index: at), "")!
        LLVMSetAlignment(load, 1)
        return LLVMBuildSelect(builder, enabled, splat(load), LLVMConstNull(memoryVectorType(type)), "")!
    }

    /// Lanes first ..< first + W of the slot where enabled, 0 elsewhere: one plain load and a select. The vector is
    /// read from `clampedStart`: where some lane is in range, that is `first` itself, and every buffer has 64 bytes
    /// (16 elements, at least W) of readable slack on both sides (`StoragePool.slack`), so the load never leaves its
    /// allocation; lanes outside the slot read that slack and are dropped. Why not a masked load: `vmaskmovps` took
    /// 3.7 times as long as a plain load and a select on Zen 1, and a film's pull makes 125 of them per vector;
    /// a branch around it cost as much again in masks passed between blocks.
    private func shiftedVectorLoad(slot: Int, type: ScalarType, first: LLVMValueRef,
                                   enabled: LLVMValueRef) -> LLVMValueRef {
        let element = memoryType(type)
        let resultType = memoryVectorType(type)
        let start = clampedStart(first, slot: slot)
        let address = LLVMBuildPointerCast(builder, elementAddress(slot: slot, element: element, index: start),
                                           pointer(to: resultType), "")!
        let load = LLVMBuildLoad2(builder, resultType, address, "")!
        LLVMSetAlignment(load, 4)
        return LLVMBuildSelect(builder, enabled, load, LLVMConstNull(resultType), "")!
    }

    /// The start of a W-element load for elements `first` ..< first + W of the slot that stays inside the slot's
    /// allocation and its slack: `first` itself where it lies in −W ... size (one unsigned compare of first + W
    /// against size + W, and a select, per index and vector: only size + W is hoisted out of the loop), −W
    /// elsewhere, where no element is in range and every lane is dropped.
    private func clampedStart(_ first: LLVMValueRef, slot: Int) -> LLVMValueRef {
        let shift = constant(i64, width)
        let inReach = LLVMBuildICmp(builder, LLVMIntULE, LLVMBuildAdd(builder, first, shift, "")!,
                                    LLVMBuildAdd(builder, slotSizes[slot], shift, "")!, "")!
        return LLVMBuildSelect(builder, inReach, first, constant(i64, -width), "")!
    }

    /// llvm.masked.gather of the memory form of `type`, with passthru 0.
    func maskedGather(slot: Int, type: ScalarType, index: LLVMValueRef,
                              enabled: LLVMValueRef) -> LLVMValueRef {
        let addresses = elementAddress(slot: slot, element: memoryType(type), index: index)
        let resultType = memoryVectorType(type)
        return intrinsic("llvm.masked.gather", [resultType, LLVMTypeOf(addresses)],
                         [addresses, constant(i32, 4), enabled, LLVMConstNull(resultType)])
    }

    /// llvm.masked.scatter of the lanes that are enabled, in range and < end. LLVM writes colliding lanes in
    /// lane order, so the last one wins as in the scalar backend.
    func emitScatter(_ instruction: KernelInstruction, index: LLVMValueRef, indexType: ScalarType,
                     value: LLVMValueRef, mask: LLVMValueRef) throws {
        let slot = try slotIndex(instruction)
        let (index64, inRange) = checkedIndex(index, indexType, slot: slot)
        countOutOfRange(mask: mask, inRange: inRange)
        let enabled = LLVMBuildAnd(builder, LLVMBuildAnd(builder, mask, inRange, ""), activeLanes, "")!
        let element = memoryType(instruction.type)
        let stored = toMemory(value, instruction.type)
        prefetchStream(slot: slot, element: element, indexPosition: Int(instruction.operands.0), index64: index64,
                       writing: true)
        // The indices are checked on the lanes the mask asks for, in range or not: the same lanes for every array a
        // PRB replay's hit log writes at one index (their sizes, and so their in-range lanes, are separate values), so
        // LLVM computes the check once for all of them; out-of-range lanes are still not written.
        let requested = LLVMBuildAnd(builder, mask, activeLanes, "")!
        withConsecutiveIndex(index64, checking: requested) { first in
            let address = LLVMBuildPointerCast(builder, elementAddress(slot: slot, element: element, index: first),
                                               pointer(to: LLVMTypeOf(stored)), "")!
            intrinsic("llvm.masked.store", [LLVMTypeOf(stored), LLVMTypeOf(address)],
                      [stored, address, constant(i32, 4), enabled])
        } otherwise: {
            if dwordScatter(slot: slot, type: instruction.type, index: index, indexType: indexType, value: stored,
                            enabled: enabled) { return }
            maskedScatter(slot: slot, element: element, index: index64, value: stored, enabled: enabled)
        }
    }

    /// llvm.masked.scatter of `value` (in memory form) to elements `index` (i64) of `slot`, on the enabled lanes.
    func maskedScatter(slot: Int, element: LLVMTypeRef, index: LLVMValueRef, value: LLVMValueRef,
                       enabled: LLVMValueRef) {
        let addresses = elementAddress(slot: slot, element: element, index: index)
        intrinsic("llvm.masked.scatter", [LLVMTypeOf(value), LLVMTypeOf(addresses)],
                  [value, addresses, constant(i32, 4), enabled])
    }

    /// When the indices of the lanes `checking` are consecutive, lane i at element b + i (a log written at each lane's
    /// own entry), `consecutive(b)` with b as i64, else `otherwise()`; a branch around both. Why: a scatter is a
    /// 16-lane sequence of stores (two 8-lane halves with LLVM 14's 64-bit indices), a masked store one instruction;
    /// with a PRB replay's hit log (7 scatters per bounce) the scatters were a tenth of the path loop's time. The
    /// elements written are the same either way for any lanes among `checking`, and no two lanes collide.
    private func withConsecutiveIndex(_ index64: LLVMValueRef, checking enabled: LLVMValueRef,
                                      _ consecutive: (LLVMValueRef) -> Void, otherwise: () -> Void) {
        let firstLane = firstEnabledLane(enabled)
        let base = LLVMBuildSub(builder, LLVMBuildExtractElement(builder, index64, firstLane, "")!,
                                LLVMBuildZExt(builder, firstLane, i64, "")!, "")!
        let expected = LLVMBuildAdd(builder, splat(base), constantVector(i64, Array(0..<width)), "")!
        let matches = LLVMBuildICmp(builder, LLVMIntEQ, index64, expected, "")!
        branch(on: everyEnabledLane(matches, enabled: enabled), "scatter.consecutive", { consecutive(base) },
               otherwise: otherwise)
    }

    /// An AVX-512 scatter of 16 lanes with 32-bit indices (as `dwordGather` reads), where the host has AVX-512 and
    /// W = 16 (AVX2 has no scatter); false elsewhere, having emitted nothing. Lanes are written in lane order, as
    /// `llvm.masked.scatter`.
    func dwordScatter(slot: Int, type: ScalarType, index: LLVMValueRef, indexType: ScalarType,
                      value: LLVMValueRef, enabled: LLVMValueRef) -> Bool {
        guard dwordLanes == .avx512, let (base, offsets) = dwordAddressing(slot: slot, index: index, indexType: indexType) else { return false }
        let name = type == .float32 ? "llvm.x86.avx512.mask.scatter.dps.512" : "llvm.x86.avx512.mask.scatter.dpi.512"
        intrinsic(name, [], [base, enabled, offsets, value, constant(i32, 4)])
        return true
    }

    /// slot[index] += value for the enabled lanes, in `ScatterAddOrder` (`LLVMCodegen+ScatterAddSums.swift`). A
    /// vector with no enabled lane skips the whole sequence.
    func emitScatterAdd(_ instruction: KernelInstruction, index: LLVMValueRef, indexType: ScalarType,
                        value: LLVMValueRef, mask: LLVMValueRef) throws {
        guard instruction.type != .bool else { throw LLVMBackendError.unsupported("scatterAdd of bool") }
        let target = try scatterAddTarget(instruction, index: index, indexType: indexType, mask: mask)
        let add = appendBlock("scatterAdd"), next = appendBlock("scatterAddNext")
        LLVMBuildCondBr(builder, anyLane(target.enabled), add, next)
        LLVMPositionBuilderAtEnd(builder, add)
        emitChainedScatterAdd(value, instruction.type, to: target)
        LLVMBuildBr(builder, next)
        LLVMPositionBuilderAtEnd(builder, next)
    }

    /// Where a scatter-add writes, per lane.
    struct ScatterAddTarget {
        /// The slot written.
        var slot: Int
        /// The element indices as the program computes them (32-bit lanes), and their type.
        var index32: LLVMValueRef
        var indexType: ScalarType
        /// The same indices widened to 64 bits.
        var index64: LLVMValueRef
        /// The element type in memory.
        var element: LLVMTypeRef
        /// The lanes that are enabled, in range and < end.
        var enabled: LLVMValueRef
    }

    /// Where a scatter-add writes (lanes out of range are counted when bounds are checked).
    func scatterAddTarget(_ instruction: KernelInstruction, index: LLVMValueRef, indexType: ScalarType,
                          mask: LLVMValueRef) throws -> ScatterAddTarget {
        let slot = try slotIndex(instruction)
        let (index64, inRange) = checkedIndex(index, indexType, slot: slot)
        countOutOfRange(mask: mask, inRange: inRange)
        let enabled = LLVMBuildAnd(builder, LLVMBuildAnd(builder, mask, inRange, ""), activeLanes, "")!
        return ScatterAddTarget(slot: slot, index32: index, indexType: indexType, index64: index64,
                                element: memoryType(instruction.type), enabled: enabled)
    }

    /// The W element addresses of `target`, for LLVM's generic gathers and scatters. Only those paths build them:
    /// with AVX-512's 32-bit-index gathers and scatters, two vectors of 64-bit addresses per scatter-add were computed
    /// (widened, shifted, added) and spilled for nothing but the uniform-address test, and a texture's twelve
    /// scatter-adds per bounce held 24 of them across the PRB adjoint's scatter sequence.
    func elementAddresses(of target: ScatterAddTarget) -> LLVMValueRef {
        elementAddress(slot: target.slot, element: target.element, index: target.index64)
    }

    /// The address of the element that lane `lane` (a W-bit integer) of `target` writes: the lane's 32-bit index
    /// widened alone (extracting it from the widened vector kept that vector, spilled, alive).
    func elementAddress(of target: ScatterAddTarget, lane: LLVMValueRef) -> LLVMValueRef {
        let index = LLVMBuildExtractElement(builder, target.index32, lane, "")!
        return elementAddress(slot: target.slot, element: target.element,
                              index: widened(index, target.indexType, to: i64))
    }

    /// When every enabled lane of `target` writes the same element (a pixel's samples reading one texel, a scene
    /// parameter's gradient), `uniform(lane)` with the first enabled lane (whose element that is, see
    /// `elementAddress(of:lane:)`), else `otherwise()`; a branch around both: one load and store instead of a gather
    /// and a scatter, with the same sums. The test compares the 32-bit indices (within one slot, equal indices are
    /// equal elements); `enabled` defaults to the target's.
    func withUniformIndex(_ target: ScatterAddTarget, enabled: LLVMValueRef? = nil, _ uniform: (LLVMValueRef) -> Void,
                          otherwise: () -> Void) {
        let enabled = enabled ?? target.enabled
        // With no enabled lane, lane 0, and the vector takes `otherwise`, which writes nothing for it.
        let first = firstEnabledLane(enabled)
        let same = LLVMBuildICmp(builder, LLVMIntEQ, target.index32,
                                 splat(LLVMBuildExtractElement(builder, target.index32, first, "")!), "")!
        branch(on: everyEnabledLane(same, enabled: enabled), "scatterAdd.uniform", { uniform(first) },
               otherwise: otherwise)
    }

    /// True when some lane of the mask vector is set.
    func anyLane(_ mask: LLVMValueRef) -> LLVMValueRef {
        let bits = LLVMBuildBitCast(builder, mask, LLVMIntTypeInContext(context, UInt32(width)), "")!
        return LLVMBuildICmp(builder, LLVMIntNE, bits, LLVMConstNull(LLVMTypeOf(bits)), "")!
    }

    /// The number of set lanes of a mask vector, as a W-bit integer.
    func laneCount(_ mask: LLVMValueRef) -> LLVMValueRef {
        let laneType = LLVMIntTypeInContext(context, UInt32(width))!
        return intrinsic("llvm.ctpop", [laneType], [LLVMBuildBitCast(builder, mask, laneType, "")!])
    }

    /// The index of the first enabled lane, as a W-bit integer; lane 0 when none is (callers test `anyLane`).
    func firstEnabledLane(_ enabled: LLVMValueRef) -> LLVMValueRef {
        let laneType = LLVMIntTypeInContext(context, UInt32(width))!
        let laneBits = LLVMBuildBitCast(builder, enabled, laneType, "")!
        return LLVMBuildAnd(builder, intrinsic("llvm.cttz", [laneType], [laneBits, LLVMConstInt(i1, 0, 0)]),
                            LLVMConstInt(laneType, UInt64(width - 1), 0), "")!
    }

    /// True when some lane is enabled and `matches` holds on every enabled lane.
    func everyEnabledLane(_ matches: LLVMValueRef, enabled: LLVMValueRef) -> LLVMValueRef {
        let laneType = LLVMIntTypeInContext(context, UInt32(width))!
        let agrees = LLVMBuildOr(builder, matches, LLVMBuildNot(builder, enabled, "")!, "")!
        let agreeBits = LLVMBuildBitCast(builder, agrees, laneType, "")!
        return LLVMBuildAnd(builder, anyLane(enabled),
                            LLVMBuildICmp(builder, LLVMIntEQ, agreeBits, LLVMConstAllOnes(laneType), "")!, "")!
    }

    /// `then()` in a block `name` entered where `condition` holds, `otherwise()` in another, both joining after.
    func branch(on condition: LLVMValueRef, _ name: String, _ then: () -> Void, otherwise: () -> Void) {
        let thenBlock = appendBlock(name), otherBlock = appendBlock(name + ".else"), done = appendBlock(name + ".done")
        LLVMBuildCondBr(builder, condition, thenBlock, otherBlock)
        LLVMPositionBuilderAtEnd(builder, thenBlock)
        then()
        LLVMBuildBr(builder, done)
        LLVMPositionBuilderAtEnd(builder, otherBlock)
        otherwise()
        LLVMBuildBr(builder, done)
        LLVMPositionBuilderAtEnd(builder, done)
    }

    // MARK: - Reductions

    /// acc = select(lane < end, combine(acc, value), acc).
    func emitReducePartial(_ instruction: KernelInstruction, at index: Int, value: LLVMValueRef) throws {
        _ = try slotIndex(instruction)
        guard let kind = ReductionKind(rawValue: instruction.auxiliary), var accumulator = accumulators[index] else {
            throw LLVMBackendError.unsupported("reducePartial kind \(instruction.auxiliary)")
        }
        let combined = combine(kind, instruction.type, accumulator.next, value)
        accumulator.next = LLVMBuildSelect(builder, activeLanes, combined, accumulator.next, "")
        accumulators[index] = accumulator
    }

    /// After the loop: combines each accumulator's lanes in order 0, 1, ... and stores the result to slot[block].
    func finishReductions() {
        for (index, accumulator) in accumulators.sorted(by: { $0.key < $1.key }) {
            let instruction = program.instructions[index]
            let kind = ReductionKind(rawValue: instruction.auxiliary)!
            var result = extract(accumulator.phi, 0)
            for lane in 1..<width { result = combine(kind, instruction.type, result, extract(accumulator.phi, lane)) }
            let address = elementAddress(slot: Int(instruction.immediate), element: memoryType(instruction.type),
                                         index: blockArgument)
            LLVMSetAlignment(LLVMBuildStore(builder, toMemory(result, instruction.type), address), 4)
        }
    }

    /// Lane l combines source[l*k + j] for j = 0 ..< k in order, skipping elements past the slot's end.
    /// An inner loop over j (the optimiser unrolls it when k is small).
    func emitBlockReduction(_ instruction: KernelInstruction) throws -> LLVMValueRef {
        let slot = try slotIndex(instruction), type = instruction.type
        let kind: ReductionKind = instruction.op == .blockSum ? .sum : (instruction.op == .blockMin ? .min : .max)
        let first = LLVMBuildMul(builder, laneNumbers, splatConstant(constant(i64, Int(instruction.auxiliary))), "")!
        let preheader = LLVMGetInsertBlock(builder)!
        let header = LLVMAppendBasicBlockInContext(context, function, "block.loop")!
        let body = LLVMAppendBasicBlockInContext(context, function, "block.body")!
        let exit = LLVMAppendBasicBlockInContext(context, function, "block.exit")!
        LLVMBuildBr(builder, header)

        LLVMPositionBuilderAtEnd(builder, header)
        let j = LLVMBuildPhi(builder, i64, "j")!, result = LLVMBuildPhi(builder, vectorType(type), "r")!
        addIncoming(j, constant(i64, 0), from: preheader)
        addIncoming(result, identity(kind, type), from: preheader)
        let more = LLVMBuildICmp(builder, LLVMIntULT, j, constant(i64, Int(instruction.auxiliary)), "")
        LLVMBuildCondBr(builder, more, body, exit)

        LLVMPositionBuilderAtEnd(builder, body)
        let elementIndex = LLVMBuildAdd(builder, first, splat(j), "")!
        let inRange = LLVMBuildICmp(builder, LLVMIntULT, elementIndex, splat(slotSizes[slot]), "")!
        let element = toRegister(maskedGather(slot: slot, type: type, index: elementIndex, enabled: inRange), type)
        let updated = LLVMBuildSelect(builder, inRange, combine(kind, type, result, element), result, "")!
        addIncoming(j, LLVMBuildAdd(builder, j, constant(i64, 1), ""), from: body)
        addIncoming(result, updated, from: body)
        LLVMBuildBr(builder, header)

        LLVMPositionBuilderAtEnd(builder, exit)
        return result
    }

    /// Lane l adds source[l*k + j] for j = 0 ..< k as `blockTreeSum`'s binary tree, elements past the slot's end
    /// +0: k masked gathers (k is at most `TracedArray.maximumTreeBlock`), then the tree's additions.
    func emitBlockTreeReduction(_ instruction: KernelInstruction) throws -> LLVMValueRef {
        let slot = try slotIndex(instruction), type = instruction.type, length = Int(instruction.auxiliary)
        let first = LLVMBuildMul(builder, laneNumbers, splatConstant(constant(i64, length)), "")!
        let leaves = (0..<length).map { j -> LLVMValueRef in
            let elementIndex = LLVMBuildAdd(builder, first, splatConstant(constant(i64, j)), "")!
            let inRange = LLVMBuildICmp(builder, LLVMIntULT, elementIndex, splat(slotSizes[slot]), "")!
            return toRegister(maskedGather(slot: slot, type: type, index: elementIndex, enabled: inRange), type)
        }
        return treeSum(leaves, type)
    }

    /// The values added pairwise, level by level: ((v0 + v1) + (v2 + v3)) + ... (a power-of-two count).
    func treeSum(_ values: [LLVMValueRef], _ type: ScalarType) -> LLVMValueRef {
        var level = values
        while level.count > 1 {
            level = stride(from: 0, to: level.count, by: 2).map { combine(.sum, type, level[$0], level[$0 + 1]) }
        }
        return level[0]
    }

    /// `ScalarSemantics.combine` on registers (vectors or scalars): fadd/minNum/maxNum for f32, add/min/max
    /// for integers (signed for int32), or/and/or for masks.
    func combine(_ kind: ReductionKind, _ type: ScalarType, _ a: LLVMValueRef, _ b: LLVMValueRef) -> LLVMValueRef {
        switch (kind, type) {
        case (.min, .bool): LLVMBuildAnd(builder, a, b, "")
        case (_, .bool): LLVMBuildOr(builder, a, b, "")
        case (.sum, .float32): LLVMBuildFAdd(builder, a, b, "")
        case (.sum, _): LLVMBuildAdd(builder, a, b, "")
        case (.min, .float32): floatMin(a, b)
        case (.max, .float32): floatMax(a, b)
        case (.min, _): integerMinMax(a, b, predicate: type == .int32 ? LLVMIntSLT : LLVMIntULT)
        case (.max, _): integerMinMax(a, b, predicate: type == .int32 ? LLVMIntSGT : LLVMIntUGT)
        }
    }

    // MARK: - Bounds counting

    /// Adds the lanes that are enabled, < end and out of range to the running count (when counting).
    func countOutOfRange(mask: LLVMValueRef, inRange: LLVMValueRef) {
        guard let count = outOfRangeCount else { return }
        let outside = LLVMBuildAnd(builder, LLVMBuildAnd(builder, mask, activeLanes, ""),
                                   LLVMBuildNot(builder, inRange, ""), "")!
        outOfRangeCount = LLVMBuildAdd(builder, count, LLVMBuildZExt(builder, laneCount(outside), i64, ""), "")
    }

    /// After the loop: adds the launch's count to the u64 bounds counter, atomically, when it is not zero.
    func flushOutOfRangeCount() {
        guard let total = outOfRangePhi, let slot = boundsCounterSlot else { return }
        let add = LLVMAppendBasicBlockInContext(context, function, "count")!
        let done = LLVMAppendBasicBlockInContext(context, function, "done")!
        LLVMBuildCondBr(builder, LLVMBuildICmp(builder, LLVMIntNE, total, constant(i64, 0), ""), add, done)
        LLVMPositionBuilderAtEnd(builder, add)
        let counter = LLVMBuildPointerCast(builder, slotBases[slot], pointer(to: i64), "")
        LLVMBuildAtomicRMW(builder, LLVMAtomicRMWBinOpAdd, counter, total, LLVMAtomicOrderingMonotonic, 0)
        LLVMBuildBr(builder, done)
        LLVMPositionBuilderAtEnd(builder, done)
    }
}
