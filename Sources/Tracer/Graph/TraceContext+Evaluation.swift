// How recorded work runs: side effects in program order, then every pending node of one size as one kernel.
//
// `evaluate` is the entry point. Dependencies that cross sizes (gather sources, block-reduction sources, and
// reduction results used by later arithmetic) are evaluated first, recursively; everything else of one size,
// including size-1 subexpressions broadcast into it, is fused into one kernel.
import Foundation

extension TraceContext {
    /// Evaluates the nodes (and runs every queued scatter first).
    func evaluate(_ nodes: [Node]) {
        lock.lock()
        defer { lock.unlock() }
        flushSideEffects()
        evaluatePending(nodes)
    }

    /// Runs all queued scatters and scatter-adds, in program order.
    func flushSideEffects() {
        lock.lock()
        defer { lock.unlock() }
        while !sideEffects.isEmpty {
            let queue = sideEffects
            sideEffects = []
            // Phase 1: values the scatters read across sizes.
            let roots = queue.flatMap { [$0.index, $0.value, $0.mask] }
            evaluatePending(crossSizeDependencies(of: roots, fusingRootReductions: false))
            // Phase 2: consecutive scatters of one size share a kernel, unless one target is both scattered and
            // scatter-added (the partial buffers of scatter-add would reorder them).
            var batch: [SideEffect] = []
            func launchBatch() {
                guard !batch.isEmpty else { return }
                launch(size: batch[0].size, outputs: [], sideEffects: batch)
                for effect in batch { effect.target.pendingWrites -= 1 }
                batch = []
            }
            for effect in queue {
                let conflicts = batch.contains { $0.target === effect.target && $0.op != effect.op }
                if let first = batch.first, first.size != effect.size || conflicts { launchBatch() }
                batch.append(effect)
            }
            launchBatch()
        }
    }

    /// Evaluates nodes whose side effects are already flushed.
    func evaluatePending(_ nodes: [Node]) {
        var seen = Set<NodeID>()
        let pending = nodes.filter { !$0.isEvaluated && !$0.isLiteral && seen.insert($0.id).inserted }
        guard !pending.isEmpty else { return }
        // Phase 1: dependencies across sizes.
        let dependencies = crossSizeDependencies(of: pending, fusingRootReductions: true)
        if !dependencies.isEmpty { evaluatePending(dependencies) }
        // Phase 2: one kernel per size, in order of first appearance.
        var sizes: [Int] = []
        var groups: [Int: [Node]] = [:]
        for node in pending where !node.isEvaluated {
            let size = node.op.reductionKind != nil ? node.operands[0].size : node.size
            if groups[size] == nil { sizes.append(size) }
            groups[size, default: []].append(node)
        }
        for size in sizes { launch(size: size, outputs: groups[size]!, sideEffects: []) }
    }

    /// The unevaluated nodes that `nodes` read across a size boundary, which must be evaluated before them.
    /// With `fusingRootReductions`, reductions among `nodes` themselves are computed by the coming kernel (only
    /// their inputs are traversed); a reduction that any node reads as an operand is always a dependency.
    /// Literal gather sources get their memory here directly.
    func crossSizeDependencies(of nodes: [Node], fusingRootReductions: Bool) -> [Node] {
        var visited = Set<NodeID>()
        var dependencyIDs = Set<NodeID>()
        var dependencies: [Node] = []
        var stack = nodes.map { (node: $0, isRoot: true) }
        func requireEvaluated(_ node: Node) {
            if node.isEvaluated { return }
            if node.isLiteral {
                node.materialize(Storage(repeating: node.immediate, count: node.size, type: node.type))
            } else if dependencyIDs.insert(node.id).inserted {
                dependencies.append(node)
            }
        }
        while let (node, isRoot) = stack.popLast() {
            if node.isEvaluated || node.isLiteral { continue }
            if node.op.reductionKind != nil && !(isRoot && fusingRootReductions) {
                requireEvaluated(node)
                continue
            }
            guard visited.insert(node.id).inserted else { continue }
            switch node.op {
            case .gather, .blockSum, .blockMin, .blockMax:
                requireEvaluated(node.operands[0])
                stack.append(contentsOf: node.operands.dropFirst().map { ($0, false) })
            default:
                stack.append(contentsOf: node.operands.map { ($0, false) })
            }
        }
        return dependencies
    }

    /// Builds, compiles (or finds in the cache) and runs one kernel, then stores its results in the nodes.
    func launch(size: Int, outputs: [Node], sideEffects: [SideEffect]) {
        let options = self.options
        let width = vectorWidth
        let blockSize = max(width, options.blockSize / width * width)
        // Phase 1: lower the graph to a program.
        let traceStart = DispatchTime.now()
        var builder = KernelBuilder(size: size, vectorWidth: width, blockSize: blockSize,
                                    countsOutOfRange: options.checksBounds)
        for node in outputs { builder.addOutput(node) }
        for effect in sideEffects { builder.addSideEffect(effect) }
        let kernelLaunch = builder.finish()
        _statistics.tracingSeconds += traceStart.secondsElapsed
        // Phase 2: compile, unless cached.
        let compileStart = DispatchTime.now()
        let (kernel, compiled) = KernelCache.shared.kernel(for: kernelLaunch.program, variant: options.variant)
        if compiled {
            _statistics.kernelsCompiled += 1
            _statistics.compilingSeconds += compileStart.secondsElapsed
        } else {
            _statistics.cacheHits += 1
        }
        // Phase 3: run.
        let runStart = DispatchTime.now()
        Executor.run(kernel, kernelLaunch, threadCount: threadCount, blockSize: blockSize)
        _statistics.runningSeconds += runStart.secondsElapsed
        _statistics.kernelsLaunched += 1
        // Phase 4: results.
        for (node, slot) in kernelLaunch.outputs { node.materialize(kernelLaunch.storages[slot]) }
        for (node, slot, kind) in kernelLaunch.reductions {
            let partials = kernelLaunch.storages[slot]
            let blocks = (size + blockSize - 1) / blockSize
            var result = ScalarSemantics.identity(of: kind, type: node.type)
            for block in 0..<blocks {
                result = ScalarSemantics.combine(kind, type: node.type, result, partials.words[block])
            }
            node.materialize(Storage(bits: [result], type: node.type))
        }
        if let counter = kernelLaunch.program.slots.firstIndex(where: { $0.role == .boundsCounter }) {
            let count = Int(kernelLaunch.storages[counter].pointer.load(as: UInt64.self))
            if count > 0 {
                _statistics.outOfRangeLanes += count
                FileHandle.standardError.write(Data(
                    "Tracer: \(count) gather/scatter lane(s) with an out-of-range index were masked off in kernel \(String(kernelLaunch.program.structuralHash, radix: 16))\n".utf8))
            }
        }
    }
}

extension DispatchTime {
    /// Seconds from this time until now.
    var secondsElapsed: Double {
        Double(DispatchTime.now().uptimeNanoseconds - uptimeNanoseconds) / 1e9
    }
}
