// How recorded work runs: side effects in program order, then every pending node of one size as one kernel.
//
// `evaluate` is the entry point. Dependencies that cross sizes (gather sources, block reductions read by later
// arithmetic, and reduction results used by later arithmetic) are evaluated first, recursively; everything else of
// one size, including size-1 subexpressions broadcast into it, is fused into one kernel. Whole and block
// reductions being evaluated are computed by the kernel of their input (see `TraceContext+KernelGroups.swift`).
import Foundation

extension TraceContext {
    /// Evaluates the nodes (and runs every queued scatter first): nodes of one size share one kernel. The way to
    /// evaluate arrays of different element types together.
    package func evaluate(_ nodes: [Node]) {
        lock.lock()
        defer { lock.unlock() }
        purgeValueNumbers()
        if evaluateFusingSideEffects(nodes) { return }
        flushSideEffects()
        evaluatePending(nodes)
    }

    /// Runs all queued scatters, scatter-adds and assignments, in program order.
    func flushSideEffects() {
        lock.lock()
        defer { lock.unlock() }
        while !sideEffects.isEmpty {
            var queue = sideEffects
            sideEffects = []
            // Phase 1: values the side effects read across sizes, and the inputs of riding products.
            evaluatePending(crossSizeDependencies(of: queue.flatMap { [$0.index, $0.value, $0.mask] },
                                                  fusingRootReductions: false))
            evaluatePending(riderInputs(of: queue))
            // Phase 2: side effects run in batches (`firstBatchCount`). A batch leaves the queue before it runs:
            // `launchSideEffects` needs to know what else still references the old contents.
            while !queue.isEmpty {
                let count = firstBatchCount(queue)
                var batch = Array(queue.prefix(count))
                queue.removeFirst(count)
                launchSideEffects(&batch)
            }
        }
    }

    /// How many side effects at the head of `queue` can share one kernel: consecutive ones of one size, unless a
    /// target is written by two kinds of effect (the partial buffers of scatter-add would reorder them). A loop
    /// or dispatch with side effects runs alone.
    func firstBatchCount(_ queue: [SideEffect]) -> Int {
        var count = 1
        while count < queue.count, queue[count].size == queue[0].size, !queue[0].isControlFlow, !queue[count].isControlFlow,
              !queue[0..<count].contains(where: { $0.target === queue[count].target && $0.op != queue[count].op }) {
            count += 1
        }
        return count
    }

    /// Evaluates nodes whose side effects are already flushed.
    func evaluatePending(_ nodes: [Node]) {
        let pending = pendingNodes(nodes)
        guard !pending.isEmpty else { return }
        // Phase 1: dependencies across sizes.
        let dependencies = crossSizeDependencies(of: pending, fusingRootReductions: true)
        if !dependencies.isEmpty { evaluatePending(dependencies) }
        // Phase 2: one kernel per size, in order of first appearance; matrix products run kernels of their own.
        let (matrixProducts, groups) = kernelGroups(pending)
        for node in matrixProducts { launchMatrixProduct(node) }
        for group in groups {
            run(makeLaunch(size: group.size, outputs: group.outputs, blockReductions: group.blockReductions,
                           sideEffects: []))
        }
    }

    /// The nodes among `nodes` that still need computing (not evaluated, not literals), each once.
    func pendingNodes(_ nodes: [Node]) -> [Node] {
        var seen = Set<NodeID>()
        return nodes.filter { !$0.isEvaluated && !$0.isLiteral && seen.insert($0.id).inserted }
    }

