// Code generation of `linearAccumulate`: a layer forward computed by the kernel that assigns its weight.
//
// The loop walks the weight row by row, W elements at a time (a block of work starts at a row, and the row length
// is a multiple of W). One accumulator per row b of x is a loop phi: each vector fmas its weight values times
// x[b, i ..< i+W] into it, the `linear` kernel's interleaved order. After the last vector of a row, each
// accumulator's lanes are added in order (then the bias) into y[b, o], and the accumulators restart from zero.
import CLLVM

extension LLVMCodegen {
    /// The phis of every `linearAccumulate`'s accumulators, starting at +0 (as the `linear` kernel's do).
    func createLinearAccumulatorPhis(entry: LLVMBasicBlockRef) {
        for (index, instruction) in program.instructions.enumerated() where instruction.op == .linearAccumulate {
            let batch = Int(program.instructions[Int(instruction.operands.1)].immediate)
            linearAccumulators[index] = (0..<batch).map { b in
                let phi = LLVMBuildPhi(builder, vectorType(.float32), "linear\(index).\(b)")!
                addIncoming(phi, LLVMConstNull(vectorType(.float32)), from: entry)
                return Accumulator(phi: phi, next: phi)
            }
        }
    }

    /// Emits one `linearAccumulate` of the weight values `value` (see `Op.linearAccumulate`).
    func emitLinearAccumulate(_ instruction: KernelInstruction, at index: Int, value: LLVMValueRef) throws {
        let slot = try slotIndex(instruction)
        let hasBias = instruction.auxiliary & KernelInstruction.linearAccumulateHasBias != 0
        let inFeatures = Int(instruction.auxiliary & ~KernelInstruction.linearAccumulateHasBias)
        let xSlot = Int(program.instructions[Int(instruction.operands.2)].immediate)
        guard let sums = linearAccumulators[index], inFeatures % width == 0, OuterProductPacking.block % width == 0,
              slot + (hasBias ? 1 : 0) < program.slots.count, xSlot < program.slots.count else {
            throw LLVMBackendError.unsupported("linearAccumulate needs rows that are whole vectors and its slots")
        }
        let batch = sums.count
        let block = OuterProductPacking.block
        let x = floatPointer(slot: xSlot), y = floatPointer(slot: slot)
        let (row, column) = rowAndColumn(columns: inFeatures)
        let columnBase = packedOffset(ofColumn: column, batch: batch)
        let updated = (0..<batch).map { b -> LLVMValueRef in
            let offset = LLVMBuildAdd(builder, columnBase, constant(i64, b * block), "")!
            let input = vectorLoad(gep(f32, x, offset), mask: nil, alignment: vectorAlignment)
            return fusedMultiplyAdd(input, value, sums[b].phi)
        }
        // The row's last vector: finish its dot products.
        let lastColumn = LLVMBuildICmp(builder, LLVMIntEQ, column, constant(i64, inFeatures - width), "rowEnds")!
        let finish = appendBlock("linear\(index).finish"), next = appendBlock("linear\(index).next")
        LLVMBuildCondBr(builder, lastColumn, finish, next)
        LLVMPositionBuilderAtEnd(builder, finish)
        let outFeatures = LLVMBuildUDiv(builder, slotSizes[slot], constant(i64, batch), "out")!
        let bias: LLVMValueRef? = hasBias ? scalarLoad(gep(f32, floatPointer(slot: slot + 1), row)) : nil
        for b in 0..<batch {
            var sum = laneSum(updated[b])
            if let bias { sum = LLVMBuildFAdd(builder, sum, bias, "")! }
            let outputIndex = LLVMBuildAdd(builder, LLVMBuildMul(builder, constant(i64, b), outFeatures, "")!, row, "")!
            LLVMSetAlignment(LLVMBuildStore(builder, sum, gep(f32, y, outputIndex)), 4)
        }
        LLVMBuildBr(builder, next)
        LLVMPositionBuilderAtEnd(builder, next)
        let zero = LLVMConstNull(vectorType(.float32))!
        for b in 0..<batch {
            linearAccumulators[index]![b].next = LLVMBuildSelect(builder, lastColumn, zero, updated[b], "")!
        }
    }
}
