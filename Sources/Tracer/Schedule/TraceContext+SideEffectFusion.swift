// Queued scatters that run in the kernel of the evaluation that follows them, when nothing orders the two.
//
// A wavefront loop typically scatters gradients and then evaluates its next state over the same lanes. Both read
// the same inputs and recompute the same expressions, so one kernel does both. That is only valid when no node
// being evaluated reads a scatter target (it would have to see the writes): scatter targets are owned storage
// (copy on write), and recording a read of a dirty array runs its scatters first, so this holds by construction;
// the built kernel's slots are checked all the same.

extension TraceContext {
    /// Evaluates `nodes` and runs the queued side effects in one kernel when possible; false (nothing done) when
    /// they must run separately.
    func evaluateFusingSideEffects(_ nodes: [Node]) -> Bool {
        // One batch of scatters (assignments keep their own path, for the copy on write of what they replace).
        guard let size = sideEffects.first?.size, !sideEffects.contains(where: { $0.op == .store }),
              firstBatchCount(sideEffects) == sideEffects.count else { return false }
        let pending = pendingNodes(nodes)
        let (matrixProducts, groups) = kernelGroups(pending)
        guard matrixProducts.isEmpty, groups.count == 1, groups[0].size == size, groups[0].blockReductions.isEmpty,
              crossSizeDependencies(of: pending, fusingRootReductions: true).isEmpty,
              crossSizeDependencies(of: sideEffects.flatMap { [$0.index, $0.value, $0.mask] },
                                    fusingRootReductions: false).isEmpty
        else { return false }
        let kernelLaunch = makeLaunch(size: size, outputs: groups[0].outputs, sideEffects: sideEffects)
        let written = Set(sideEffects.flatMap(\.writtenNodes).map { ObjectIdentifier($0.storage!) })
        let readsWritten = kernelLaunch.program.slots.indices.contains { slot in
            let role = kernelLaunch.program.slots[slot].role
            return (role == .input || role == .gatherSource)
                && written.contains(ObjectIdentifier(kernelLaunch.storages[slot]))
        }
        guard !readsWritten else { return false }
        let targets = sideEffects.flatMap(\.writtenNodes)
        sideEffects = []
        run(kernelLaunch)
        for target in targets { target.pendingWrites -= 1 }
        return true
    }
}
