// Looking inside without running: the kernel program and the LLVM IR that evaluating some arrays would produce.

extension TraceContext {
    /// The kernel programs that evaluating `nodes` would launch last (one per size); dependencies across sizes
    /// are evaluated first, since their kernels must run before these can be built.
    func pendingPrograms(_ nodes: [Node]) -> [KernelProgram] {
        lock.lock()
        defer { lock.unlock() }
        flushSideEffects()
        var seen = Set<NodeID>()
        let pending = nodes.filter { !$0.isEvaluated && !$0.isLiteral && seen.insert($0.id).inserted }
        evaluatePending(crossSizeDependencies(of: pending, fusingRootReductions: true))
        let width = vectorWidth
        let blockSize = max(width, options.blockSize / width * width)
        var order: [Int] = []
        var groups: [Int: [Node]] = [:]
        var matrixProducts: [KernelProgram] = []
        for node in pending {
            if node.op.isMatrixProduct {
                matrixProducts.append(matrixProductLaunch(node).program)
                continue
            }
            let size = node.op.reductionKind != nil ? node.operands[0].size : node.size
            if groups[size] == nil { order.append(size) }
            groups[size, default: []].append(node)
        }
        return matrixProducts + order.map { size in
            var builder = KernelBuilder(size: size, vectorWidth: width, blockSize: blockSize,
                                        countsOutOfRange: options.checksBounds)
            for node in groups[size]! { builder.addOutput(node) }
            return builder.finish().program
        }
    }
}

extension TracedArray {
    /// The LLVM IR of the kernel that would compute this array (optimised or as generated), for inspection.
    public func intermediateRepresentation(optimized: Bool = true) throws -> String {
        try context.pendingPrograms([node])
            .map { try LLVMBackend.shared.intermediateRepresentation(of: $0, optimized: optimized) }
            .joined(separator: "\n")
    }

    /// The backend-neutral kernel program that would compute this array.
    public var kernelProgram: KernelProgram? {
        context.pendingPrograms([node]).first
    }
}
