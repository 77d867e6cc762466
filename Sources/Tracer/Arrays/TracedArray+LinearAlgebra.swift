// Matrix products on traced arrays: the batched product op(A) · op(B), dense layers (x · Wᵀ + b) and matrix views.
//
// Every product is one graph op (`Op.matrixProduct`, its shape a `MatrixProduct`); the scheduler picks how it runs
// (`MatrixProductStrategy`): a register-blocked kernel of its own, fused lane by lane into the kernel that reads
// it (so a weight gradient that only feeds an optimiser's update is never stored), or inside the kernel that
// assigns its weight.

/// C[b] = op(A[b]) · op(B[b]) for every b of `product.batch`, as `product` describes (Dr.Jit's batched GEMM):
/// `a` holds `product.aCount` elements, `b` `product.bCount`, and the result `product.cCount`, all row-major with
/// the batch's matrices one after another.
///
/// Recorded lazily like any op. Differentiable in both modes: the derivatives are products of the same op.
public func matrixProduct(_ a: FloatArray, _ b: FloatArray, _ product: MatrixProduct) -> FloatArray {
    precondition(a.count == product.aCount,
                 "Tracer: matrixProduct \(product): A has \(a.count) elements, expected \(product.aCount)")
    precondition(b.count == product.bCount,
                 "Tracer: matrixProduct \(product): B has \(b.count) elements, expected \(product.bCount)")
    return recordProduct(product, a, b)
}

/// op(a) · op(b) for matrix views, op(X) = Xᵀ where the flag says so; the inner dimensions must agree.
public func matrixProduct(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false) -> Matrix {
    let (m, k) = transposeA ? (a.columns, a.rows) : (a.rows, a.columns)
    let (inner, n) = transposeB ? (b.columns, b.rows) : (b.rows, b.columns)
    precondition(k == inner, "Tracer: matrixProduct of \(m) × \(k) and \(inner) × \(n) matrices")
    let product = MatrixProduct(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
    return Matrix(recordProduct(product, a.values, b.values), rows: m, columns: n)
}

/// y = x · Wᵀ (+ bias), PyTorch's `Linear`: x is batch × in, `weight` out × in (PyTorch's layout), `bias` has out
/// elements; the result is batch × out.
///
/// The product runs a kernel that reads the weight once for all rows of x (or rides on the weight's queued
/// update); the bias is added as the product ones(batch × 1) · bias(1 × out), fused into whatever reads y, so its
/// gradient is again a product (the column sums of dY). Gradients: x gets dY · W (only if x needs one), the weight
/// dYᵀ · x, formed where it is used.
public func linearForward(_ x: Matrix, weight: Matrix, bias: FloatArray? = nil) -> Matrix {
    precondition(x.columns == weight.columns, "Tracer: linearForward: x has \(x.columns) features, the weight "
                     + "(\(weight.rows) × \(weight.columns)) expects \(weight.columns)")
    let product = MatrixProduct(m: x.rows, n: weight.rows, k: x.columns, transposeB: true)
    var y = recordProduct(product, x.values, weight.values)
    if let bias {
        precondition(bias.count == weight.rows,
                     "Tracer: linearForward: bias has \(bias.count) elements, expected \(weight.rows)")
        let ones = FloatArray(repeating: 1, count: x.rows, context: y.context)
        y = y + recordProduct(MatrixProduct(m: x.rows, n: weight.rows, k: 1), ones, bias)
    }
    return Matrix(y, rows: x.rows, columns: weight.rows)
}

/// Records a product node and its tape entry. Each factor stays on the tape only when the other one is tracked
/// (the derivative with respect to one factor reads only the other): so a recorded graph does not pin an
/// untracked layer input's weight, which the optimiser then updates in place.
private func recordProduct(_ product: MatrixProduct, _ a: FloatArray, _ b: FloatArray) -> FloatArray {
    let arrays = [a, b]
    let context = TraceContext.recording(arrays.map(\.node))
    let operands = arrays.map { context.localized($0.node) }
    let node = context.recordMatrixProduct(product, operands[0], operands[1])
    let tapes = arrays.map(\.tape)
    guard tapes.contains(where: { $0 != nil }) else { return FloatArray(node: node) }
    let taped = operands.indices.map { i -> Node in
        tapes[1 - i] != nil ? operands[i] : context.literal(0, type: .float32, size: operands[i].size)
    }
    return FloatArray(node: node, tape: context.tapeEntry(op: .matrixProduct, operands: taped, tapes: tapes,
                                                          result: node))
}
