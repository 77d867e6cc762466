// Code generation of the products that run kernels of their own: register-blocked loops, built with the LLVM C API.
//
// `rowDots` (C = A · Bᵀ, a dense layer x · Wᵀ): a group of columns j of C (rows of B) at a time, for a tile of rows
// of A: load B[j, i ..< i+W] once per group row and fma it into one accumulator per (j, row of A) with
// A[r, i ..< i+W]; then reduce each accumulator across its lanes. `rowBroadcasts` (C = A · B): a group of column
// vectors of C at a time: load B[i, j ..< j+W] once and fma it with the broadcast A[r, i] into one accumulator per
// (r, vector). Accumulators (about 24) are loop-carried values that stay in vector registers. Summation orders are
// those of `MatrixProductStrategy`, which the scalar backend follows too.
import CLLVM

extension LLVMCodegen {
    /// Builds the function of a matrix-product program into the module.
    func buildMatrixProduct(_ shape: KernelMatrixProduct, name: String) {
        declareFunction(name: name)
        LLVMPositionBuilderAtEnd(builder, appendBlock("entry"))
        loadSlots()
        let unitsPerGroup = shape.group
        // Whole groups of work units, then the remaining units one at a time.
        let groupLimit = LLVMBuildSub(builder, endArgument, constant(i64, unitsPerGroup - 1), "")!
        let (next, _) = emitLoop(from: startArgument, below: groupLimit, step: unitsPerGroup, "group") { unit, _ in
            emitMatrixProductUnits(shape, first: unit, count: unitsPerGroup)
            return []
        }
        if unitsPerGroup > 1 {
            emitLoop(from: next, below: endArgument, step: 1, "unit") { unit, _ in
                emitMatrixProductUnits(shape, first: unit, count: 1)
                return []
            }
        }
        LLVMBuildRetVoid(builder)
    }

    /// Work units [first, first + count) for every tile of rows of the left operand.
    private func emitMatrixProductUnits(_ shape: KernelMatrixProduct, first: LLVMValueRef, count: Int) {
        let tile = shape.rowTile
        let fullTiles = shape.product.m / tile, rest = shape.product.m % tile
        let emitTile = { (row: LLVMValueRef, rows: Int) in
            if shape.strategy == .rowDots {
                self.emitLinearTile(shape, firstColumn: first, columns: count, firstRow: row, rows: rows)
            } else {
                self.emitMatmulTile(shape, firstVector: first, vectors: count, firstRow: row, rows: rows)
            }
        }
        if fullTiles == 1 {
            emitTile(constant(i64, 0), tile)
        } else if fullTiles > 1 {
            emitLoop(from: constant(i64, 0), below: constant(i64, fullTiles * tile), step: tile, "tile") { row, _ in
                emitTile(row, tile)
                return []
            }
        }
        if rest > 0 { emitTile(constant(i64, fullTiles * tile), rest) }
    }

    // MARK: - rowDots

    /// C[b, o] for b in [firstRow, firstRow + rows) and o in [firstColumn, firstColumn + columns) (A is x, B is W).
    private func emitLinearTile(_ shape: KernelMatrixProduct, firstColumn: LLVMValueRef, columns: Int,
                                firstRow: LLVMValueRef, rows: Int) {
        let inner = shape.product.k
        let x = floatPointer(slot: shape.a), weights = floatPointer(slot: shape.b), y = floatPointer(slot: shape.c)
        let outFeatures = constant(i64, shape.product.n)
        let weightRows = (0..<columns).map { c in rowStart(weights, firstColumn, plus: c, stride: inner) }
        // x is packed: element (b, i) at (i / 16) · 16 · batch + 16 b + i mod 16, so a tile's rows are one stream.
        let block = OuterProductPacking.block
        let inputRows = (0..<rows).map { b in rowStart(x, firstRow, plus: b, stride: block) }
        // Accumulator c * rows + b holds the lanes of y[b, o_c].
        func accumulate(at offset: LLVMValueRef, mask: LLVMValueRef?, _ sums: [LLVMValueRef]) -> [LLVMValueRef] {
            let w = weightRows.map { vectorLoad(gep(f32, $0, offset), mask: mask) }
            let packed = packedOffset(ofColumn: offset, batch: shape.product.m)
            var next = sums
            for b in 0..<rows {
                let input = vectorLoad(gep(f32, inputRows[b], packed), mask: mask)
                for c in 0..<columns { next[c * rows + b] = fusedMultiplyAdd(input, w[c], next[c * rows + b]) }
            }
            return next
        }
        let whole = inner / width * width, remainder = inner % width
        var sums = [LLVMValueRef](repeating: LLVMConstNull(vectorType(.float32)), count: rows * columns)
        if whole > 0 {
            sums = emitLoop(from: constant(i64, 0), below: constant(i64, whole), step: width, carrying: sums, "i") {
                accumulate(at: $0, mask: nil, $1)
            }.values
        }
        if remainder > 0 {
            // The last partial vector: lanes past the row read 0 (and add zero products).
            let mask = constantVector(i1, (0..<width).map { $0 < remainder ? 1 : 0 })
            sums = accumulate(at: constant(i64, whole), mask: mask, sums)
        }
        for c in 0..<columns {
            let o = LLVMBuildAdd(builder, firstColumn, constant(i64, c), "")!
            for b in 0..<rows {
                let value = laneSum(sums[c * rows + b])
                let row = LLVMBuildAdd(builder, firstRow, constant(i64, b), "")!
                let index = LLVMBuildAdd(builder, LLVMBuildMul(builder, row, outFeatures, ""), o, "")!
                LLVMSetAlignment(LLVMBuildStore(builder, value, gep(f32, y, index)), 4)
            }
        }
    }

