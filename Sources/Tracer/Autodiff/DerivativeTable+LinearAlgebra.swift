// The derivatives of the matrix products, each again a matrix product or a sum of outer products.
//
// Shapes (row-major): linear y = x · Wᵀ + b with x batch × in, W out × in; matmul c = a · b with a m × k, b k × n;
// outerProductSum p = aᵀ · x with a batch × rows, x batch × columns. A factor that an entry did not keep (see
// `recordProduct`) is a zero literal of its size, and only the derivative with respect to it would read the other.

extension DerivativeTable {
    /// Reverse rules: the adjoint of each operand that has a tape entry.
    static func reverseLinearAlgebra(_ entry: TapeEntry, adjoint g: FloatArray) -> [AdjointContribution?] {
        let operands = entry.operands
        let first = FloatArray(node: operands[0]), second = FloatArray(node: operands[1])
        let dimension = Int(entry.auxiliary)
        let wanted = entry.parents.map { $0 != nil }
        var adjoints = [FloatArray?](repeating: nil, count: operands.count)
        switch entry.op! {
        case .linear:
            let batch = operands[0].size / dimension, outFeatures = operands[1].size / dimension
            if wanted[0] { adjoints[0] = matmul(g, second, m: batch, k: outFeatures, n: dimension) }
            if wanted[1] {
                adjoints[1] = outerProductSum(g, first, batch: batch, rows: outFeatures, columns: dimension)
            }
            if operands.count > 2 && wanted[2] {
                let ones = FloatArray(repeating: 1, count: batch, context: g.context)
                adjoints[2] = outerProductSum(g, ones, batch: batch, rows: outFeatures, columns: 1)
            }
        case .matmul:
            let k = operands[1].size / dimension, m = operands[0].size / k
            if wanted[0] {
                adjoints[0] = linearForward(g, weight: second, batch: m, inFeatures: dimension, outFeatures: k)
            }
            if wanted[1] { adjoints[1] = outerProductSum(first, g, batch: m, rows: k, columns: dimension) }
        default:
            let batch = operands[1].size / dimension, rows = operands[0].size / batch
            if wanted[0] {
                adjoints[0] = linearForward(second, weight: g, batch: batch, inFeatures: dimension, outFeatures: rows)
            }
            if wanted[1] { adjoints[1] = matmul(first, g, m: batch, k: rows, n: dimension) }
        }
        return adjoints.map { $0.map { .value($0) } }
    }

    /// Forward rules: the product rule, one term per operand with a tangent.
    static func forwardLinearAlgebra(_ entry: TapeEntry, tangents t: [FloatArray?]) -> FloatArray? {
        let operands = entry.operands
        let context = entry.result.context
        let first = FloatArray(node: operands[0]), second = FloatArray(node: operands[1])
        let dimension = Int(entry.auxiliary)
        /// The tangent of operand i at its full size (a size-1 tangent is broadcast).
        func tangent(_ i: Int) -> FloatArray? {
            guard let value = t[i] else { return nil }
            let size = operands[i].size
            return value.count == size ? value : value + FloatArray.zeros(size, context: context)
        }
        var terms: [FloatArray] = []
        switch entry.op! {
        case .linear:
            let batch = operands[0].size / dimension, outFeatures = operands[1].size / dimension
            let product = { (x: FloatArray, w: FloatArray) -> FloatArray in
                linearForward(x, weight: w, batch: batch, inFeatures: dimension, outFeatures: outFeatures)
            }
            if let dx = tangent(0) { terms.append(product(dx, second)) }
            if let dw = tangent(1) { terms.append(product(first, dw)) }
            if operands.count > 2, let db = tangent(2) {
                let lane = UInt32Array.arange(batch * outFeatures, context: context)
                let column = lane - lane / UInt32(outFeatures) * UInt32(outFeatures)
                terms.append(db.gather(column))
            }
        case .matmul:
            let k = operands[1].size / dimension, m = operands[0].size / k
            if let da = tangent(0) { terms.append(matmul(da, second, m: m, k: k, n: dimension)) }
            if let db = tangent(1) { terms.append(matmul(first, db, m: m, k: k, n: dimension)) }
        default:
            let batch = operands[1].size / dimension, rows = operands[0].size / batch
            let product = { (a: FloatArray, x: FloatArray) -> FloatArray in
                outerProductSum(a, x, batch: batch, rows: rows, columns: dimension)
            }
            if let da = tangent(0) { terms.append(product(da, second)) }
            if let dx = tangent(1) { terms.append(product(first, dx)) }
        }
        return terms.dropFirst().reduce(terms.first) { total, term in total.map { $0 + term } }
    }
}
