// How a matrix product enters the graph. It has no folding rules: a zero factor does not make a zero product for
// IEEE floats (0 · NaN, 0 · inf), the reason `mul` does not fold x · 0 either.

extension TraceContext {
    /// Records C = op(A) · op(B) as `product` describes (the caller has checked the factors' sizes).
    ///
    /// A product is not value-numbered (its shape lives in `Node.product`, outside the key). A factor with queued
    /// writes normally flushes them first, as for any op; a product whose B is being assigned rides on the
    /// assignment when the scheduler's rule allows it (`TraceContext+ProductRiders.swift`).
    func recordMatrixProduct(_ product: MatrixProduct, _ a: Node, _ b: Node) -> Node {
        lock.lock()
        defer { lock.unlock() }
        var riddenAssignment: Int?
        if a.pendingWrites > 0 || b.pendingWrites > 0 {
            riddenAssignment = ridableAssignment(product, a, b)
            if riddenAssignment == nil { flushSideEffects() }
        }
        _statistics.nodesRecorded += 1
        let node = Node(id: makeNodeID(), op: .matrixProduct, type: .float32, size: product.cCount, operands: [a, b],
                        immediate: 0, auxiliary: 0, storage: nil, context: self)
        node.product = product
        if let riddenAssignment { addRider(node, toAssignmentAt: riddenAssignment) }
        return node
    }
}
