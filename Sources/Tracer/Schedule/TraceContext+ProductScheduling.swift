// Scheduler rules for matrix products: which run a kernel of their own, which are fused into their consumer's
// kernel, and the packing kernel that lays a factor out for the register-blocked loops.
//
// The strategy follows from the product's shape alone (`MatrixProductStrategy.init`): A · Bᵀ and long A · B run
// kernels of their own, evaluated like a reduction before the kernels that read them; every other product is
// computed lane by lane inside the kernel that reads it, with its factors evaluated first like a gather's source.
// That second rule is what keeps a weight gradient dCᵀ · x out of memory: the optimiser's update reads dC and x
// and forms each gradient element where it needs it. A product riding on an assignment is the third rule
// (`TraceContext+ProductRiders.swift`).

extension TraceContext {
    /// True for a product node that runs a kernel of its own once its inputs are evaluated.
    func runsOwnKernel(_ node: Node) -> Bool {
        node.op == .matrixProduct && MatrixProductStrategy(node.product!).isStandalone
    }

    /// What a product computed by `strategy` reads from memory: its factors, with the packed copy in place of the
    /// factor that the strategy reads packed (made here, by a packing kernel of its own, the first time).
    func productInputs(_ node: Node, strategy: MatrixProductStrategy) -> [Node] {
        var inputs = strategy == .riding ? [node.operands[0]] : node.operands
        if let packing = node.product!.packedFactor(strategy) {
            inputs[packing.operand] = packedFactor(of: node, strategy: strategy)!
        }
        return inputs
    }

    /// The packed copy of the factor that `strategy` reads packed, or nil when it reads none packed.
    func packedFactor(of node: Node, strategy: MatrixProductStrategy) -> Node? {
        guard let packing = node.product!.packedFactor(strategy) else { return nil }
        if let packed = node.packedFactor { return packed }
        let packed = packedCopy(node.operands[packing.operand], rows: packing.rows, columns: packing.columns)
        node.packedFactor = packed
        return packed
    }

    /// `x` (rows × columns, row-major) in `OuterProductPacking`'s layout, recorded as a gather: evaluated, it is a
    /// kernel of its own that reads x once, so packing costs one small launch rather than host work while a
    /// kernel is being built.
    func packedCopy(_ x: Node, rows: Int, columns: Int) -> Node {
        let key = PackedCopyKey(factor: x.id, columns: columns)
        if let packed = packedCopies[key]?.node { return packed }
        if packedCopies.count > 64 { packedCopies = packedCopies.filter { $0.value.node != nil } }
        let block = OuterProductPacking.block
        let blocks = (columns + block - 1) / block
        let lane = UInt32Array.arange(blocks * block * rows, context: self)
        let blockIndex = lane / UInt32(block * rows)
        let inBlock = lane - blockIndex * UInt32(block * rows)
        let row = inBlock / UInt32(block)
        let column = blockIndex * UInt32(block) + (inBlock - row * UInt32(block))
        // Columns past the last are zeros: the kernels read whole vectors of them.
        let value = FloatArray(node: x).gather(row * UInt32(columns) + column, mask: column .< UInt32(columns))
        packedCopies[key] = WeakNode(node: value.node)
        return value.node
    }

    /// Runs the kernel of a product that runs a kernel of its own, whose inputs are evaluated, and stores C.
    func launchMatrixProduct(_ node: Node) {
        let kernelLaunch = matrixProductLaunch(node)
        _statistics.allocatedBytes += kernelLaunch.allocatedBytes
        run(kernelLaunch)
    }

    /// The launch of a product's own kernel: one `.matrixProduct` instruction with slots A (packed for `rowDots`),
    /// B and C, and work units (see `KernelMatrixProduct.units`) in blocks of a few per thread.
    func matrixProductLaunch(_ node: Node) -> KernelLaunch {
        let width = vectorWidth
        let strategy = MatrixProductStrategy(node.product!)
        let inputs = productInputs(node, strategy: strategy)
        let output = Storage(uninitializedCount: node.size, type: .float32)
        let slots = [KernelSlot(type: .float32, role: .input), KernelSlot(type: .float32, role: .input),
                     KernelSlot(type: .float32, role: .output)]
        let entry = KernelMatrixProduct(product: node.product!, strategy: strategy, a: 0, b: 1, c: 2)
        let program = KernelProgram(instructions: [KernelInstruction(op: .matrixProduct, type: .float32)],
                                    slots: slots, vectorWidth: width, countsOutOfRange: false,
                                    matrixProducts: [entry])
        // About eight blocks per thread, each a whole number of register-blocked groups.
        let units = entry.units(width: width), group = entry.group
        let perThread = (units + 8 * threadCount - 1) / (8 * threadCount)
        let blockSize = max(group, (perThread + group - 1) / group * group)
        return KernelLaunch(program: program, storages: [inputs[0].storage!, inputs[1].storage!, output],
                            outputs: [(node, 2)], reductions: [], size: units, blockSize: blockSize,
                            allocatedBytes: output.capacity * 4)
    }
}
