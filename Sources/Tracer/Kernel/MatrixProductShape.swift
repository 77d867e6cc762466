// The kernels of their own kind: a program of one `linear` or `matmul` instruction, and how both backends tile it.

/// What a matrix-product program computes, read from its single instruction.
///
/// - `linear`: y = x · Wᵀ (+ bias) with x `rows` × `dimension`, W out × `dimension`, y `rows` × out, all row-major;
///   out is the weight's element count / `dimension` (read at run time). Slots: 0 x (packed in blocks of 16
///   columns, `OuterProductPacking`), 1 W, 2 y, 3 bias (optional).
///   A work unit is one result column o (one row of W): `run(start, end)` computes y[·, o] for o in [start, end),
///   reading W once for all rows of x.
/// - `matmul`: c = a · b with a `rows` × k, b k × `dimension`, c `rows` × `dimension`; k is b's element count /
///   `dimension`. Slots: 0 a, 1 b, 2 c. A work unit is one vector of W columns of c.
///
/// Both backends sum in the same order, so they agree bit for bit: `linear` accumulates with fma in W interleaved
/// lanes (lane j takes i ≡ j mod W; a last partial vector adds zero products) and then adds lanes 0, 1, ... in
/// order, then the bias; `matmul` accumulates fma(a[r, k], b[k, c], acc) over k in order.
struct MatrixProductShape: Equatable {
    /// `.linear` or `.matmul`.
    let op: Op
    /// Rows of the left operand and of the result: the batch of `linear`, m of `matmul`.
    let rows: Int
    /// `linear`: the shared dimension (in features); `matmul`: the columns of the result (n).
    let dimension: Int
    /// True when `linear` adds a bias.
    let hasBias: Bool
    /// Lanes per vector.
    let vectorWidth: Int

    /// The shape of `program`, or nil when it is not a matrix-product program.
    init?(_ program: KernelProgram) {
        guard program.instructions.count == 1, program.instructions[0].op.isMatrixProduct else { return nil }
        let instruction = program.instructions[0]
        op = instruction.op
        rows = Int(instruction.immediate)
        dimension = Int(instruction.auxiliary)
        hasBias = op == .linear && program.slots.count > 3
        vectorWidth = program.vectorWidth
    }

    /// Rows of the left operand whose accumulators are live together: tiles of at most 4. Small tiles with more
    /// work units per group keep each pass over the left operand's rows in L2: for the tutorial's 12 x 16384 batch,
    /// tiles of 4 and groups of 6 ran the layer 1.9 times as fast as one tile of 12 and groups of 2.
    var batchTile: Int { min(rows, 4) }

    /// Work units computed together, so that each load of the left operand serves several of them while about
    /// 24 accumulators stay in vector registers.
    var group: Int { max(1, min(6, 24 / batchTile)) }
}
