// Gathers of one element under different masks (a texture read by a BSDF's eval and its sample) as one gather.
//
// A path loop evaluates, sample and pdf of one BSDF at one hit, each under its own mask, and each reads the same
// texels: the same source and index under masks that differ. When nothing in the launch writes the source
// (`KernelInstruction.readOnlySource`), those reads agree on every lane that both enable, so one gather under the
// union of the masks serves them all, and each keeps its own result by zeroing the lanes its mask leaves off (a
// gather reads 0 there). The values, and the out-of-range counts (counted per member, under its own mask), are
// exactly those of separate gathers; only the number of gather instructions changes.
import CLLVM

/// Which gathers of a program are served by an earlier one (see the file comment).
struct GatherMerging {
    /// For each leading gather, the masks (instruction positions) of every member, itself included.
    private(set) var unionMasks: [Int: [Int]] = [:]
    /// For each later member, the leading gather that loads for it.
    private(set) var leaders: [Int: Int] = [:]

    /// The groups of `program`: read-only gathers of one slot, type and index instruction. A later gather joins the
    /// first of its group when the first one's value reaches it (the first sits in the same symbolic loop body or
    /// dispatch case, or in one around it) and its mask is ready there: computed before it and visible, or a leaf.
    init(_ program: KernelProgram) {
        let instructions = program.instructions
        // Each instruction's chain of open bodies (loop bodies and dispatch cases), outermost first.
        let chains = program.enclosingBodies()
        struct Key: Hashable { let slot: UInt32, type: ScalarType, index: Int32 }
        var firsts: [Key: Int] = [:]
        for (position, instruction) in instructions.enumerated()
        where instruction.op == .gather && instruction.auxiliary & KernelInstruction.readOnlySource != 0 {
            let key = Key(slot: instruction.immediate, type: instruction.type, index: instruction.operands.0)
            guard let first = firsts[key] else {
                firsts[key] = position
                continue
            }
            let mask = Int(instruction.operands.1)
            let leaderChain = chains[first]
            // The first gather dominates this one, and this one's mask is there when the first runs: computed
            // before it, in its body or one around it, or a leaf (an input mask, loaded where it is first used)
            // that can be read there as well.
            let maskReady = mask < first ? leaderChain.starts(with: chains[mask]) : Self.isLeaf(instructions[mask].op)
            guard chains[position].starts(with: leaderChain), maskReady else { continue }
            leaders[position] = first
            unionMasks[first, default: [Int(instructions[first].operands.1)]].append(mask)
        }
    }

    /// Ops with no operands and no effects, which give the same value wherever they are emitted.
    static func isLeaf(_ op: Op) -> Bool {
        [.literal, .load, .loadScalar, .laneIndex].contains(op)
    }
}

extension LLVMCodegen {
    /// Emits a gather that may load for later members of its group (`GatherMerging`), or takes a member's value
    /// from its group's load.
    func emitMergedGather(_ instruction: KernelInstruction, at position: Int, index: LLVMValueRef,
                          indexType: ScalarType, mask: LLVMValueRef) throws -> LLVMValueRef {
        // In a refilling kernel the prologue, loop and epilogue are blocks that do not dominate one another.
        if refillsLanes { return try emitGather(instruction, index: index, indexType: indexType, mask: mask) }
        if let leader = gatherMerging.leaders[position], let loaded = mergedGatherLoads[leader] {
            let (_, inRange) = checkedIndex(index, indexType, slot: try slotIndex(instruction))
            countOutOfRange(mask: mask, inRange: inRange)
            return keepLanes(loaded, mask: mask)
        }
        guard let masks = gatherMerging.unionMasks[position] else {
            return try emitGather(instruction, index: index, indexType: indexType, mask: mask)
        }
        let distinct = Array(Set(masks)).sorted()
        // A leaf mask that comes later in the program is emitted here too (again at its place; LLVM keeps one).
        for mask in distinct where values[mask] == nil { try emit(instructionAt: mask) }
        let union = distinct.dropFirst().reduce(values[distinct[0]]!) { LLVMBuildOr(builder, $0, values[$1]!, "")! }
        let loaded = try emitGather(instruction, index: index, indexType: indexType, mask: union, countedMask: mask)
        mergedGatherLoads[position] = loaded
        return distinct.count == 1 ? loaded : keepLanes(loaded, mask: mask)
    }

    /// The value on the lanes of `mask`, 0 elsewhere (what a gather under that mask reads).
    private func keepLanes(_ value: LLVMValueRef, mask: LLVMValueRef) -> LLVMValueRef {
        LLVMBuildSelect(builder, mask, value, LLVMConstNull(LLVMTypeOf(value)), "")
    }
}
