// The scalar backend: runs a kernel program one lane at a time in plain Swift. The reference for the LLVM backend.

/// A kernel program interpreted lane by lane. Slow, simple, and the oracle of the differential tests.
package final class ScalarKernel: CompiledKernel, @unchecked Sendable {
    package let program: KernelProgram
    /// False: the scalar backend runs lane by lane (`KernelProgram.refillsLoopLanes` does not apply).
    package var refillsLanes: Bool { false }
    /// Set when the program is a matrix product that runs a kernel of its own.
    let matrixProduct: KernelMatrixProduct?

    package init(program: KernelProgram) {
        self.program = program
        matrixProduct = KernelMatrixProduct.standalone(program)
    }

    package func run(start: Int, end: Int, block: Int,
                    pointers: UnsafePointer<UnsafeMutableRawPointer?>, sizes: UnsafePointer<Int64>) {
        if let matrixProduct {
            return runMatrixProduct(matrixProduct, start: start, end: end, pointers: pointers)
        }
        let instructions = program.instructions
        let width = program.vectorWidth
        var registers = [UInt32](repeating: 0, count: instructions.count)
        // Reduction accumulators: one array of `width` interleaved partial values per reducePartial instruction.
        var accumulators: [Int: [UInt32]] = [:]
        for (index, instruction) in instructions.enumerated() where instruction.op == .reducePartial {
            let kind = ReductionKind(rawValue: instruction.auxiliary)!
            accumulators[index] = [UInt32](repeating: ScalarSemantics.identity(of: kind, type: instruction.type),
                                           count: width)
        }
        // Riding products' accumulators: `width` interleaved lanes per row of A, per instruction.
        var ridingSums: [Int: [Float]] = [:]
        for (index, instruction) in instructions.enumerated() where instruction.op == .matrixProduct {
            let entry = program.matrixProducts[Int(instruction.immediate)]
            if entry.strategy == .riding { ridingSums[index] = [Float](repeating: 0, count: entry.product.m * width) }
        }
        // The lanes so far of the current block of each tree-ordered `blockAccumulate`.
        var treeBlocks: [Int: [UInt32]] = [:]
        var outOfRange: UInt64 = 0
        // Scatter-adds of the current vector of `width` lanes, one list per scatter-add instruction: the vector code
        // adds them instruction by instruction, each in `ScatterAddOrder`, so they are applied at the vector's end
        // that way.
        let scatterAdds = instructions.indices.filter { instructions[$0].op == .scatterAdd }
        var pendingPosition = [Int](repeating: -1, count: instructions.count)
        for (position, instruction) in scatterAdds.enumerated() { pendingPosition[instruction] = position }
        var pendingAdds = [[(target: UnsafeMutablePointer<UInt32>, value: UInt32)]](repeating: [], count: scatterAdds.count)
        // With symbolic loops, the vector code runs an instruction once per iteration: see `LoopScatterAdds`.
        // A dispatch counts as a loop whose iterations are its cases, run in increasing order (see `LoopScatterAdds`).
        let hasLoops = instructions.contains { $0.op == .loop || $0.op == .dispatch }
        // Each dispatch's cases by number (cases lowered with another case have none: no lane selects them).
        var casePositions: [Int: [UInt32: Int]] = [:]
        for (index, instruction) in instructions.enumerated() where instruction.op == .dispatchCase {
            casePositions[Int(instruction.immediate), default: [:]][instruction.auxiliary] = index
        }
        var loopAdds = LoopScatterAdds()
        var openLoops: [(start: Int, iteration: Int)] = []
        func applyPendingAdds() {
            loopAdds.apply()
            for (position, instruction) in scatterAdds.enumerated() {
                ScatterAddOrder.apply(pendingAdds[position], type: instructions[instruction].type)
                pendingAdds[position].removeAll(keepingCapacity: true)
            }
        }

        func element(_ slot: UInt32, _ offset: Int) -> UnsafeMutablePointer<UInt32> {
            pointers[Int(slot)]!.assumingMemoryBound(to: UInt32.self) + offset
        }
        /// The index as a signed 64-bit value (uint32 indices are zero-extended), or nil when out of range.
        func checkedIndex(_ bits: UInt32, _ type: ScalarType, _ slot: UInt32) -> Int? {
            let index = type == .int32 ? Int(Int32(bitPattern: bits)) : Int(bits)
            return index >= 0 && index < Int(sizes[Int(slot)]) ? index : nil
        }

        for lane in start..<end {
            var index = 0
            while index < instructions.count {
                let instruction = instructions[index]
                defer { index += 1 }
                let ops = instruction.operands
                let a = ops.0 >= 0 ? registers[Int(ops.0)] : 0
                let b = ops.1 >= 0 ? registers[Int(ops.1)] : 0
                let c = ops.2 >= 0 ? registers[Int(ops.2)] : 0
                switch instruction.op {
                case .literal:
                    registers[index] = instruction.immediate
                case .laneIndex:
                    registers[index] = UInt32(truncatingIfNeeded: lane)
                case .load:
                    registers[index] = element(instruction.immediate, lane).pointee
                case .loadScalar:
                    registers[index] = element(instruction.immediate, 0).pointee
                case .gather:
                    let indexType = instructions[Int(ops.0)].type
                    if b != 0 {
                        if let i = checkedIndex(a, indexType, instruction.immediate) {
                            registers[index] = element(instruction.immediate, i).pointee
                        } else {
                            registers[index] = 0
                            outOfRange += 1
                        }
                    } else {
                        registers[index] = 0
                    }
                case .store:
                    element(instruction.immediate, lane).pointee = a
                case .scatter, .scatterAdd:
                    guard c != 0 else { break }
                    let indexType = instructions[Int(ops.0)].type
                    guard let i = checkedIndex(a, indexType, instruction.immediate) else {
                        outOfRange += 1
                        break
                    }
                    let target = element(instruction.immediate, i)
                    if instruction.op == .scatter {
                        target.pointee = b
                    } else if hasLoops {
                        loopAdds.append(target, b, type: instruction.type, lane: lane, instruction: index,
                                        openLoops: openLoops)
                    } else {
                        pendingAdds[pendingPosition[index]].append((target, b))
                    }
                case .reducePartial:
                    let kind = ReductionKind(rawValue: instruction.auxiliary)!
                    let slot = (lane - start) % width
                    accumulators[index]![slot] = ScalarSemantics.combine(
                        kind, type: instruction.type, accumulators[index]![slot], a)
                case .blockAccumulate where instruction.blockAccumulatesTree:
                    // The block's lanes are kept until its last one (or the launch's last), then added as a tree.
                    let length = instruction.blockAccumulateLength
                    treeBlocks[index, default: []].append(a)
                    if lane % length == length - 1 || lane == end - 1 {
                        element(instruction.immediate, lane / length).pointee =
                            Self.treeSum(treeBlocks[index]!, length: length, type: instruction.type)
                        treeBlocks[index] = []
                    }
                case .blockAccumulate:
                    let length = instruction.blockAccumulateLength, kind = instruction.blockAccumulateKind!
                    let target = element(instruction.immediate, lane / length)
                    // Blocks shorter than the vector width that divide it start from the identity at their first
                    // lane: their output buffer is not filled beforehand (see `KernelBuilder.addBlockReduction`).
                    let start = length < width && width % length == 0 && lane % length == 0
                        ? ScalarSemantics.identity(of: kind, type: instruction.type) : target.pointee
                    target.pointee = ScalarSemantics.combine(kind, type: instruction.type, start, a)
                case .matrixProduct:
                    let entry = program.matrixProducts[Int(instruction.immediate)]
                    if entry.strategy == .riding {
                        Self.ridingProduct(entry, lane: lane, value: Float(bitPattern: a), width: width,
                                           pointers: pointers, sums: &ridingSums[index]!)
                    } else {
                        registers[index] = Self.productLane(entry, lane: lane, pointers: pointers).bitPattern
                    }
                case .blockTreeSum:
                    let length = Int(instruction.auxiliary)
                    let size = Int(sizes[Int(instruction.immediate)])
                    let values = (lane * length..<Swift.min(size, lane * length + length)).map {
                        element(instruction.immediate, $0).pointee
                    }
                    registers[index] = Self.treeSum(values, length: length, type: instruction.type)
                case .blockSum, .blockMin, .blockMax:
                    let kind: ReductionKind = instruction.op == .blockSum ? .sum : (instruction.op == .blockMin ? .min : .max)
                    let length = Int(instruction.auxiliary)
                    let size = Int(sizes[Int(instruction.immediate)])
                    var result = ScalarSemantics.identity(of: kind, type: instruction.type)
                    for j in 0..<length where lane * length + j < size {
                        result = ScalarSemantics.combine(kind, type: instruction.type, result,
                                                         element(instruction.immediate, lane * length + j).pointee)
                    }
                    registers[index] = result
                case .loop:
                    openLoops.append((index, 0))
                case .loopVariable, .loopUpdate:
                    // The initial value; an update waits in its own register until `loopEnd`.
                    registers[index] = instruction.op == .loopVariable ? a : b
                case .loopCondition:
                    if a == 0 {
                        openLoops.removeLast()
                        index = Int(instruction.immediate)  // then past the `loopEnd`
                    }
                case .loopEnd:
                    let start = Int(instruction.immediate), count = Int(instructions[start].auxiliary)
                    for update in (index - count)..<index { registers[Int(instructions[update].operands.0)] = registers[update] }
                    openLoops[openLoops.count - 1].iteration += 1
                    index = start + count  // then the condition
                case .dispatch:
                    let end = Int(instruction.immediate), results = Int(instructions[end].auxiliary)
                    for position in 0..<results { registers[end + 1 + position] = 0 }
                    if b != 0 && a < instruction.auxiliary, let position = casePositions[index]?[a] {
                        openLoops.append((index, Int(a)))
                        index = position  // then the case's first instruction
                    } else {
                        index = end  // then the results, which stay 0
                    }
                case .dispatchCase:
                    // Reached in sequence: the case before it is over.
                    openLoops.removeLast()
                    index = Int(instructions[Int(instruction.immediate)].immediate)
                case .dispatchEnd:
                    openLoops.removeLast()
                case .caseResult:
                    registers[Int(instruction.immediate) + 1 + Int(instruction.auxiliary)] = a
                case .dispatchResult, .callResult:
                    break  // set by the case or the call
                case .callArgument:
                    registers[index] = a
                case .nativeCall:
                    Self.callNative(instruction, at: index, active: a != 0, registers: &registers, width: width,
                                    pointers: pointers)
                default:
                    let operandType = ops.0 >= 0 ? instructions[Int(ops.0)].type : instruction.type
                    let valueType = instruction.op == .select ? instruction.type : operandType
                    registers[index] = ScalarSemantics.apply(
                        instruction.op, type: instruction.type, operandType: valueType, a, b, c)
                }
            }
            if (lane - start + 1) % width == 0 || lane == end - 1 { applyPendingAdds() }
        }

        for (index, instruction) in instructions.enumerated() where instruction.op == .reducePartial {
            let kind = ReductionKind(rawValue: instruction.auxiliary)!
            var result = accumulators[index]![0]
            for slot in 1..<width {
                result = ScalarSemantics.combine(kind, type: instruction.type, result, accumulators[index]![slot])
            }
            element(instruction.immediate, block).pointee = result
        }
        if program.countsOutOfRange, outOfRange > 0,
           let counter = program.slots.firstIndex(where: { $0.role == .boundsCounter }) {
            pointers[counter]!.assumingMemoryBound(to: UInt64.self).pointee += outOfRange
        }
    }
}

extension ScalarKernel {
    /// `blockTreeSum`'s binary tree over `length` (a power of two) values, the missing ones (past the end) +0:
    /// each node is its first half's sum plus its second half's.
    static func treeSum(_ values: [UInt32], length: Int, type: ScalarType) -> UInt32 {
        var level = values + [UInt32](repeating: 0, count: length - values.count)
        while level.count > 1 {
            level = stride(from: 0, to: level.count, by: 2).map {
                ScalarSemantics.combine(.sum, type: type, level[$0], level[$0 + 1])
            }
        }
        return level[0]
    }
}
