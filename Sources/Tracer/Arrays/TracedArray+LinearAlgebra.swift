// Matrix products on traced arrays: dense layers (x · Wᵀ + b), general products and sums of outer products.
//
// Matrices are row-major `FloatArray`s with their dimensions passed alongside. `linearForward` and `matmul` are
// evaluated by register-blocked kernels of their own that read the larger operand once; `outerProductSum` is
// fused into whatever elementwise kernel uses it, so a weight gradient that only feeds an optimiser's update is
// never stored.

/// y = x · Wᵀ (+ bias), PyTorch's `Linear`: x is `batch` × `inFeatures`, `weight` is `outFeatures` × `inFeatures`
/// (PyTorch's layout) and `bias` has `outFeatures` elements; the result is `batch` × `outFeatures`, row-major.
///
/// Recorded lazily like any op; its kernel reads the weight once for all rows of x. The result is an ordinary
/// array, so what follows (an activation, a loss) fuses as usual. Gradients: x gets dY · W (computed only if x
/// needs one), the weight `outerProductSum(dY, x)`, the bias the column sums of dY.
public func linearForward(_ x: FloatArray, weight: FloatArray, bias: FloatArray? = nil, batch: Int,
                          inFeatures: Int, outFeatures: Int) -> FloatArray {
    checkDimensions("linearForward", ["batch": batch, "inFeatures": inFeatures, "outFeatures": outFeatures])
    checkMatrix("linearForward", "x", x, batch, inFeatures)
    checkMatrix("linearForward", "weight", weight, outFeatures, inFeatures)
    var operands = [x, weight]
    if let bias {
        precondition(bias.count == outFeatures,
                     "Tracer: linearForward: bias has \(bias.count) elements, expected outFeatures = \(outFeatures)")
        operands.append(bias)
    }
    return recordProduct(.linear, operands, auxiliary: inFeatures)
}

/// c = a · b for row-major a (`m` × `k`) and b (`k` × `n`); the result is `m` × `n`. Meant for products where
/// one operand is small (its kernel reads b once per tile of 12 rows of a).
public func matmul(_ a: FloatArray, _ b: FloatArray, m: Int, k: Int, n: Int) -> FloatArray {
    checkDimensions("matmul", ["m": m, "k": k, "n": n])
    checkMatrix("matmul", "a", a, m, k)
    checkMatrix("matmul", "b", b, k, n)
    return recordProduct(.matmul, [a, b], auxiliary: n)
}

/// Σ_b a[b, r] · x[b, c] for every (r, c): aᵀ · x for a (`batch` × `rows`) and x (`batch` × `columns`), a
/// `rows` × `columns` row-major result. With a = dY and x the input of `linearForward`, it is the weight gradient.
///
/// An elementwise op over the rows × columns lanes with a and x as evaluated sources (like a gather), so it fuses
/// into the kernel that consumes it: an optimiser's update of a large weight reads the small a and x instead of
/// a stored gradient.
public func outerProductSum(_ a: FloatArray, _ x: FloatArray, batch: Int, rows: Int, columns: Int) -> FloatArray {
    checkDimensions("outerProductSum", ["batch": batch, "rows": rows, "columns": columns])
    checkMatrix("outerProductSum", "a", a, batch, rows)
    checkMatrix("outerProductSum", "x", x, batch, columns)
    // A single lane would be broadcast into larger kernels, where lanes past 0 would index past the sources.
    if rows == 1 && columns == 1 { return (a * x).sum() }
    return recordProduct(.outerProductSum, [a, x], auxiliary: columns)
}

/// Records a product node and its tape entry. Each of the two factors stays on the tape only when the other one
/// is tracked (the derivative with respect to one factor reads only the other), and the bias never: so a
/// recorded graph does not pin an untracked layer input's weight, which the optimiser then updates in place.
private func recordProduct(_ op: Op, _ arrays: [FloatArray], auxiliary: Int) -> FloatArray {
    let context = arrays.first { !$0.node.isLiteral }?.context ?? arrays[0].context
    let operands = arrays.map { array -> Node in
        if array.node.context === context { return array.node }
        precondition(array.node.isLiteral, "Tracer: \(op) of arrays from different trace contexts")
        return context.literal(array.node.immediate, type: .float32, size: array.count)
    }
    let node = context.record(op, type: .float32, operands: operands, auxiliary: UInt32(auxiliary))
    let tapes = arrays.map(\.tape)
    guard tapes.contains(where: { $0 != nil }) else { return FloatArray(node: node) }
    let taped = operands.indices.map { i -> Node in
        let other = i == 0 ? 1 : 0
        if i < 2 && tapes[other] != nil { return operands[i] }
        return context.literal(0, type: .float32, size: operands[i].size)
    }
    return FloatArray(node: node, tape: context.tapeEntry(op: op, operands: taped, tapes: tapes, result: node))
}

/// Stops unless every dimension is positive and fits the 32-bit fields of a kernel instruction.
private func checkDimensions(_ function: String, _ dimensions: KeyValuePairs<String, Int>) {
    for (name, value) in dimensions {
        precondition(value > 0 && value <= Int(UInt32.max),
                     "Tracer: \(function): \(name) must be in 1...\(UInt32.max), got \(value)")
    }
}

/// Stops unless `array` has rows × columns elements.
private func checkMatrix(_ function: String, _ name: String, _ array: FloatArray, _ rows: Int, _ columns: Int) {
    precondition(array.count == rows * columns,
                 "Tracer: \(function): \(name) has \(array.count) elements, expected \(rows) × \(columns) = "
                     + "\(rows * columns)")
}