    /// The unevaluated nodes that `nodes` read across a size boundary, which must be evaluated before them.
    /// With `fusingRootReductions`, reductions among `nodes` themselves are computed by the coming kernel (only
    /// their inputs are traversed); a reduction that any node reads as an operand is always a dependency.
    /// Block reductions of an unevaluated source are alike: at a root they are computed by the kernel of their
    /// source; read as an operand they are a dependency (so only the N/k results reach memory, not the source),
    /// unless the source is itself a root and will be stored anyway. Literal gather sources get their memory here.
    func crossSizeDependencies(of nodes: [Node], fusingRootReductions: Bool) -> [Node] {
        // Visited nodes carry this walk's epoch: marking them costs far less than hashing their IDs into a set.
        let epoch = Self.freshEpoch()
        func visit(_ node: Node) -> Bool {
            guard node.visitEpoch != epoch else { return false }
            node.visitEpoch = epoch
            return true
        }
        var dependencyIDs = Set<NodeID>()
        var dependencies: [Node] = []
        var stack = nodes.map { (node: $0, isRoot: true) }
        let rootIDs = Set(nodes.map(\.id))
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
            if (node.op.reductionKind != nil || runsOwnKernel(node)) && !(isRoot && fusingRootReductions) {
                requireEvaluated(node)
                continue
            }
            if fusesBlockReduction(node) {
                if isRoot && fusingRootReductions {
                    if visit(node) { stack.append((node.operands[0], false)) }
                    continue
                }
                if !rootIDs.contains(node.operands[0].id) {
                    requireEvaluated(node)
                    continue
                }
            }
            guard visit(node) else { continue }
            switch node.op {
            case .gather, .blockSum, .blockMin, .blockMax, .blockTreeSum:
                requireEvaluated(node.operands[0])
                for operand in node.operands.dropFirst() { stack.append((operand, false)) }
            case .matrixProduct:
                productInputs(node, strategy: MatrixProductStrategy(node.product!)).forEach(requireEvaluated)
            default:
                // Appended one by one: a mapped copy per node was an allocation per node of every walk.
                for operand in node.operands { stack.append((operand, false)) }
            }
        }
        return dependencies
    }

    /// Phase 1 of a launch: lowers the graph to a program and the buffers it touches. `blockReductions` are
    /// computed from their source, which has the launch's size (see `addBlockReduction`).
    func makeLaunch(size: Int, outputs: [Node], blockReductions: [Node] = [],
                    sideEffects: [SideEffect]) -> KernelLaunch {
        let traceStart = DispatchTime.now()
        var kernelLaunch = buildLaunch(size: size, outputs: outputs, blockReductions: blockReductions,
                                       sideEffects: sideEffects)
        kernelLaunch.tracingSeconds = traceStart.secondsElapsed
        _statistics.tracingSeconds += kernelLaunch.tracingSeconds
        _statistics.allocatedBytes += kernelLaunch.allocatedBytes
        return kernelLaunch
    }

    /// Phases 2 to 4 of a launch: compiles (unless cached), runs, and stores the results in the nodes.
    func run(_ kernelLaunch: KernelLaunch) {
        capturedLaunches?.append(kernelLaunch)
        let size = kernelLaunch.size, blockSize = kernelLaunch.blockSize
        // Phase 2: compile, unless cached.
        let compileStart = DispatchTime.now()
        let (kernel, source) = kernelCache.kernel(for: kernelLaunch.program, variant: options.variant,
                                                  diskCache: options.diskCache)
        let compiled = source != .memory
        switch source {
        case .memory: _statistics.cacheHits += 1
        case .disk: _statistics.diskCacheHits += 1
        case .compiled: _statistics.kernelsCompiled += 1
        }
        if compiled { _statistics.compilingSeconds += compileStart.secondsElapsed }
        // Phase 3: run.
        let runStart = DispatchTime.now()
        Executor.run(kernel, kernelLaunch, threadCount: threadCount, blockSize: blockSize, progress: launchProgress)
        let runningSeconds = runStart.secondsElapsed
        _statistics.runningSeconds += runningSeconds
        if options.logsLaunches {
            let compilingSeconds = compiled ? Double(runStart.uptimeNanoseconds - compileStart.uptimeNanoseconds) / 1e9 : nil
            logLaunch(kernelLaunch, compilingSeconds: compilingSeconds, fromDisk: source == .disk,
                      runningSeconds: runningSeconds)
        }
        _statistics.kernelsLaunched += 1
        if kernel.refillsLanes { _statistics.refillingLaunches += 1 }
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

extension TraceContext {
    /// One line of the launch log: kernel hash, lanes, instructions, buffers by role, and times. "since last launch"
    /// is the host time from the end of the previous launch's run to the start of this one's (recording, autodiff,
    /// tracing and compiling). A kernel loaded from the disk cache shows its loading time as "disk".
    func logLaunch(_ launch: KernelLaunch, compilingSeconds: Double?, fromDisk: Bool, runningSeconds: Double) {
        let program = launch.program
        func count(_ role: SlotRole) -> Int { program.slots.filter { $0.role == role }.count }
        var line = "Tracer: launch \(String(program.structuralHash, radix: 16)) lanes \(launch.size)"
        line += " instructions \(program.instructions.count) inputs \(count(.input) + count(.gatherSource))"
        line += " outputs \(count(.output) + count(.assignTarget) + count(.productOutput)) scatters \(count(.scatterTarget) + count(.scatterAddTarget))"
        line += " reductions \(count(.reductionPartials) + count(.blockOutput))"
        line += String(format: " trace %.1f us", launch.tracingSeconds * 1e6)
        if let compilingSeconds {
            line += String(format: fromDisk ? " disk %.1f ms" : " compile %.1f ms", compilingSeconds * 1e3)
        }
        line += String(format: " run %.1f us", runningSeconds * 1e6)
        let now = DispatchTime.now().uptimeNanoseconds
        if lastLaunchEnd > 0 {
            let sinceLast = Double(now - lastLaunchEnd) / 1e9 - runningSeconds
            line += String(format: " since last launch %.1f us", sinceLast * 1e6)
        }
        lastLaunchEnd = now
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

extension DispatchTime {
    /// Seconds from this time until now.
    var secondsElapsed: Double {
        Double(DispatchTime.now().uptimeNanoseconds - uptimeNanoseconds) / 1e9
    }
}
