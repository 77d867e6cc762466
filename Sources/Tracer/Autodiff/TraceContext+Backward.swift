// Reverse and forward traversal of the tape. Adjoint code is recorded as ordinary (untaped) traced operations.

extension TraceContext {
    /// Propagates adjoints from `seeds` back to every leaf they depend on.
    func backward(from seeds: [(TapeEntry, FloatArray)]) {
        withGradientsSuspended {
            // Phase 1: every entry reachable from the seeds, latest first.
            var reachable: [UInt64: TapeEntry] = [:]
            var stack = seeds.map(\.0)
            while let entry = stack.popLast() {
                guard reachable[entry.serial] == nil else { continue }
                reachable[entry.serial] = entry
                stack.append(contentsOf: entry.parents.compactMap { $0 })
            }
            let order = reachable.values.sorted { $0.serial > $1.serial }
            // Phase 2: adjoints of intermediate entries live only during this traversal.
            var adjoints: [UInt64: FloatArray] = [:]
            func accumulate(_ contribution: FloatArray, into entry: TapeEntry) {
                var value = contribution
                let size = entry.result.size
                if value.count != size {
                    // A broadcast operand (size 1) receives the sum of its lanes' adjoints.
                    value = size == 1 ? value.sum() : value + FloatArray.zeros(size, context: self)
                }
                if entry.isLeaf {
                    entry.gradient = entry.gradient.map { $0 + value } ?? value
                } else {
                    adjoints[entry.serial] = adjoints[entry.serial].map { $0 + value } ?? value
                }
            }
            for (entry, seed) in seeds { accumulate(seed, into: entry) }
            // Phase 3: each entry passes its adjoint to its parents.
            for entry in order where !entry.isLeaf {
                guard let adjoint = adjoints.removeValue(forKey: entry.serial) else { continue }
                let contributions = entry.custom.map { $0.backward(adjoint: adjoint) }
                    ?? DerivativeTable.reverse(entry, adjoint: adjoint)
                for (parent, contribution) in zip(entry.parents, contributions) {
                    if let parent, let contribution { accumulate(contribution, into: parent) }
                }
            }
        }
    }

    /// Propagates `tangent` from a leaf to every live entry created after it.
    func forward(from source: TapeEntry, tangent: FloatArray) {
        withGradientsSuspended {
            let entries = lock.withLock { tapeRegistry.compactMap(\.entry) }
                .filter { $0.serial > source.serial }
                .sorted { $0.serial < $1.serial }
            var tangents: [UInt64: FloatArray] = [source.serial: tangent]
            source.gradient = tangent
            for entry in entries {
                let inputs = entry.parents.map { $0.flatMap { tangents[$0.serial] } }
                let result = entry.custom.map { $0.forward(tangents: inputs) }
                    ?? DerivativeTable.forward(entry, tangents: inputs)
                if let result {
                    tangents[entry.serial] = result
                    entry.gradient = result
                }
            }
        }
    }
}
