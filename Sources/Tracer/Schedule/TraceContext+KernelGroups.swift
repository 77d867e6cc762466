// Which pending nodes share a kernel: one per size, with block reductions fused into the kernel of their source.

/// The nodes that one kernel launch computes.
struct KernelGroup {
    /// The number of lanes.
    var size: Int
    /// Nodes the launch stores, or reduces whole (a reduction's input has the launch's size).
    var outputs: [Node] = []
    /// Block reductions computed inside the launch from their unevaluated source, which has the launch's size.
    var blockReductions: [Node] = []
    /// lcm of W and the block lengths: the launch's block of work is a multiple of it.
    var unit: Int
}

extension TraceContext {
    /// True when `node` is a block reduction that can be computed inside the kernel of its source: the source is
    /// not evaluated and lcm(k, W) is small enough for a block of work (a tree sum: k divides W, so that each block
    /// is added inside one vector).
    func fusesBlockReduction(_ node: Node) -> Bool {
        guard node.op.blockReductionKind != nil, !node.operands[0].isEvaluated else { return false }
        let width = vectorWidth
        if node.op == .blockTreeSum { return width % Int(node.auxiliary) == 0 }
        return BlockFusion.lcm(width, Int(node.auxiliary))
            <= BlockFusion.maximumUnit(configured: options.blockSize, width: width)
    }

    /// The kernels that evaluate `pending` (whose dependencies across sizes are evaluated), in order of first
    /// appearance, and the matrix products among them, which run kernels of their own. Nodes of one size share a
    /// kernel; a block reduction joins the kernel of its source's size unless lcm(W, every k) would grow too large,
    /// in which case it opens another kernel of that size.
    func kernelGroups(_ pending: [Node]) -> (matrixProducts: [Node], groups: [KernelGroup]) {
        let width = vectorWidth
        let maximumUnit = BlockFusion.maximumUnit(configured: options.blockSize, width: width)
        var matrixProducts: [Node] = []
        var groups: [KernelGroup] = []
        for node in pending where !node.isEvaluated {
            if runsOwnKernel(node) {
                matrixProducts.append(node)
            } else if fusesBlockReduction(node) {
                let size = node.operands[0].size, length = Int(node.auxiliary)
                if let index = groups.firstIndex(where: {
                    $0.size == size && BlockFusion.lcm($0.unit, length) <= maximumUnit
                }) {
                    groups[index].blockReductions.append(node)
                    groups[index].unit = BlockFusion.lcm(groups[index].unit, length)
                } else {
                    groups.append(KernelGroup(size: size, blockReductions: [node],
                                              unit: BlockFusion.lcm(width, length)))
                }
            } else {
                let size = node.op.reductionKind != nil ? node.operands[0].size : node.size
                if let index = groups.firstIndex(where: { $0.size == size }) {
                    groups[index].outputs.append(node)
                } else {
                    groups.append(KernelGroup(size: size, outputs: [node], unit: width))
                }
            }
        }
        return (matrixProducts, groups)
    }

    /// The block of work of a launch of `size` lanes whose blocks must be multiples of `unit` lanes.
    func launchBlockSize(size: Int, unit: Int) -> Int {
        BlockFusion.blockSize(unit: unit, configured: BlockFusion.configuredBlockSize(options.blockSize, size: size),
                              width: vectorWidth)
    }

    /// Lowers one kernel's nodes and side effects to a program and the buffers it touches (no statistics).
    func buildLaunch(size: Int, outputs: [Node], blockReductions: [Node], sideEffects: [SideEffect]) -> KernelLaunch {
        let width = vectorWidth
        let riders = pendingRiders(of: sideEffects)
        // Block reductions and riding products (one weight row) must not straddle blocks of work.
        let lengths = blockReductions.map { Int($0.auxiliary) } + riders.map { $0.node.product!.k }
        let unit = lengths.reduce(width) { BlockFusion.lcm($0, $1) }
        let blockSize = launchBlockSize(size: size, unit: unit)
        var builder = KernelBuilder(size: size, vectorWidth: width, blockSize: blockSize,
                                    countsOutOfRange: options.checksBounds,
                                    refillsLoopLanes: options.refillsLoopLanes, epoch: Self.freshEpoch())
        builder.emitValues(outputs: outputs, blockReductions: blockReductions, sideEffects: sideEffects, riders: riders)
        for node in outputs { builder.addOutput(node) }
        for node in blockReductions { builder.addBlockReduction(node) }
        builder.addSideEffects(sideEffects, riders: riders)
        return builder.finish()
    }
}
