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
    /// The number of lanes.
    var size: Int
}

/// Builds one kernel program from nodes whose dependencies across sizes are already evaluated.
struct KernelBuilder {
    /// Outputs of at least this many elements (16 MiB of floats) are written with non-temporal stores.
    static let streamingThreshold = 4 << 20

    let size: Int
    let vectorWidth: Int
    let blockSize: Int
    let countsOutOfRange: Bool

    private var instructions: [KernelInstruction] = []
    private var slots: [KernelSlot] = []
    private var storages: [Storage] = []
    private var slotOfStorage: [SlotKey: Int] = [:]
    private var instructionOfNode: [NodeID: Int32] = [:]
    private var outputs: [(node: Node, slot: Int)] = []
    private var reductions: [(node: Node, slot: Int, kind: ReductionKind)] = []

    private struct SlotKey: Hashable {
        var storage: ObjectIdentifier
        var role: SlotRole
    }

    init(size: Int, vectorWidth: Int, blockSize: Int, countsOutOfRange: Bool) {
        self.size = size
        self.vectorWidth = vectorWidth
        self.blockSize = blockSize
        self.countsOutOfRange = countsOutOfRange
    }

    /// Adds a node whose value the launch must store (or, for a reduction, reduce).
    mutating func addOutput(_ node: Node) {
        if let kind = node.op.reductionKind {
            let value = emit(node.operands[0])
            let blocks = (size + blockSize - 1) / blockSize
            let slot = newSlot(Storage(count: max(blocks, 1), type: node.type), role: .reductionPartials)
            append(KernelInstruction(op: .reducePartial, type: node.type, operands: [value],
                                     immediate: UInt32(slot), auxiliary: kind.rawValue))
            reductions.append((node, slot, kind))
        } else {
            let value = emit(node)
            let slot = newSlot(Storage(uninitializedCount: node.size, type: node.type), role: .output)
            let streaming = node.size >= KernelBuilder.streamingThreshold ? KernelInstruction.streamingStore : 0
            append(KernelInstruction(op: .store, type: node.type, operands: [value], immediate: UInt32(slot),
                                     auxiliary: streaming))
            outputs.append((node, slot))
        }
    }

    /// Adds a queued scatter or scatter-add.
    mutating func addSideEffect(_ effect: SideEffect) {
        let index = emit(effect.index)
        let value = emit(effect.value)
        let mask = emit(effect.mask)
        let role: SlotRole = effect.op == .scatterAdd ? .scatterAddTarget : .scatterTarget
        let slot = slotFor(effect.target.storage!, role: role)
        append(KernelInstruction(op: effect.op, type: effect.value.type, operands: [index, value, mask],
                                 immediate: UInt32(slot)))
    }

    /// The finished launch description.
    mutating func finish() -> KernelLaunch {
        let touchesMemoryByIndex = instructions.contains { $0.op == .gather || $0.op == .scatter || $0.op == .scatterAdd }
        let counts = countsOutOfRange && touchesMemoryByIndex
        if counts {
            _ = newSlot(Storage(count: 2, type: .uint32), role: .boundsCounter)
        }
        let program = KernelProgram(instructions: instructions, slots: slots, vectorWidth: vectorWidth,
                                    countsOutOfRange: counts)
        return KernelLaunch(program: program, storages: storages, outputs: outputs, reductions: reductions, size: size)
    }

    // MARK: - Emission

    /// Emits `root` and everything it needs (iteratively: graphs can be deep) and returns its instruction index.
    private mutating func emit(_ root: Node) -> Int32 {
        var stack: [(node: Node, operandsDone: Bool)] = [(root, false)]
        while let (node, operandsDone) = stack.popLast() {
            if instructionOfNode[node.id] != nil { continue }
            let pending = operandsToEmit(node).filter { instructionOfNode[$0.id] == nil }
            if !operandsDone && !pending.isEmpty {
                stack.append((node, true))
                for operand in pending.reversed() { stack.append((operand, false)) }
                continue
            }
            instructionOfNode[node.id] = instruction(for: node)
        }
        return instructionOfNode[root.id]!
    }

    /// The operands that are computed inside this kernel.
    private func operandsToEmit(_ node: Node) -> [Node] {
        if node.isEvaluated || node.isLiteral { return [] }
        switch node.op {
        case .gather: return Array(node.operands.dropFirst())
        case .blockSum, .blockMin, .blockMax, .reduceSum, .reduceMin, .reduceMax: return []
        default: return node.operands
        }
    }

    private mutating func instruction(for node: Node) -> Int32 {
        if node.isLiteral {
            return append(KernelInstruction(op: .literal, type: node.type, immediate: node.immediate))
        }
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
            let slot = slotFor(node.operands[0].storage!, role: .gatherSource)
            return append(KernelInstruction(
                op: .gather, type: node.type,
                operands: [instructionOfNode[node.operands[1].id]!, instructionOfNode[node.operands[2].id]!],
                immediate: UInt32(slot)))
        case .blockSum, .blockMin, .blockMax:
            let slot = slotFor(node.operands[0].storage!, role: .gatherSource)
            return append(KernelInstruction(op: node.op, type: node.type, immediate: UInt32(slot),
                                            auxiliary: node.auxiliary))
        default:
            precondition(node.op.isElementwise, "Tracer: \(node.op) must be evaluated before it is used")
            return append(KernelInstruction(op: node.op, type: node.type,
                                            operands: node.operands.map { instructionOfNode[$0.id]! }))
        }
    }

    @discardableResult
    private mutating func append(_ instruction: KernelInstruction) -> Int32 {
        instructions.append(instruction)
        return Int32(instructions.count - 1)
    }

    private mutating func slotFor(_ storage: Storage, role: SlotRole) -> Int {
        let key = SlotKey(storage: ObjectIdentifier(storage), role: role)
        if let slot = slotOfStorage[key] { return slot }
        let slot = newSlot(storage, role: role)
        slotOfStorage[key] = slot
        return slot
    }

    private mutating func newSlot(_ storage: Storage, role: SlotRole) -> Int {
        slots.append(KernelSlot(type: storage.type, role: role))
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
