// A layer forward that rides on the assignment of its weight: one pass over the weight both updates it and
// multiplies by it.
//
// An optimiser that schedules its step (`Adam.scheduleStep`) leaves the weight's assignment queued. A `linear`
// recorded on that weight before the write runs would normally flush it and then read the whole weight again in
// a kernel of its own. Instead it is recorded as a rider of the assignment: the assignment's kernel, which already
// computes every new weight element in a register, also multiplies it into the product (`linearAccumulate`), in the
// summation order of the `linear` kernel, so the result has the same bits. For the tutorial's 16384 × 16384 layer
// that saves one of the seven passes over 1 GiB an iteration needs.

extension TraceContext {
    /// The index in the queue of the assignment that a `linear` with these operands can ride on, or nil when it
    /// must flush the queue and run on its own. It can when its weight's last queued write is a whole assignment
    /// (not a fill, scatter or scatter-add), the in-feature count is a multiple of the vector width and short enough
    /// to align blocks of work with weight rows, and the other operands see no write that runs after it.
    func ridableAssignment(linearOperands operands: [Node], inFeatures: Int) -> Int? {
        let weight = operands[1]
        guard weight.pendingWrites > 0,
              let index = sideEffects.lastIndex(where: { $0.target === weight }),
              sideEffects[index].op == .store, sideEffects[index].value.size == weight.size,
              inFeatures % vectorWidth == 0, OuterProductPacking.block % vectorWidth == 0,
              inFeatures <= BlockFusion.maximumUnit(configured: options.blockSize, width: vectorWidth)
        else { return nil }
        // x and bias are read from memory by the assignment's kernel: any write into them must run before it, in
        // an earlier kernel (another size).
        for operand in [operands[0]] + operands.dropFirst(2) where operand.pendingWrites > 0 {
            let writes = sideEffects.indices.filter { sideEffects[$0].writtenNodes.contains { $0 === operand } }
            guard writes.allSatisfy({ $0 < index && sideEffects[$0].size != weight.size }) else { return nil }
        }
        return index
    }

    /// Registers `node` (a `linear`) to be computed by the kernel of the queued assignment at `index`.
    func addRider(_ node: Node, toAssignmentAt index: Int) {
        guard !sideEffects[index].riders.contains(where: { $0.node === node }) else { return }
        sideEffects[index].riders.append(WeakNode(node: node))
    }

    /// The riders of `effects` that still need computing, with the value their weight is assigned.
    func pendingRiders(of effects: [SideEffect]) -> [(node: Node, weightValue: Node)] {
        effects.flatMap { effect in
            effect.riders.compactMap(\.node).filter { !$0.isEvaluated }.map { ($0, effect.value) }
        }
    }

    /// The inputs (x and bias) of the riders of `effects`: the assignment's kernel reads them from memory.
    func riderInputs(of effects: [SideEffect]) -> [Node] {
        pendingRiders(of: effects).flatMap { rider in [rider.node.operands[0]] + rider.node.operands.dropFirst(2) }
    }
}
