// Looking inside without running: the kernel program and the LLVM IR that evaluating some arrays would produce.

extension TraceContext {
    /// The kernel programs that evaluating `nodes` would launch last (one per size); dependencies across sizes
    /// are evaluated first, since their kernels must run before these can be built.
    func pendingPrograms(_ nodes: [Node]) -> [KernelProgram] {
        lock.lock()
        defer { lock.unlock() }
        flushSideEffects()
        let pending = pendingNodes(nodes)
        evaluatePending(crossSizeDependencies(of: pending, fusingRootReductions: true))
        let (matrixProducts, groups) = kernelGroups(pending)
        return matrixProducts.map { matrixProductLaunch($0).program } + groups.map { group in
            buildLaunch(size: group.size, outputs: group.outputs, blockReductions: group.blockReductions,
                        sideEffects: []).program
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
    package var kernelProgram: KernelProgram? {
        context.pendingPrograms([node]).first
    }
}
