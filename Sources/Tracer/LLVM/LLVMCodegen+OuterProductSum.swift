// Code generation of `outerProductSum` inside elementwise kernels: an inner loop over the batch.
import CLLVM

extension LLVMCodegen {
    /// Lanes (r, c) of Σ_b a[b, r] x[b, c], accumulated with fma in order of b. When the column count is a multiple
    /// of W, the W lanes of an iteration share r (the loop index is a multiple of W), so a[b, r] is one broadcast
    /// value and x[b, c ..< c+W] one aligned vector; otherwise both are gathered lane by lane.
    func emitOuterProductSum(_ instruction: KernelInstruction) throws -> LLVMValueRef {
        let slot = try slotIndex(instruction)
        guard slot + 1 < program.slots.count else {
            throw LLVMBackendError.unsupported("outerProductSum needs slots \(slot) and \(slot + 1)")
        }
        let columns = Int(instruction.auxiliary)
        let a = floatPointer(slot: slot), x = floatPointer(slot: slot + 1)
        let batch = LLVMBuildUDiv(builder, slotSizes[slot + 1], constant(i64, columns), "batch")!
        let rows = LLVMBuildUDiv(builder, slotSizes[slot], batch, "rows")!
        let zero = LLVMConstNull(vectorType(.float32))!
        if columns % width == 0 {
            let row = LLVMBuildUDiv(builder, loopIndex, constant(i64, columns), "row")!
            let column = LLVMBuildURem(builder, loopIndex, constant(i64, columns), "column")!
            return emitLoop(from: constant(i64, 0), below: batch, step: 1, carrying: [zero], "b") { b, sums in
                let aIndex = LLVMBuildAdd(builder, LLVMBuildMul(builder, b, rows, ""), row, "")!
                let xIndex = LLVMBuildAdd(builder, LLVMBuildMul(builder, b, constant(i64, columns), ""), column, "")!
                let left = splat(scalarLoad(gep(f32, a, aIndex)))
                let right = vectorLoad(gep(f32, x, xIndex), mask: nil, alignment: vectorAlignment)
                return [fusedMultiplyAdd(left, right, sums[0])]
            }.values[0]
        }
        let columnCount = splatConstant(constant(i64, columns))
        let row = LLVMBuildUDiv(builder, laneNumbers, columnCount, "row")!
        let column = LLVMBuildURem(builder, laneNumbers, columnCount, "column")!
        return emitLoop(from: constant(i64, 0), below: batch, step: 1, carrying: [zero], "b") { b, sums in
            let aIndex = LLVMBuildAdd(builder, splat(LLVMBuildMul(builder, b, rows, "")), row, "")!
            let xIndex = LLVMBuildAdd(builder, splat(LLVMBuildMul(builder, b, constant(i64, columns), "")), column, "")!
            let left = gatherFloats(a, aIndex), right = gatherFloats(x, xIndex)
            return [fusedMultiplyAdd(left, right, sums[0])]
        }.values[0]
    }

    /// base[index] for the active lanes (lanes past the end read 0; the others are in range by construction).
    private func gatherFloats(_ base: LLVMValueRef, _ index: LLVMValueRef) -> LLVMValueRef {
        let addresses = gep(f32, base, index)
        let type = vectorType(.float32)
        return intrinsic("llvm.masked.gather", [type, LLVMTypeOf(addresses)],
                         [addresses, constant(i32, 4), activeLanes, LLVMConstNull(type)])
    }
}
