// Code generation of a product fused into its consumer's kernel (`MatrixProductStrategy.lanes`): per vector of
// lanes, an inner loop over k.
import CLLVM

extension LLVMCodegen {
    /// The lanes of C = op(A) · op(B) that this vector computes (see `MatrixProductStrategy.lanes` for the order).
    func emitProductLanes(_ instruction: KernelInstruction) throws -> LLVMValueRef {
        let index = Int(instruction.immediate)
        guard index < program.matrixProducts.count, program.matrixProducts[index].strategy == .lanes else {
            throw LLVMBackendError.unsupported("matrixProduct \(index) is not computed lane by lane")
        }
        let entry = program.matrixProducts[index]
        guard entry.a >= 0, entry.a < program.slots.count, entry.b >= 0, entry.b < program.slots.count else {
            throw LLVMBackendError.unsupported("matrixProduct \(index) names slots \(entry.a), \(entry.b)")
        }
        let term = entry.product.usesPackedLanes ? packedTerm(entry) : gatheredTerm(entry)
        return sumOverInner(count: entry.product.k, term)
    }

    /// Σ over i < count of term(i, ·) in `OuterProductPacking.chains(count)` chains (unrolled up to 32 terms),
    /// the chains then added pairwise.
    private func sumOverInner(count: Int, _ term: (LLVMValueRef, LLVMValueRef) -> LLVMValueRef) -> LLVMValueRef {
        // Chain t sums the terms i ≡ t (mod chains), so the fmas of a vector wait on each other a quarter as long.
        let chains = OuterProductPacking.chains(batch: count)
        var sums = [LLVMValueRef](repeating: LLVMConstNull(vectorType(.float32))!, count: chains)
        var next = 0
        if count > 32 {
            let whole = count / chains * chains
            sums = emitLoop(from: constant(i64, 0), below: constant(i64, whole), step: chains, carrying: sums, "i") {
                i, partial in
                (0..<chains).map { t in term(LLVMBuildAdd(self.builder, i, self.constant(self.i64, t), "")!, partial[t]) }
            }.values
            next = whole
        }
        for i in next..<count { sums[i % chains] = term(constant(i64, i), sums[i % chains]) }
        return OuterProductPacking.combine(sums) { LLVMBuildFAdd(self.builder, $0, $1, "")! }
    }

    /// sum + A[i, r] · B[i, c] for Aᵀ · B of batch 1 with B packed (`OuterProductPacking`, k rows). When n is a
    /// multiple of W, the W lanes of an iteration share r (the loop index is a multiple of W), so A[i, r] is one
    /// broadcast value and B's W values one aligned vector; otherwise both are gathered lane by lane.
    private func packedTerm(_ entry: KernelMatrixProduct) -> (LLVMValueRef, LLVMValueRef) -> LLVMValueRef {
        let batch = entry.product.k, columns = entry.product.n
        let a = floatPointer(slot: entry.a), x = floatPointer(slot: entry.b)
        let rows = constant(i64, entry.product.m)
        let block = OuterProductPacking.block
        if columns % width == 0 && block % width == 0 {
            let (row, column) = rowAndColumn(columns: columns)
            let columnBase = packedOffset(ofColumn: column, batch: batch)
            return { b, sum in
                let aIndex = LLVMBuildAdd(self.builder, LLVMBuildMul(self.builder, b, rows, ""), row, "")!
                let xRow = LLVMBuildMul(self.builder, b, self.constant(self.i64, block), "")!
                let xIndex = LLVMBuildAdd(self.builder, xRow, columnBase, "")!
                let left = self.splat(self.scalarLoad(self.gep(self.f32, a, aIndex)))
                let right = self.vectorLoad(self.gep(self.f32, x, xIndex), mask: nil, alignment: self.vectorAlignment)
                return self.fusedMultiplyAdd(left, right, sum)
            }
        }
        let columnCount = splatConstant(constant(i64, columns))
        let row = LLVMBuildUDiv(builder, laneNumbers, columnCount, "row")!
        let column = LLVMBuildURem(builder, laneNumbers, columnCount, "column")!
        let blockCount = splatConstant(constant(i64, block))
        let blockStart = LLVMBuildMul(builder, LLVMBuildUDiv(builder, column, blockCount, "")!,
                                      splatConstant(constant(i64, block * batch)), "")!
        let columnBase = LLVMBuildAdd(builder, blockStart, LLVMBuildURem(builder, column, blockCount, "")!, "")!
        return { b, sum in
            let aIndex = LLVMBuildAdd(self.builder, self.splat(LLVMBuildMul(self.builder, b, rows, "")), row, "")!
            let xRow = LLVMBuildMul(self.builder, b, self.constant(self.i64, block), "")!
            let xIndex = LLVMBuildAdd(self.builder, self.splat(xRow), columnBase, "")!
            return self.fusedMultiplyAdd(self.gatherFloats(a, aIndex), self.gatherFloats(x, xIndex), sum)
        }
    }

    /// sum + op(A[β])[r, i] · op(B[β])[i, c] for any product, both factors gathered: lane l is element
    /// (β, r, c) = (l / mn, l mod mn / n, l mod n) of C (element 0 when C has one element and is broadcast).
    private func gatheredTerm(_ entry: KernelMatrixProduct) -> (LLVMValueRef, LLVMValueRef) -> LLVMValueRef {
        let p = entry.product
        let a = floatPointer(slot: entry.a), b = floatPointer(slot: entry.b)
        let lanes = p.cCount == 1 ? LLVMConstNull(LLVMTypeOf(laneNumbers))! : laneNumbers!
        func splatted(_ value: Int) -> LLVMValueRef { splatConstant(constant(i64, value)) }
        let matrix = LLVMBuildUDiv(builder, lanes, splatted(p.m * p.n), "")!
        let within = LLVMBuildURem(builder, lanes, splatted(p.m * p.n), "")!
        let row = LLVMBuildUDiv(builder, within, splatted(p.n), "")!
        let column = LLVMBuildURem(builder, within, splatted(p.n), "")!
        // Element i of a lane's row of op(A) is at aStart + i · aStride, of its column of op(B) at bStart + i · bStride.
        let aStart = LLVMBuildAdd(builder, LLVMBuildMul(builder, matrix, splatted(p.m * p.k), "")!,
                                  LLVMBuildMul(builder, row, splatted(p.transposeA ? 1 : p.k), "")!, "")!
        let bStart = LLVMBuildAdd(builder, LLVMBuildMul(builder, matrix, splatted(p.k * p.n), "")!,
                                  LLVMBuildMul(builder, column, splatted(p.transposeB ? p.k : 1), "")!, "")!
        let aStride = constant(i64, p.transposeA ? p.m : 1), bStride = constant(i64, p.transposeB ? 1 : p.n)
        return { i, sum in
            let aIndex = LLVMBuildAdd(self.builder, aStart, self.splat(LLVMBuildMul(self.builder, i, aStride, "")!), "")!
            let bIndex = LLVMBuildAdd(self.builder, bStart, self.splat(LLVMBuildMul(self.builder, i, bStride, "")!), "")!
            return self.fusedMultiplyAdd(self.gatherFloats(a, aIndex), self.gatherFloats(b, bIndex), sum)
        }
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
