// Lowers the graph nodes of one kernel (all of one size) into a KernelProgram and the buffers it will touch.

/// A program plus everything needed to launch it once: the storage behind each slot and where results go.
struct KernelLaunch {
    var program: KernelProgram
    /// The storage bound to each slot (outputs and partials are freshly allocated).
    var storages: [Storage]
    /// Nodes that receive a freshly stored array: (node, slot).
    var outputs: [(node: Node, slot: Int)]
    /// Reduction nodes and the slot of their per-block partial results.
    var reductions: [(node: Node, slot: Int, kind: ReductionKind)]
    /// The number of lanes (for a product's own kernel: its work units, see `KernelMatrixProduct.units`).
    var size: Int
    /// Lanes per block of work handed to a thread.
    var blockSize: Int
    /// Bytes of the buffers this launch allocated (outputs, partials, snapshots).
    var allocatedBytes = 0
    /// Seconds spent building this launch from the graph.
    var tracingSeconds = 0.0
}

/// Builds one kernel program from nodes whose dependencies across sizes are already evaluated.
struct KernelBuilder {
    /// Outputs of at least this many elements (16 MiB of floats) are written with non-temporal stores.
    static let streamingThreshold = 4 << 20

    let size: Int
    let vectorWidth: Int
    let blockSize: Int
    let countsOutOfRange: Bool
    /// Whether a program of one symbolic loop refills its lanes (`KernelProgram.refillsLoopLanes`).
    let refillsLoopLanes: Bool

    var instructions: [KernelInstruction] = []
    private var slots: [KernelSlot] = []
    private var storages: [Storage] = []
    private var slotOfStorage: [SlotKey: Int] = [:]
    /// The matrix products of `.matrixProduct` instructions, by their `immediate`.
    private var matrixProducts: [KernelMatrixProduct] = []
    /// Marks the nodes emitted by this builder (see `Node.emittedInstruction`).
    let epoch: UInt64
    private var outputs: [(node: Node, slot: Int)] = []
    /// The nodes stored by this launch (a loop's live outputs are added to them, see `storeConstructOutputs`).
    private var storedNodes: Set<ObjectIdentifier> = []
    /// How many loops enclose the instructions being emitted, and the nodes emitted inside them (their values
    /// are not available after the loop that computes them).
    var loopDepth = 0
    var nodesEmittedInLoops: [Node] = []
    /// Loops, native calls and dispatches emitted outside any loop or case, whose live outputs the launch stores.
    var outermostConstructs: [Node] = []
    /// While a merged dispatch case is emitted: its gathers whose source differs between members, with each member's
    /// lanes and source (`KernelBuilder+CaseMerging.swift`).
    var mergedGathers: [ObjectIdentifier: [(lanes: Int32, source: Node)]] = [:]
    private var reductions: [(node: Node, slot: Int, kind: ReductionKind)] = []

    private struct SlotKey: Hashable {
        var storage: ObjectIdentifier
        var role: SlotRole
    }

    /// `epoch` must differ from that of every other builder that saw the same nodes.
    init(size: Int, vectorWidth: Int, blockSize: Int, countsOutOfRange: Bool, refillsLoopLanes: Bool,
         epoch: UInt64) {
        self.epoch = epoch
        self.size = size
        self.vectorWidth = vectorWidth
        self.blockSize = blockSize
        self.countsOutOfRange = countsOutOfRange
        self.refillsLoopLanes = refillsLoopLanes
    }

    /// Adds a node whose value the launch must store (or, for a reduction, reduce).
    mutating func addOutput(_ node: Node) {
        guard !storedNodes.contains(ObjectIdentifier(node)) else { return }
        if let kind = node.op.reductionKind {
            let value = emit(node.operands[0])
            let blocks = (size + blockSize - 1) / blockSize
            let slot = newSlot(Storage(count: max(blocks, 1), type: node.type), role: .reductionPartials)
            append(KernelInstruction(op: .reducePartial, type: node.type, operands: [value],
                                     immediate: UInt32(slot), auxiliary: kind.rawValue))
            reductions.append((node, slot, kind))
        } else {
            let value = emit(node)
            storedNodes.insert(ObjectIdentifier(node))
            let slot = newSlot(Storage(uninitializedCount: node.size, type: node.type), role: .output)
            let streaming = node.size >= KernelBuilder.streamingThreshold ? KernelInstruction.streamingStore : 0
            append(KernelInstruction(op: .store, type: node.type, operands: [value], immediate: UInt32(slot),
                                     auxiliary: streaming))
            outputs.append((node, slot))
        }
    }

