// The derivatives of the matrix product, each again a product of the same op.
//
// For C = op(A) · op(B): dop(A) = dC · op(B)ᵀ and dop(B) = op(A)ᵀ · dC, then transposed back into A's or B's
// stored layout, which only changes which factor comes first and which transpose flags it carries. A factor that
// an entry did not keep (see `recordProduct`) is a zero literal of its size, and only the derivative with respect
// to it would read the other.

extension DerivativeTable {
    /// Reverse rules: the adjoint of each factor that has a tape entry.
    static func reverseMatrixProduct(_ entry: TapeEntry, adjoint g: FloatArray) -> [AdjointContribution?] {
        let p = entry.result.product!
        let a = FloatArray(node: entry.operands[0]), b = FloatArray(node: entry.operands[1])
        var adjoints: [FloatArray?] = [nil, nil]
        if entry.parents[0] != nil {
            adjoints[0] = p.transposeA
                // A is stored k × m: dA = (dC · op(B)ᵀ)ᵀ = op(B) · dCᵀ.
                ? matrixProduct(b, g, MatrixProduct(m: p.k, n: p.m, k: p.n, batch: p.batch,
                                                    transposeA: p.transposeB, transposeB: true))
                : matrixProduct(g, b, MatrixProduct(m: p.m, n: p.k, k: p.n, batch: p.batch,
                                                    transposeA: false, transposeB: !p.transposeB))
        }
        if entry.parents[1] != nil {
            adjoints[1] = p.transposeB
                // B is stored n × k: dB = (op(A)ᵀ · dC)ᵀ = dCᵀ · op(A).
                ? matrixProduct(g, a, MatrixProduct(m: p.n, n: p.k, k: p.m, batch: p.batch,
                                                    transposeA: true, transposeB: p.transposeA))
                : matrixProduct(a, g, MatrixProduct(m: p.k, n: p.n, k: p.m, batch: p.batch,
                                                    transposeA: !p.transposeA, transposeB: false))
        }
        return adjoints.map { $0.map { .value($0) } }
    }

    /// Forward rule: the product rule, one product per factor with a tangent.
    static func forwardMatrixProduct(_ entry: TapeEntry, tangents t: [FloatArray?]) -> FloatArray? {
        let p = entry.result.product!
        let context = entry.result.context
        let factors = entry.operands.map { FloatArray(node: $0) }
        /// The tangent of factor i at its full size (a size-1 tangent is broadcast).
        func tangent(_ i: Int) -> FloatArray? {
            guard let value = t[i] else { return nil }
            let size = entry.operands[i].size
            return value.count == size ? value : value + FloatArray.zeros(size, context: context)
        }
        var terms: [FloatArray] = []
        if let da = tangent(0) { terms.append(matrixProduct(da, factors[1], p)) }
        if let db = tangent(1) { terms.append(matrixProduct(factors[0], db, p)) }
        return terms.dropFirst().reduce(terms.first) { total, term in total.map { $0 + term } }
    }
}
