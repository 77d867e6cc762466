// Code generation of `outerProductSum` inside elementwise kernels: an inner loop over the batch.
import CLLVM

extension LLVMCodegen {
    /// Lanes (r, c) of Σ_b a[b, r] x[b, c], accumulated with fma in the chains of `OuterProductPacking.chains` (unrolled for a batch of up to
    /// 32), x in the packed layout of `OuterProductPacking`. When the column count is a multiple of W, the W lanes
    /// of an iteration share r (the loop index is a multiple of W), so a[b, r] is one broadcast value and x's W
    /// values one aligned vector; otherwise both are gathered lane by lane.
    func emitOuterProductSum(_ instruction: KernelInstruction) throws -> LLVMValueRef {
        let slot = try slotIndex(instruction)
        let batchInstruction = Int(instruction.operands.0)
        guard slot + 1 < program.slots.count, program.instructions[batchInstruction].op == .literal else {
            throw LLVMBackendError.unsupported("outerProductSum needs slots \(slot), \(slot + 1) and a batch literal")
        }
        let batch = Int(program.instructions[batchInstruction].immediate)
        let columns = Int(instruction.auxiliary)
        let a = floatPointer(slot: slot), x = floatPointer(slot: slot + 1)
        let rows = LLVMBuildUDiv(builder, slotSizes[slot], constant(i64, batch), "rows")!
        /// sum + a[b, r] x[b, c] for one b.
        let term: (LLVMValueRef, LLVMValueRef) -> LLVMValueRef
        let block = OuterProductPacking.block
        if columns % width == 0 && block % width == 0 {
            let (row, column) = rowAndColumn(columns: columns)
            let columnBase = packedOffset(ofColumn: column, batch: batch)
            term = { b, sum in
                let aIndex = LLVMBuildAdd(self.builder, LLVMBuildMul(self.builder, b, rows, ""), row, "")!
                let xRow = LLVMBuildMul(self.builder, b, self.constant(self.i64, block), "")!
                let xIndex = LLVMBuildAdd(self.builder, xRow, columnBase, "")!
                let left = self.splat(self.scalarLoad(self.gep(self.f32, a, aIndex)))
                let right = self.vectorLoad(self.gep(self.f32, x, xIndex), mask: nil, alignment: self.vectorAlignment)
                return self.fusedMultiplyAdd(left, right, sum)
            }
        } else {
            let columnCount = splatConstant(constant(i64, columns))
            let row = LLVMBuildUDiv(builder, laneNumbers, columnCount, "row")!
            let column = LLVMBuildURem(builder, laneNumbers, columnCount, "column")!
            let blockCount = splatConstant(constant(i64, block))
            let blockStart = LLVMBuildMul(builder, LLVMBuildUDiv(builder, column, blockCount, "")!,
                                          splatConstant(constant(i64, block * batch)), "")!
            let columnBase = LLVMBuildAdd(builder, blockStart, LLVMBuildURem(builder, column, blockCount, "")!, "")!
            term = { b, sum in
                let aIndex = LLVMBuildAdd(self.builder, self.splat(LLVMBuildMul(self.builder, b, rows, "")), row, "")!
                let xRow = LLVMBuildMul(self.builder, b, self.constant(self.i64, block), "")!
                let xIndex = LLVMBuildAdd(self.builder, self.splat(xRow), columnBase, "")!
                return self.fusedMultiplyAdd(self.gatherFloats(a, aIndex), self.gatherFloats(x, xIndex), sum)
            }
        }
        // Chain k sums the rows b ≡ k (mod chains), so the fmas of a vector wait on each other a quarter as long.
        let chains = OuterProductPacking.chains(batch: batch)
        var sums = [LLVMValueRef](repeating: LLVMConstNull(vectorType(.float32))!, count: chains)
        var next = 0
        if batch > 32 {
            let whole = batch / chains * chains
            sums = emitLoop(from: constant(i64, 0), below: constant(i64, whole), step: chains, carrying: sums, "b") {
                b, partial in
                (0..<chains).map { k in term(LLVMBuildAdd(self.builder, b, self.constant(self.i64, k), "")!, partial[k]) }
            }.values
            next = whole
        }
        for b in next..<batch { sums[b % chains] = term(constant(i64, b), sums[b % chains]) }
        return OuterProductPacking.combine(sums) { LLVMBuildFAdd(self.builder, $0, $1, "")! }
    }

    /// base[index] for the active lanes (lanes past the end read 0; the others are in range by construction).
    private func gatherFloats(_ base: LLVMValueRef, _ index: LLVMValueRef) -> LLVMValueRef {
        let addresses = gep(f32, base, index)
        let type = vectorType(.float32)
        return intrinsic("llvm.masked.gather", [type, LLVMTypeOf(addresses)],
                         [addresses, constant(i32, 4), activeLanes, LLVMConstNull(type)])
    }
}

extension LLVMCodegen {
    /// For a loop over the lanes (r, c) of a rows × `columns` matrix, `columns` a multiple of W: the row r and
    /// column c of the iteration's lanes.
    func rowAndColumn(columns: Int) -> (row: LLVMValueRef, column: LLVMValueRef) {
        (LLVMBuildUDiv(builder, loopIndex, constant(i64, columns), "row")!,
         LLVMBuildURem(builder, loopIndex, constant(i64, columns), "column")!)
    }

    /// Where element (0, `column`) of x lies in `OuterProductPacking`'s layout for a batch of `batch` rows:
    /// (column / 16) · 16 · batch + column mod 16 (row b's element 16 b further).
    func packedOffset(ofColumn column: LLVMValueRef, batch: Int) -> LLVMValueRef {
        let block = OuterProductPacking.block
        let blockStart = LLVMBuildMul(builder, LLVMBuildUDiv(builder, column, constant(i64, block), "")!,
                                      constant(i64, block * batch), "")!
        return LLVMBuildAdd(builder, blockStart, LLVMBuildURem(builder, column, constant(i64, block), "")!, "")!
    }
}