    /// Adds a block reduction (`blockSum`, `blockMin`, `blockMax`) computed from its source inside this kernel,
    /// whose size is the source's: every lane combines its value into an output that starts as the identity. The
    /// launch's block size must be a multiple of lcm(k, W).
    mutating func addBlockReduction(_ node: Node) {
        let source = node.operands[0], kind = node.op.blockReductionKind!
        precondition(source.size == size, "Tracer: a block reduction of \(source.size) elements in a kernel of \(size)")
        let value = emit(source)
        let length = Int(node.auxiliary), tree = node.op == .blockTreeSum
        // Blocks of k < W lanes with k dividing W are reduced whole inside one vector and their results stored over
        // whatever the buffer held, as are tree sums (k divides W); other lengths combine into it, so it starts
        // filled with the identity.
        let storage = (length < vectorWidth || tree) && vectorWidth % length == 0
            ? Storage(uninitializedCount: node.size, type: node.type)
            : Storage(repeating: ScalarSemantics.identity(of: kind, type: node.type), count: node.size, type: node.type)
        let slot = newSlot(storage, role: .blockOutput)
        append(KernelInstruction(op: .blockAccumulate, type: node.type, operands: [value], immediate: UInt32(slot),
                                 auxiliary: KernelInstruction.blockAccumulateAuxiliary(kind: kind, length: length,
                                                                                       tree: tree)))
        outputs.append((node, slot))
    }

    /// Emits every value that `addOutput`, `addBlockReduction` and `addSideEffects` will store, reduce or write for
    /// these nodes, each as late as its uses allow (`emitAsLateAsPossible`), so that those find them emitted.
    mutating func emitValues(outputs: [Node], blockReductions: [Node], sideEffects: [SideEffect],
                             riders: [(node: Node, assignedValue: Node)]) {
        let reduced = outputs.map { $0.op.reductionKind != nil ? $0.operands[0] : $0 }
            + blockReductions.map { $0.operands[0] }
        let written = sideEffects.flatMap { effect -> [Node] in
            effect.isControlFlow ? [effect.target] : effect.op == .store ? [effect.value]
                : [effect.index, effect.value, effect.mask]
        }
        emitAsLateAsPossible(reduced + written + riders.map(\.assignedValue))
    }

    /// Adds queued scatters, scatter-adds and assignments (`store`), in program order, and the products that
    /// ride on the assignments (`TraceContext+ProductRiders.swift`). Every value is computed before anything is
    /// written, so a lane reads the old contents of an array that this launch assigns to; the riders come before
    /// the writes too, so their loads of A can be shared with those of a fused weight gradient.
    mutating func addSideEffects(_ effects: [SideEffect], riders: [(node: Node, assignedValue: Node)] = []) {
        let operands = effects.map { effect -> [Int32] in
            switch effect.op {
            case .store: [emit(effect.value)]
            case .loop, .dispatch: [emit(effect.target)]  // emitting a loop or dispatch runs its side effects
            default: [emit(effect.index), emit(effect.value), emit(effect.mask)]
            }
        }
        for rider in riders { addRidingProduct(rider.node, assignedValue: rider.assignedValue) }
        for (effect, operands) in zip(effects, operands) where !effect.isControlFlow {
            let role: SlotRole = switch effect.op {
            case .store: .assignTarget
            case .scatterAdd: .scatterAddTarget
            default: .scatterTarget
            }
            let slot = slotFor(effect.target.storage!, role: role)
            append(KernelInstruction(op: effect.op, type: effect.value.type, operands: operands,
                                     immediate: UInt32(slot)))
        }
    }

    /// Adds a product computed from `assignedValue`, the value this launch assigns to its B. Its packed A is
    /// evaluated; the launch's block size must be a multiple of k (one row of B).
    private mutating func addRidingProduct(_ node: Node, assignedValue: Node) {
        precondition(assignedValue.size == size,
                     "Tracer: a product's B of \(assignedValue.size) elements in a kernel of \(size)")
        let value = emit(assignedValue)
        let packed = node.context.productInputs(node, strategy: .riding)[0]
        let a = slotFor(packed.storage!, role: .gatherSource)
        let c = newSlot(Storage(uninitializedCount: node.size, type: .float32), role: .productOutput)
        let entry = KernelMatrixProduct(product: node.product!, strategy: .riding, a: a, b: -1, c: c)
        append(KernelInstruction(op: .matrixProduct, type: .float32, operands: [value],
                                 immediate: UInt32(matrixProducts.count)))
        matrixProducts.append(entry)
        outputs.append((node, c))
    }

