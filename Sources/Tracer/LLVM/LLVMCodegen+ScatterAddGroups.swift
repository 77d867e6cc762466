// Scatter-adds of neighbouring elements (an RGB texel's three channels) chained once for all of them.
//
// The adjoint of `x.gather(base)`, `x.gather(base + 1)`, `x.gather(base + 2)` is three scatter-adds whose lanes
// collide exactly alike: lanes share an element of one member where they share it in every member. When consecutive
// scatter-adds into one slot write base + 0, ..., base + n-1 under one mask, the lanes are chained by element once
// (`previousLaneWithSameIndex`, a conflict detection) and the n members' sums run through the same permutes; each
// member then updates its elements as alone, in program order, so the result is each member's own, bit for bit.
// Vectors where some lane is enabled or in range for only some members take the members one by one.
import CLLVM

/// Which scatter-add instructions of a program are emitted together (see the file comment).
struct ScatterAddGroups {
    /// The members of each group, by offset from the base, keyed by the member that comes last in the program.
    private(set) var groups: [Int: [Int]] = [:]
    /// Members emitted with the last member of their group.
    private(set) var deferred: Set<Int> = []

    /// The groups of `program`: runs of 2 to 4 float scatter-adds that are consecutive among those into their
    /// slot, share the mask, lie in the same symbolic loop body or dispatch case (or outside any) and write base + 0, ..., base + n-1
    /// (in any order).
    init(_ program: KernelProgram) {
        let instructions = program.instructions
        // The innermost body around each instruction (its `loop` or `dispatchCase` position, -1 outside any).
        let enclosingLoop = program.enclosingBodies().map { $0.last ?? -1 }
        var bySlot: [UInt32: [Int]] = [:]
        for (index, instruction) in instructions.enumerated()
        where instruction.op == .scatterAdd && instruction.type == .float32 {
            bySlot[instruction.immediate, default: []].append(index)
        }
        for members in bySlot.values {
            var start = 0
            while start < members.count {
                let first = instructions[members[start]]
                let base = Self.baseAndOffset(of: Int(first.operands.0), in: instructions).base
                var byOffset: [Int: Int] = [:]
                var end = start
                while end < members.count, end - start < 4 {
                    let member = instructions[members[end]]
                    let (memberBase, offset) = Self.baseAndOffset(of: Int(member.operands.0), in: instructions)
                    guard memberBase == base, member.operands.2 == first.operands.2, byOffset[offset] == nil,
                          enclosingLoop[members[end]] == enclosingLoop[members[start]] else { break }
                    byOffset[offset] = members[end]
                    end += 1
                }
                let count = end - start
                if count >= 2, (0..<count).allSatisfy({ byOffset[$0] != nil }) {
                    groups[members[end - 1]] = (0..<count).map { byOffset[$0]! }
                    deferred.formUnion(members[start..<end - 1])
                    start = end
                } else {
                    start += 1
                }
            }
        }
    }

    /// An index instruction as base + k: `add(base, literal k)` for k in 1...3, else the instruction itself + 0,
    /// looking through bitcasts between int32 and uint32 (same bits, and the same sums modulo 2^32).
    private static func baseAndOffset(of index: Int, in instructions: [KernelInstruction]) -> (base: Int, offset: Int) {
        func integerSource(_ index: Int) -> Int {
            let instruction = instructions[index]
            guard instruction.op == .bitcast, instruction.type != .float32,
                  instructions[Int(instruction.operands.0)].type != .float32 else { return index }
            return Int(instruction.operands.0)
        }
        let sum = integerSource(index)
        let instruction = instructions[sum]
        guard instruction.op == .add, instruction.type != .float32 else { return (sum, 0) }
        let a = Int(instruction.operands.0), b = Int(instruction.operands.1)
        for (base, literal) in [(a, b), (b, a)] where instructions[literal].op == .literal {
            let k = Int(Int32(bitPattern: instructions[literal].immediate))
            if (1...3).contains(k) { return (integerSource(base), k) }
        }
        return (sum, 0)
    }
}

extension LLVMCodegen {
    /// Emits a group of scatter-adds (`members` by offset) at the place of its last member.
    func emitScatterAddGroup(_ members: [Int]) throws {
        let targets = try members.map { member in
            let instruction = program.instructions[member]
            let indexInstruction = Int(instruction.operands.0)
            return try scatterAddTarget(instruction, index: values[indexInstruction]!,
                                        indexType: program.instructions[indexInstruction].type,
                                        mask: values[Int(instruction.operands.2)]!)
        }
        let addends = members.map { values[Int(program.instructions[$0].operands.1)]! }
        let inProgramOrder = members.indices.sorted { members[$0] < members[$1] }
        let any = targets.dropFirst().reduce(targets[0].enabled) { LLVMBuildOr(builder, $0, $1.enabled, "")! }
        let all = targets.dropFirst().reduce(targets[0].enabled) { LLVMBuildAnd(builder, $0, $1.enabled, "")! }
        // Lanes that are enabled for some member but not for all.
        let irregular = LLVMBuildAnd(builder, any, LLVMBuildNot(builder, all, ""), "")!

        let check = appendBlock("scatterAddGroup"), together = appendBlock("scatterAddGroup.together")
        let oneByOne = appendBlock("scatterAddGroup.members"), next = appendBlock("scatterAddGroup.next")
        LLVMBuildCondBr(builder, anyLane(any), check, next)
        LLVMPositionBuilderAtEnd(builder, check)
        LLVMBuildCondBr(builder, anyLane(irregular), oneByOne, together)

        LLVMPositionBuilderAtEnd(builder, together)
        withUniformIndex(targets[0], enabled: all) { first in
            for position in inProgramOrder {
                addToElement(elementAddress(of: targets[position], lane: first),
                             uniformChainSum(addends[position], .float32, enabled: all), .float32)
            }
        } otherwise: {
            let previous = previousLaneWithSameIndex(targets[0].index32, enabled: all)
            let sums = sumsAlongChains(addends, type: .float32, previous: previous)
            for position in inProgramOrder { addChainSums(sums[position], .float32, to: targets[position]) }
        }
        LLVMBuildBr(builder, next)

        LLVMPositionBuilderAtEnd(builder, oneByOne)
        for position in inProgramOrder { emitChainedScatterAdd(addends[position], .float32, to: targets[position]) }
        LLVMBuildBr(builder, next)
        LLVMPositionBuilderAtEnd(builder, next)
    }
}
