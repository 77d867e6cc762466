// Reverse and forward traversal of the tape. Adjoint code is recorded as ordinary (untaped) traced operations.

extension TraceContext {
    /// Propagates adjoints from `seeds` back to every leaf they depend on. Inside a symbolic loop body, the
    /// traversal stops at the entries the body did not compute (`BodyAdjoints.swift`).
    func backward(from seeds: [(TapeEntry, FloatArray)]) {
        let loopScope = innermostBodyAdjointScope
        func isLocal(_ entry: TapeEntry) -> Bool { loopScope?.computesInBody(entry) ?? true }
        withGradientsSuspended {
            // Phase 1: every entry reachable from the seeds, latest first.
            var reachable: [UInt64: TapeEntry] = [:]
            var stack = seeds.map(\.0)
            while let entry = stack.popLast() {
                guard reachable[entry.serial] == nil else { continue }
                reachable[entry.serial] = entry
                if isLocal(entry) { stack.append(contentsOf: entry.parents.compactMap { $0 }) }
            }
            let order = reachable.values.sorted { $0.serial > $1.serial }
            // Phase 2: adjoints of intermediate entries live only during this traversal. Gather adjoints into one
            // entry share one zero-initialised buffer (`scatterTargets`), which is already part of the entry's
            // adjoint when created, so later scatter-adds into it are queued without reading it.
            var adjoints: [UInt64: FloatArray] = [:]
            var scatterTargets: [UInt64: Node] = [:]
            func add(_ value: FloatArray, to entry: TapeEntry) {
                if entry.isLeaf {
                    entry.gradient = entry.gradient.map { $0 + value } ?? value
                } else {
                    adjoints[entry.serial] = adjoints[entry.serial].map { $0 + value } ?? value
                }
            }
            func accumulate(_ contribution: AdjointContribution, into entry: TapeEntry) {
                if let loopScope, !isLocal(entry) {
                    deferAdjoint(contribution, into: entry, scope: loopScope)
                    return
                }
                let size = entry.result.size
                switch contribution {
                case .value(var value):
                    if value.count != size {
                        precondition(value.count == 1 || size == 1,
                                     "Autodiff: an adjoint of size \(value.count) for an array of size \(size)")
                        // A broadcast operand (size 1) receives the sum of its lanes' adjoints.
                        value = size == 1 ? value.sum() : value + FloatArray.zeros(size, context: self)
                    }
                    add(value, to: entry)
                case let .scatterAdd(value, index, mask):
                    let target: Node
                    if let existing = scatterTargets[entry.serial] {
                        target = existing
                    } else {
                        target = buffer(Storage(count: size, type: .float32))
                        scatterTargets[entry.serial] = target
                        add(FloatArray(node: target), to: entry)
                    }
                    recordSideEffect(.scatterAdd, target: target, index: index.node, value: value.node,
                                     mask: mask.node)
                }
            }
            // In an evaluated loop's body, as its scatters do, backward acts on the lanes still active (a symbolic
            // body's scatter-adds are masked by the loop itself).
            let activeLanes = activeLoopMask.map { BoolArray(node: $0) }
            for (entry, seed) in seeds {
                let seed = activeLanes.map { select($0, seed, FloatArray(repeating: 0, context: self)) } ?? seed
                accumulate(.value(seed), into: entry)
            }
            // Phase 3: each entry passes its adjoint to its parents.
            for entry in order where !entry.isLeaf {
                guard let adjoint = adjoints.removeValue(forKey: entry.serial) else { continue }
                scatterTargets[entry.serial] = nil
                let contributions = entry.custom.map { $0.backward(adjoint: adjoint).map { $0.map { .value($0) } } }
                    ?? DerivativeTable.reverse(entry, adjoint: adjoint)
                precondition(contributions.count == entry.parents.count,
                             "Autodiff: \(contributions.count) adjoints for an operation of \(entry.parents.count) inputs")
                for (parent, contribution) in zip(entry.parents, contributions) {
                    if let parent, let contribution { accumulate(contribution, into: parent) }
                }
            }
        }
    }

    /// Propagates `tangent` from a leaf to every live entry created after it.
    func forward(from source: TapeEntry, tangent: FloatArray) {
        lock.withLock { forwardPassSources.append(source.serial) }
        defer { lock.withLock { _ = forwardPassSources.removeLast() } }
        withGradientsSuspended {
            let entries = lock.withLock { tapeRegistry.compactMap(\.entry) }
                .filter { $0.serial > source.serial }
                .sorted { $0.serial < $1.serial }
            var tangents: [UInt64: FloatArray] = [source.serial: tangent]
            source.gradient = tangent
            for entry in entries where !entry.isLeaf {
                let inputs = entry.parents.map { $0.flatMap { tangents[$0.serial] } }
                let result: FloatArray?
                if let custom = entry.custom {
                    precondition(!inputs.contains { $0 != nil } || custom.supportsForwardMode,
                                 "Autodiff: forward mode reached a custom operation that has no forward derivative")
                    result = custom.forward(tangents: inputs)
                } else {
                    result = DerivativeTable.forward(entry, tangents: inputs)
                }
                // Entries the tangent does not reach get none, so a stale tangent of an earlier pass is not read.
                entry.gradient = result
                if let result { tangents[entry.serial] = result }
            }
        }
    }
}