    /// Adds every live, unevaluated output of the launch's outermost loops, native calls and dispatches to the
    /// stored nodes, so that none of them runs twice (once for some of its outputs, later for the others).
    mutating func storeConstructOutputs() {
        for node in outermostConstructs where node.size == size {
            let outputs = node.loop?.outputs.map(\.node) ?? node.nativeCall?.outputs.map(\.node)
                ?? node.dispatch?.outputs.map(\.node) ?? []
            for case let output? in outputs where !output.isEvaluated { addOutput(output) }
        }
    }

    /// The finished launch description.
    mutating func finish() -> KernelLaunch {
        storeConstructOutputs()
        let touchesMemoryByIndex = instructions.contains { $0.op == .gather || $0.op == .scatter || $0.op == .scatterAdd }
        let counts = countsOutOfRange && touchesMemoryByIndex
        if counts {
            _ = newSlot(Storage(count: 2, type: .uint32), role: .boundsCounter)
        }
        // A source read by index (gather, block reduction, product) that this launch also assigns to is
        // read from a snapshot: other lanes may already have been written.
        let assigned = Set(slots.indices.filter { slots[$0].role == .assignTarget }.map { ObjectIdentifier(storages[$0]) })
        var allocatedBytes = 0
        for slot in slots.indices {
            switch slots[slot].role {
            case .output, .reductionPartials, .blockOutput, .productOutput:
                allocatedBytes += storages[slot].capacity * 4
            case .gatherSource where assigned.contains(ObjectIdentifier(storages[slot])):
                storages[slot] = storages[slot].copy()
                allocatedBytes += storages[slot].capacity * 4
            default:
                break
            }
        }
        markReadOnlyGathers()
        let program = KernelProgram(instructions: instructions, slots: slots, vectorWidth: vectorWidth,
                                    countsOutOfRange: counts, refillsLoopLanes: refillsLoopLanes,
                                    matrixProducts: matrixProducts)
        return KernelLaunch(program: program, storages: storages, outputs: outputs, reductions: reductions, size: size,
                            blockSize: blockSize, allocatedBytes: allocatedBytes)
    }

    /// Marks the gathers whose source no scatter or scatter-add of this launch writes
    /// (`KernelInstruction.readOnlySource`). Assigned sources are already snapshots here, and outputs are fresh.
    private mutating func markReadOnlyGathers() {
        let written = Set(slots.indices.filter { [.scatterTarget, .scatterAddTarget].contains(slots[$0].role) }
            .map { ObjectIdentifier(storages[$0]) })
        for position in instructions.indices where instructions[position].op == .gather
            && !written.contains(ObjectIdentifier(storages[Int(instructions[position].immediate)])) {
            instructions[position].auxiliary |= KernelInstruction.readOnlySource
        }
    }

    // MARK: - Emission

    /// Emits `root` and everything it needs (iteratively: graphs can be deep) and returns its instruction index.
    /// Each stack entry is a node and the number of its operands already pushed.
    mutating func emit(_ root: Node) -> Int32 {
        if let done = emitted(root) { return done }
        var stack: [(node: Node, next: Int)] = [(root, 0)]
        while !stack.isEmpty {
            let (node, next) = stack[stack.count - 1]
            let operands = operandRangeToEmit(node)
            if let position = operands.dropFirst(next).first(where: { emitted(node.operands[$0]) == nil }) {
                stack[stack.count - 1].next = position + 1 - operands.lowerBound
                stack.append((node.operands[position], 0))
                continue
            }
            stack.removeLast()
            if emitted(node) == nil { place(node) }
        }
        return emitted(root)!
    }

    /// Emits `node`'s own instruction; its operands are emitted.
    private mutating func place(_ node: Node) {
        node.emittedInstruction = (epoch, instruction(for: node))
        if loopDepth > 0 { nodesEmittedInLoops.append(node) }
    }

