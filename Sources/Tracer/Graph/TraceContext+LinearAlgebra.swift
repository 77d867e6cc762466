// Matrix products in the graph: their sizes and the launch of their own kernels. They have no folding rules: a zero
// factor does not make a zero product for IEEE floats (0 · NaN, 0 · inf), the same reason `mul` does not fold x · 0.

extension Op {
    /// True for `linear`, `matmul` and `outerProductSum`.
    var isLinearAlgebra: Bool { self == .linear || self == .matmul || self == .outerProductSum }

    /// True for the products evaluated by a kernel of their own (`linear`, `matmul`); `outerProductSum` is fused
    /// into elementwise kernels instead.
    var isMatrixProduct: Bool { self == .linear || self == .matmul }
}

extension TraceContext {
    /// The result size of a linear-algebra node (operands as documented on `Op`; the public functions check them).
    func matrixProductSize(_ op: Op, _ operands: [Node], auxiliary: UInt32) -> Int {
        let dimension = Int(auxiliary)
        switch op {
        case .linear:
            // x: batch × in, weight: out × in.
            return operands[0].size / dimension * (operands[1].size / dimension)
        case .matmul:
            // a: m × k, b: k × n.
            let k = operands[1].size / dimension
            return operands[0].size / k * dimension
        default:
            // a: batch × rows, x: batch × columns.
            let batch = operands[1].size / dimension
            return operands[0].size / batch * dimension
        }
    }

    /// Runs the kernel of a `linear` or `matmul` node whose operands are evaluated, and stores its result.
    func launchMatrixProduct(_ node: Node) {
        let kernelLaunch = matrixProductLaunch(node)
        _statistics.allocatedBytes += kernelLaunch.allocatedBytes
        run(kernelLaunch)
    }

    /// The launch of a matrix-product kernel: one instruction, slots as described by `MatrixProductShape`, and
    /// work units (result rows of `linear`, column vectors of `matmul`) in blocks of a few per thread.
    func matrixProductLaunch(_ node: Node) -> KernelLaunch {
        let width = vectorWidth
        let left = node.operands[0], right = node.operands[1]
        let dimension = Int(node.auxiliary)
        let rows: Int, units: Int
        if node.op == .linear {
            rows = left.size / dimension
            units = right.size / dimension
        } else {
            rows = left.size / (right.size / dimension)
            units = (dimension + width - 1) / width
        }
        let output = Storage(uninitializedCount: node.size, type: .float32)
        var slots = [KernelSlot(type: .float32, role: .input), KernelSlot(type: .float32, role: .input),
                     KernelSlot(type: .float32, role: .output)]
        // `linear` reads x packed (one stream for a tile's rows; see `OuterProductPacking`).
        let leftStorage = node.op == .linear
            ? OuterProductPacking.pack(left.storage!, batch: rows, columns: dimension) : left.storage!
        var storages = [leftStorage, right.storage!, output]
        if node.operands.count > 2 {
            slots.append(KernelSlot(type: .float32, role: .input))
            storages.append(node.operands[2].storage!)
        }
        let instruction = KernelInstruction(op: node.op, type: .float32, immediate: UInt32(rows),
                                            auxiliary: node.auxiliary)
        let program = KernelProgram(instructions: [instruction], slots: slots, vectorWidth: width,
                                    countsOutOfRange: false)
        // About eight blocks per thread, each a whole number of register-blocked groups.
        let group = MatrixProductShape(program)!.group
        let perThread = (units + 8 * threadCount - 1) / (8 * threadCount)
        let blockSize = max(group, (perThread + group - 1) / group * group)
        return KernelLaunch(program: program, storages: storages, outputs: [(node, 2)], reductions: [], size: units,
                            blockSize: blockSize, allocatedBytes: output.capacity * 4)
    }
}
