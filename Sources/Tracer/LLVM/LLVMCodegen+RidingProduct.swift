// Code generation of a product riding on an assignment (`MatrixProductStrategy.riding`): C = A · Bᵀ computed by
// the kernel that assigns B.
//
// The loop walks B row by row, W elements at a time (a block of work starts at a row, and the row length k is a
// multiple of W). One accumulator per row r of A is a loop phi: each vector fmas its values of B times
// A[r, i ..< i+W] into it, the `rowDots` kernel's interleaved order. After the last vector of row j of B, each
// accumulator's lanes are added in order into C[r, j], and the accumulators restart from zero.
import CLLVM

extension LLVMCodegen {
    /// The phis of every riding product's accumulators, starting at +0 (as the `rowDots` kernel's do).
    func createRidingAccumulatorPhis(entry: LLVMBasicBlockRef) {
        for (index, instruction) in program.instructions.enumerated() where instruction.op == .matrixProduct {
            guard let product = program.matrixProducts.indices.contains(Int(instruction.immediate))
                    ? program.matrixProducts[Int(instruction.immediate)] : nil,
                  product.strategy == .riding else { continue }
            let batch = product.product.m
            ridingAccumulators[index] = (0..<batch).map { b in
                let phi = LLVMBuildPhi(builder, vectorType(.float32), "riding\(index).\(b)")!
                addIncoming(phi, LLVMConstNull(vectorType(.float32)), from: entry)
                return Accumulator(phi: phi, next: phi)
            }
        }
    }

    /// Emits a riding product's work for this vector of B's new values `value`.
    func emitRidingProduct(_ instruction: KernelInstruction, at index: Int, value: LLVMValueRef) throws {
        let entry = program.matrixProducts[Int(instruction.immediate)]
        let slot = entry.c, xSlot = entry.a
        let inFeatures = entry.product.k
        guard let sums = ridingAccumulators[index], inFeatures % width == 0, OuterProductPacking.block % width == 0,
              slot >= 0, slot < program.slots.count, xSlot >= 0, xSlot < program.slots.count else {
            throw LLVMBackendError.unsupported("a riding product needs rows of B that are whole vectors and its slots")
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
        let finish = appendBlock("riding\(index).finish"), next = appendBlock("riding\(index).next")
        LLVMBuildCondBr(builder, lastColumn, finish, next)
        LLVMPositionBuilderAtEnd(builder, finish)
        let outFeatures = constant(i64, entry.product.n)
        for b in 0..<batch {
            let sum = laneSum(updated[b])
            let outputIndex = LLVMBuildAdd(builder, LLVMBuildMul(builder, constant(i64, b), outFeatures, "")!, row, "")!
            LLVMSetAlignment(LLVMBuildStore(builder, sum, gep(f32, y, outputIndex)), 4)
        }
        LLVMBuildBr(builder, next)
        LLVMPositionBuilderAtEnd(builder, next)
        let zero = LLVMConstNull(vectorType(.float32))!
        for b in 0..<batch {
            ridingAccumulators[index]![b].next = LLVMBuildSelect(builder, lastColumn, zero, updated[b], "")!
        }
    }
}