    /// Lanes 0, 1, ... of a float vector added in order.
    func laneSum(_ vector: LLVMValueRef) -> LLVMValueRef {
        var sum = extract(vector, 0)
        for lane in 1..<width { sum = LLVMBuildFAdd(builder, sum, extract(vector, lane), "")! }
        return sum
    }

    // MARK: - rowBroadcasts

    /// C[r, j] for r in [firstRow, firstRow + rows) and the columns j of vectors [firstVector, firstVector + vectors).
    private func emitMatmulTile(_ shape: KernelMatrixProduct, firstVector: LLVMValueRef, vectors: Int,
                                firstRow: LLVMValueRef, rows: Int) {
        let columns = shape.product.n
        let a = floatPointer(slot: shape.a), b = floatPointer(slot: shape.b), c = floatPointer(slot: shape.c)
        let inner = constant(i64, shape.product.k)
        let lanes = constantVector(i64, Array(0..<width))
        let firstColumns = (0..<vectors).map { v -> LLVMValueRef in
            let vector = LLVMBuildAdd(builder, firstVector, constant(i64, v), "")!
            return LLVMBuildMul(builder, vector, constant(i64, width), "")!
        }
        // Lanes past the last column are neither read nor written.
        let masks = firstColumns.map { first -> LLVMValueRef in
            let column = LLVMBuildAdd(builder, splat(first), lanes, "")!
            return LLVMBuildICmp(builder, LLVMIntULT, column, splatConstant(constant(i64, columns)), "")!
        }
        let leftRows = (0..<rows).map { r in rowStart(a, firstRow, plus: r, stride: inner) }
        // Accumulator r * vectors + v holds c[firstRow + r, vector v].
        let initial = [LLVMValueRef](repeating: LLVMConstNull(vectorType(.float32)), count: rows * vectors)
        let sums = emitLoop(from: constant(i64, 0), below: inner, step: 1, carrying: initial, "k") { k, sums in
            let rightRow = gep(f32, b, LLVMBuildMul(builder, k, constant(i64, columns), "")!)
            let right = (0..<vectors).map { vectorLoad(gep(f32, rightRow, firstColumns[$0]), mask: masks[$0]) }
            var next = sums
            for r in 0..<rows {
                let left = splat(scalarLoad(gep(f32, leftRows[r], k)))
                for v in 0..<vectors { next[r * vectors + v] = fusedMultiplyAdd(left, right[v], next[r * vectors + v]) }
            }
            return next
        }.values
        for r in 0..<rows {
            let row = LLVMBuildAdd(builder, firstRow, constant(i64, r), "")!
            let outputRow = gep(f32, c, LLVMBuildMul(builder, row, constant(i64, columns), "")!)
            for v in 0..<vectors {
                maskedStore(sums[r * vectors + v], gep(f32, outputRow, firstColumns[v]), mask: masks[v])
            }
        }
    }

    // MARK: - Helpers shared with the fused and riding products