    /// Emits every node that `roots` need (what `emit` would reach), each as late as the longest chain of operands
    /// from it to a root allows: the nodes farthest from every root first, ties in depth-first order. Inputs and
    /// literals are left to be emitted at their first use. Why: `emit` alone is depth-first, output by output, so a
    /// value that several outputs share is computed with the first and held until the last. A film's pull adds 25
    /// offsets' weights into one output and their weighted colours into three more; depth-first, all 25 weights were
    /// computed and summed, and LLVM spilled them until the colours used them. As late as possible, each offset's
    /// weight and colours are computed together. The order depends only on the graph's shape, never on node ids
    /// (a recording that reuses older nodes must give the same program, or it misses the kernel cache), and it
    /// changes no value.
    mutating func emitAsLateAsPossible(_ roots: [Node]) {
        // Depth-first postorder of the nodes to emit (operands before users), as `emit` would visit them. Positions
        // are marks on the nodes under this walk's epoch (a dictionary keyed by node made kernel building half as
        // slow again).
        let walk = TraceContext.freshEpoch()
        var postorder: [Node] = []
        var stack: [(node: Node, expanded: Bool)] = roots.reversed().map { ($0, false) }
        while let (node, expanded) = stack.popLast() {
            if expanded {
                node.postorderIndex = Int32(postorder.count)
                postorder.append(node)
                continue
            }
            guard node.visitEpoch != walk, emitted(node) == nil, !node.isEvaluated, !node.isLiteral else { continue }
            node.visitEpoch = walk
            stack.append((node, true))
            for operand in operandRangeToEmit(node).reversed() { stack.append((node.operands[operand], false)) }
        }
        // The longest chain from each node to a root: users come after their operands in the postorder, so walking
        // it backwards settles every user before its operands.
        var distance = [Int32](repeating: 0, count: postorder.count)
        for index in postorder.indices.reversed() {
            let node = postorder[index]
            for position in operandRangeToEmit(node) {
                let operand = node.operands[position]
                guard operand.visitEpoch == walk else { continue }  // emitted already, an input or a literal
                let at = Int(operand.postorderIndex)
                distance[at] = Swift.max(distance[at], distance[index] + 1)
            }
        }
        let farthest = distance.max() ?? 0
        // Farthest first, ties in postorder: a counting sort by distance, stable.
        var starts = [Int](repeating: 0, count: Int(farthest) + 2)
        for d in distance { starts[Int(farthest - d) + 1] += 1 }
        for bucket in 1..<starts.count { starts[bucket] += starts[bucket - 1] }
        var order = [Int](repeating: 0, count: postorder.count)
        for (index, d) in distance.enumerated() {
            order[starts[Int(farthest - d)]] = index
            starts[Int(farthest - d)] += 1
        }
        // Each node's operands come earlier (they are farther from the roots), except inputs and literals, which
        // are emitted here at their first use; so no node needs `emit`'s walk (and its stack) again.
        for index in order {
            let node = postorder[index]
            for position in operandRangeToEmit(node) where emitted(node.operands[position]) == nil {
                place(node.operands[position])
            }
            place(node)
        }
    }

    /// A gather of `source` (its slot, marked small where its elements fit the table gathers).
    mutating func gatherInstruction(_ type: ScalarType, from source: Storage, index: Int32, mask: Int32) -> Int32 {
        let slot = slotFor(source, role: .gatherSource)
        let small = source.count <= KernelInstruction.smallSourceElements
        return append(KernelInstruction(op: .gather, type: type, operands: [index, mask], immediate: UInt32(slot),
                                        auxiliary: small ? KernelInstruction.smallSource : 0))
    }

    /// The instruction that computes `node` in this kernel, if emitted.
    func emitted(_ node: Node) -> Int32? {
        node.emittedInstruction.epoch == epoch ? node.emittedInstruction.index : nil
    }

    /// The positions of the operands that are computed inside this kernel.
    func operandRangeToEmit(_ node: Node) -> Range<Int> {
        if node.isEvaluated || node.isLiteral { return 0..<0 }
        switch node.op {
        case .loop: return 0..<node.loop!.initialValues.count  // the body is emitted inside the loop
        case .dispatch: return 0..<2 + node.dispatch!.arguments.count  // the cases are emitted inside it
        case .nativeCall: return 1..<node.operands.count  // operand 0 is the pointer buffer, a parameter
        case .gather: return 1..<node.operands.count
        case .blockSum, .blockMin, .blockMax, .blockTreeSum, .reduceSum, .reduceMin, .reduceMax: return 0..<0
        case .matrixProduct: return 0..<0
        default: return 0..<node.operands.count
        }
    }

