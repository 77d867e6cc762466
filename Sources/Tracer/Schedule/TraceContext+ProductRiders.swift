// Scheduler rule: a product A · Bᵀ recorded while B's assignment is queued rides on the assignment, so one pass
// over B both updates it and multiplies by it.
//
// An optimiser that schedules its step (`Adam.scheduleStep`) leaves a weight's assignment queued. A product
// recorded on that weight before the write runs would normally flush it and then read the whole weight again in a
// kernel of its own. Instead it becomes a rider of the assignment: the assignment's kernel, which already computes
// every new element of B in a register, also multiplies it into the product (`MatrixProductStrategy.riding`), in
// the summation order of `rowDots`, so the result has the same bits. For the tutorial's 16384 × 16384 layer that
// saves one of the seven passes over 1 GiB an iteration needs. The rule applies to any product of the form A · Bᵀ
// (batch 1): there each row of B is one dot product per row of A, which a pass in B's order can finish row by row.

extension TraceContext {
    /// The index in the queue of the assignment that the product C = op(A) · op(B) can ride on, or nil when it
    /// must flush the queue and run on its own. It can when it is A · Bᵀ of batch 1, B's last queued write is a
    /// whole assignment (not a fill, scatter or scatter-add), k is a multiple of the vector width and short enough
    /// to align blocks of work with rows of B, and A sees no write that runs after it.
    func ridableAssignment(_ product: MatrixProduct, _ a: Node, _ b: Node) -> Int? {
        guard product.batch == 1, !product.transposeA, product.transposeB, b.pendingWrites > 0, a !== b,
              let index = sideEffects.lastIndex(where: { $0.target === b }),
              sideEffects[index].op == .store, sideEffects[index].value.size == b.size,
              product.k % vectorWidth == 0, OuterProductPacking.block % vectorWidth == 0,
              product.k <= BlockFusion.maximumUnit(configured: options.blockSize, width: vectorWidth)
        else { return nil }
        // A is read from memory (packed) by the assignment's kernel: any write into it must run before, in an
        // earlier kernel (another size).
        if a.pendingWrites > 0 {
            let writes = sideEffects.indices.filter { sideEffects[$0].writtenNodes.contains { $0 === a } }
            guard writes.allSatisfy({ $0 < index && sideEffects[$0].size != b.size }) else { return nil }
        }
        return index
    }

    /// Registers `node` (a product) to be computed by the kernel of the queued assignment at `index`.
    func addRider(_ node: Node, toAssignmentAt index: Int) {
        guard !sideEffects[index].riders.contains(where: { $0.node === node }) else { return }
        sideEffects[index].riders.append(WeakNode(node: node))
    }

    /// The riders of `effects` that still need computing, with the value their B is assigned.
    func pendingRiders(of effects: [SideEffect]) -> [(node: Node, assignedValue: Node)] {
        effects.flatMap { effect in
            effect.riders.compactMap(\.node).filter { !$0.isEvaluated }.map { ($0, effect.value) }
        }
    }

    /// What the riders of `effects` read from memory, to evaluate before the assignments' kernel: A packed.
    func riderInputs(of effects: [SideEffect]) -> [Node] {
        pendingRiders(of: effects).map { packedFactor(of: $0.node, strategy: .riding)! }
    }
}