    /// `for (index = start; index < limit; index += step)` carrying `initial` values, which `body` maps to their
    /// next values. Returns the index and the carried values as they leave the loop.
    @discardableResult
    func emitLoop(from start: LLVMValueRef, below limit: LLVMValueRef, step: Int, carrying initial: [LLVMValueRef] = [],
                  _ name: String, body: (LLVMValueRef, [LLVMValueRef]) -> [LLVMValueRef])
        -> (index: LLVMValueRef, values: [LLVMValueRef]) {
        let preheader = LLVMGetInsertBlock(builder)!
        let header = appendBlock("\(name).header"), bodyBlock = appendBlock("\(name).body")
        let exit = appendBlock("\(name).exit")
        LLVMBuildBr(builder, header)
        LLVMPositionBuilderAtEnd(builder, header)
        let index = LLVMBuildPhi(builder, i64, name)!
        addIncoming(index, start, from: preheader)
        let carried = initial.map { value -> LLVMValueRef in
            let phi = LLVMBuildPhi(builder, LLVMTypeOf(value), "")!
            addIncoming(phi, value, from: preheader)
            return phi
        }
        LLVMBuildCondBr(builder, LLVMBuildICmp(builder, LLVMIntSLT, index, limit, ""), bodyBlock, exit)
        LLVMPositionBuilderAtEnd(builder, bodyBlock)
        let updated = body(index, carried)
        let latch = LLVMGetInsertBlock(builder)!
        addIncoming(index, LLVMBuildAdd(builder, index, constant(i64, step), "")!, from: latch)
        for (phi, value) in zip(carried, updated) { addIncoming(phi, value, from: latch) }
        LLVMBuildBr(builder, header)
        LLVMPositionBuilderAtEnd(builder, exit)
        return (index, carried)
    }

    /// The slot's base address as `float*`.
    func floatPointer(slot: Int) -> LLVMValueRef {
        LLVMBuildPointerCast(builder, slotBases[slot], pointer(to: f32), "")!
    }

    /// The address of row (first + offset) of a row-major matrix with `stride` elements per row.
    private func rowStart(_ base: LLVMValueRef, _ first: LLVMValueRef, plus offset: Int, stride: Int) -> LLVMValueRef {
        rowStart(base, first, plus: offset, stride: constant(i64, stride))
    }

    private func rowStart(_ base: LLVMValueRef, _ first: LLVMValueRef, plus offset: Int,
                          stride: LLVMValueRef) -> LLVMValueRef {
        let row = LLVMBuildAdd(builder, first, constant(i64, offset), "")!
        return gep(f32, base, LLVMBuildMul(builder, row, stride, "")!)
    }

    /// W floats from `address` (4-byte aligned); with a mask, lanes that are off are not read and give 0.
    func vectorLoad(_ address: LLVMValueRef, mask: LLVMValueRef?, alignment: UInt32 = 4) -> LLVMValueRef {
        let type = vectorType(.float32)
        let vectorAddress = LLVMBuildPointerCast(builder, address, pointer(to: type), "")!
        if let mask {
            return intrinsic("llvm.masked.load", [type, LLVMTypeOf(vectorAddress)],
                             [vectorAddress, constant(i32, 4), mask, LLVMConstNull(type)])
        }
        let value = LLVMBuildLoad2(builder, type, vectorAddress, "")!
        LLVMSetAlignment(value, alignment)
        return value
    }

    /// Stores the lanes of `value` whose mask is on to W floats at `address`.
    private func maskedStore(_ value: LLVMValueRef, _ address: LLVMValueRef, mask: LLVMValueRef) {
        let vectorAddress = LLVMBuildPointerCast(builder, address, pointer(to: LLVMTypeOf(value)), "")!
        intrinsic("llvm.masked.store", [LLVMTypeOf(value), LLVMTypeOf(vectorAddress)],
                  [value, vectorAddress, constant(i32, 4), mask])
    }

    /// One float from `address`.
    func scalarLoad(_ address: LLVMValueRef) -> LLVMValueRef {
        let value = LLVMBuildLoad2(builder, f32, address, "")!
        LLVMSetAlignment(value, 4)
        return value
    }

    /// a * b + c with one rounding.
    func fusedMultiplyAdd(_ a: LLVMValueRef, _ b: LLVMValueRef, _ c: LLVMValueRef) -> LLVMValueRef {
        intrinsic("llvm.fma", [LLVMTypeOf(a)], [a, b, c])
    }
}
