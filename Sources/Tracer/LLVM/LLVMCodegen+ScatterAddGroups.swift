// Scatter-adds of neighbouring elements (an RGB texel's three channels) as one read-modify-write per lane.
//
// Both backends add a vector's scatter-adds instruction by instruction, each for the vector's lanes in order (the
// scalar backend holds them until the end of each vector of W lanes), so they agree bit for bit. The adjoint of
// `x.gather(base)`, `x.gather(base + 1)`, `x.gather(base + 2)` is three scatter-adds, and each costs a scalar
// load, add and store per lane. When consecutive scatter-adds into one slot write base + 0, ..., base + n-1 under
// one mask, a lane's n values are added with one masked vector load, add and store instead. That keeps the order:
// with every enabled lane's base a multiple of n, two lanes' runs of elements are either the same run or
// disjoint, so every element still receives one member's values, lanes in order. Vectors where that does not hold
// (a lane with only some members enabled or in range, or an unaligned base) take the per-member sequences.
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
        let count = members.count
        let targets = try members.map { member in
            let instruction = program.instructions[member]
            let indexInstruction = Int(instruction.operands.0)
            return try scatterAddTarget(instruction, index: values[indexInstruction]!,
                                        indexType: program.instructions[indexInstruction].type,
                                        mask: values[Int(instruction.operands.2)]!)
        }
        let addends = members.map { values[Int(program.instructions[$0].operands.1)]! }
        let any = targets.dropFirst().reduce(targets[0].enabled) { LLVMBuildOr(builder, $0, $1.enabled, "")! }
        let all = targets.dropFirst().reduce(targets[0].enabled) { LLVMBuildAnd(builder, $0, $1.enabled, "")! }
        let remainder = LLVMBuildURem(builder, targets[0].index, splatConstant(constant(i64, count)), "")!
        let aligned = LLVMBuildICmp(builder, LLVMIntEQ, remainder, LLVMConstNull(LLVMTypeOf(remainder)), "")!
        let whole = LLVMBuildAnd(builder, all, aligned, "")!
        // Lanes that are enabled for some member but cannot take the vector form.
        let irregular = LLVMBuildAnd(builder, any, LLVMBuildNot(builder, whole, ""), "")!

        let check = appendBlock("scatterAddGroup"), vectorForm = appendBlock("scatterAddGroup.vector")
        let perMember = appendBlock("scatterAddGroup.members"), next = appendBlock("scatterAddGroup.next")
        LLVMBuildCondBr(builder, anyLane(any), check, next)
        LLVMPositionBuilderAtEnd(builder, check)
        LLVMBuildCondBr(builder, anyLane(irregular), perMember, vectorForm)

        LLVMPositionBuilderAtEnd(builder, vectorForm)
        emitGroupedLanes(addends, addresses: targets[0].addresses, enabled: whole)
        LLVMBuildBr(builder, next)

        LLVMPositionBuilderAtEnd(builder, perMember)
        for position in members.indices.sorted(by: { members[$0] < members[$1] }) {
            emitScatterAddLanes(.float32, targets[position], value: addends[position])
        }
        LLVMBuildBr(builder, next)
        LLVMPositionBuilderAtEnd(builder, next)
    }

    /// Lane by lane: the n addends of the lane (as one vector of 4, zeros past n) added to the n floats at its
    /// address with a masked load and store; disabled lanes use a stack scratch quad.
    private func emitGroupedLanes(_ addends: [LLVMValueRef], addresses: LLVMValueRef, enabled: LLVMValueRef) {
        let quadType = LLVMVectorType(f32, 4)!
        let zero = LLVMConstNull(vectorType(.float32))!
        let padded = addends + Array(repeating: zero, count: 4 - addends.count)
        // Element 4j + k of the interleaved vector is addend k of lane j.
        let low = LLVMBuildShuffleVector(builder, padded[0], padded[1], constantVector(i32, Array(0..<2 * width)), "")!
        let high = LLVMBuildShuffleVector(builder, padded[2], padded[3], constantVector(i32, Array(0..<2 * width)), "")!
        let interleaved = LLVMBuildShuffleVector(
            builder, low, high, constantVector(i32, (0..<width).flatMap { j in (0..<4).map { k in k * width + j } }), "")!
        let mask = constantVector(i1, (0..<4).map { $0 < addends.count ? 1 : 0 })
        func quad(_ lane: Int) -> LLVMValueRef {
            LLVMBuildShuffleVector(builder, interleaved, LLVMGetPoison(LLVMTypeOf(interleaved)),
                                   constantVector(i32, (0..<4).map { 4 * lane + $0 }), "")!
        }
        withUniformAddress(addresses, enabled: enabled) { address in
            // Every enabled lane writes the same run: its sums in a register between one load and one store.
            let quadAddress = LLVMBuildPointerCast(builder, address, pointer(to: quadType), "")!
            var sum = intrinsic("llvm.masked.load", [quadType, LLVMTypeOf(quadAddress)],
                                [quadAddress, constant(i32, 4), mask, LLVMConstNull(quadType)])
            for lane in 0..<width {
                sum = LLVMBuildSelect(builder, extract(enabled, lane), LLVMBuildFAdd(builder, sum, quad(lane), "")!,
                                      sum, "")!
            }
            intrinsic("llvm.masked.store", [quadType, LLVMTypeOf(quadAddress)], [sum, quadAddress, constant(i32, 4), mask])
        } otherwise: {
            emitGroupedEachLane(interleaved: interleaved, quad: quad, addresses: addresses, enabled: enabled,
                                mask: mask)
        }
    }

    /// Lane by lane through memory (a disabled lane uses the stack scratch quad).
    private func emitGroupedEachLane(interleaved: LLVMValueRef, quad: (Int) -> LLVMValueRef, addresses: LLVMValueRef,
                                     enabled: LLVMValueRef, mask: LLVMValueRef) {
        let quadType = LLVMVectorType(f32, 4)!
        let scratch = LLVMBuildPointerCast(builder, quadScratch!, pointer(to: f32), "")!
        for lane in 0..<width {
            let address = LLVMBuildSelect(builder, extract(enabled, lane), extract(addresses, lane), scratch, "")!
            let quadAddress = LLVMBuildPointerCast(builder, address, pointer(to: quadType), "")!
            let old = intrinsic("llvm.masked.load", [quadType, LLVMTypeOf(quadAddress)],
                                [quadAddress, constant(i32, 4), mask, LLVMConstNull(quadType)])
            let new = LLVMBuildFAdd(builder, old, quad(lane), "")!
            intrinsic("llvm.masked.store", [quadType, LLVMTypeOf(quadAddress)],
                      [new, quadAddress, constant(i32, 4), mask])
        }
    }
}