    /// A literal instruction (not value-numbered: cheap, and LLVM folds duplicates).
    mutating func literalInstruction(_ bits: UInt32, type: ScalarType) -> Int32 {
        append(KernelInstruction(op: .literal, type: type, immediate: bits))
    }

    /// A new instruction computing `node` (its operands emitted), without marking the node emitted.
    mutating func instruction(for node: Node) -> Int32 {
        if node.isLiteral { return literalInstruction(node.immediate, type: node.type) }
        if let storage = node.storage {
            precondition(node.size == size || node.size == 1,
                         "Tracer: an evaluated array of size \(node.size) cannot feed a kernel of size \(size)")
            let slot = slotFor(storage, role: .input)
            let op: Op = node.size == size ? .load : .loadScalar
            return append(KernelInstruction(op: op, type: node.type, immediate: UInt32(slot)))
        }
        switch node.op {
        case .laneIndex:
            return append(KernelInstruction(op: .laneIndex, type: node.type))
        case .gather:
            if let members = mergedGathers[ObjectIdentifier(node)] { return mergedGather(node, members: members) }
            return gatherInstruction(node.type, from: node.operands[0].storage!, index: emitted(node.operands[1])!,
                                     mask: emitted(node.operands[2])!)
        case .blockSum, .blockMin, .blockMax, .blockTreeSum:
            let slot = slotFor(node.operands[0].storage!, role: .gatherSource)
            return append(KernelInstruction(op: node.op, type: node.type, immediate: UInt32(slot),
                                            auxiliary: node.auxiliary))
        case .loop:
            return emitLoop(node)
        case .loopOutput:
            // The loop variable's phi holds the final value after the loop.
            return emitted(node.operands[0])! + 1 + Int32(node.immediate)
        case .nativeCall:
            return emitNativeCall(node)
        case .nativeCallOutput:
            // The call's results follow it.
            return emitted(node.operands[0])! + 1 + Int32(node.immediate)
        case .dispatch:
            return emitDispatch(node)
        case .dispatchOutput:
            // The results follow the dispatch's end.
            return Int32(instructions[Int(emitted(node.operands[0])!)].immediate) + 1 + Int32(node.immediate)
        case .caseArgument:
            preconditionFailure("Tracer: an argument of a dispatch case was used outside its case (evaluated, "
                + "reduced or gathered from inside the case, or kept after the dispatch)")
        case .loopVariable:
            preconditionFailure("Tracer: the state of a symbolic loop was used outside its body (evaluated, reduced "
                + "or gathered from inside the body, or kept after the loop)")
        case .matrixProduct:
            // Computed lane by lane here (`MatrixProductStrategy.lanes`); its inputs are evaluated.
            let inputs = node.context.productInputs(node, strategy: .lanes)
            let a = slotFor(inputs[0].storage!, role: .gatherSource), b = slotFor(inputs[1].storage!, role: .gatherSource)
            matrixProducts.append(KernelMatrixProduct(product: node.product!, strategy: .lanes, a: a, b: b, c: -1))
            return append(KernelInstruction(op: .matrixProduct, type: .float32,
                                            immediate: UInt32(matrixProducts.count - 1)))
        default:
            precondition(node.op.isElementwise, "Tracer: \(node.op) must be evaluated before it is used")
            return append(KernelInstruction(op: node.op, type: node.type,
                                            operands: node.operands.map { emitted($0)! }))
        }
    }

    @discardableResult
    mutating func append(_ instruction: KernelInstruction) -> Int32 {
        instructions.append(instruction)
        return Int32(instructions.count - 1)
    }

    mutating func slotFor(_ storage: Storage, role: SlotRole) -> Int {
        let key = SlotKey(storage: ObjectIdentifier(storage), role: role)
        if let slot = slotOfStorage[key] { return slot }
        let slot = newSlot(storage, role: role)
        slotOfStorage[key] = slot
        return slot
    }

    @discardableResult
    private mutating func newSlot(_ storage: Storage, role: SlotRole) -> Int {
        let perLane = (role == .input || role == .gatherSource) && storage.count == size
        slots.append(KernelSlot(type: storage.type, role: role, sizedLikeLaunch: perLane))
        storages.append(storage)
        return slots.count - 1
    }
}

extension Op {
    /// The kind of a whole-array reduction op, nil for other ops.
    var reductionKind: ReductionKind? {
        switch self {
        case .reduceSum: .sum
        case .reduceMin: .min
        case .reduceMax: .max
        default: nil
        }
    }
}
