// In-place assignment: queuing the write, and running a batch of side effects with copy on write decided late.
//
// `TracedArray.assign` gives the array a new node that shares the old node's storage and queues a `store` into it.
// The old node keeps standing for the old contents: whatever still references it when the write runs (a pending
// array computed from the old contents, another copy of the array, a tape entry) gets a copy of them first. The
// check happens when the write runs, after the kernel is built and the batch released, so the assigned expression
// itself (`W.assign(W - lr * step)`) reads the target in place, and an update that nothing else observes never
// copies.

extension TraceContext {
    /// Queues the assignment of `value` to every element of `target`'s storage; `replaced` is the node that held
    /// that storage before (nil when the storage is new).
    func recordAssignment(target: Node, value: Node, replacing replaced: Node?) {
        lock.lock()
        defer { lock.unlock() }
        precondition(!isRecordingLoopBody, "Tracer: assign is not supported in the body of a symbolic loop")
        if value.pendingWrites > 0 { flushSideEffects() }
        target.pendingWrites += 1
        let always = literal(1, type: .bool, size: 1)
        sideEffects.append(SideEffect(op: .store, target: target, index: value, value: value, mask: always,
                                      size: target.size, replaced: replaced))
    }

    /// Runs one batch of side effects (all of one size) as one kernel. `batch` is emptied before the kernel runs,
    /// so that the nodes only it referenced are gone when the replaced nodes of assignments are checked.
    func launchSideEffects(_ batch: inout [SideEffect]) {
        let targets = batch.flatMap(\.writtenNodes)
        let replaced = batch.map { WeakNode(node: $0.replaced) }
        let kernelLaunch = makeLaunch(size: batch[0].size, outputs: [], sideEffects: batch)
        batch = []
        purgeValueNumbers()
        for reference in replaced {
            // The kernel reads the shared storage at each lane before writing it, so giving the copy to the old
            // node (rather than to the kernel) is equivalent, and the array keeps its storage.
            guard let old = reference.node, let storage = old.storage else { continue }
            let copy = storage.copy()
            old.storage = copy
            _statistics.allocatedBytes += copy.capacity * 4
        }
        run(kernelLaunch)
        for target in targets { target.pendingWrites -= 1 }
    }
}
