// The descriptor of the Tracer's one matrix-product op: C[b] = op(A[b]) · op(B[b]), Dr.Jit's batched GEMM.

/// What a matrix product computes: for every b in 0..<`batch`, C[b] = op(A[b]) · op(B[b]), where op(X) is X or
/// Xᵀ as `transposeA` / `transposeB` say, op(A[b]) is `m` × `k` and op(B[b]) is `k` × `n`.
///
/// Every matrix is row-major and the batch's matrices lie one after another: A[b] is stored as `m` × `k` (or, with
/// `transposeA`, `k` × `m`), B[b] as `k` × `n` (or `n` × `k`), C[b] as `m` × `n`. So a dense layer x · Wᵀ with
/// PyTorch's weight layout (out × in) is `MatrixProduct(m: batch, n: out, k: in, transposeB: true)`.
public struct MatrixProduct: Hashable, Sendable, CustomStringConvertible {
    /// Rows of op(A) and of C.
    public let m: Int
    /// Columns of op(B) and of C.
    public let n: Int
    /// The shared dimension: columns of op(A), rows of op(B).
    public let k: Int
    /// The number of independent products.
    public let batch: Int
    /// True when A is stored transposed (`k` × `m`).
    public let transposeA: Bool
    /// True when B is stored transposed (`n` × `k`).
    public let transposeB: Bool

    /// A product of the given dimensions; each must be positive.
    public init(m: Int, n: Int, k: Int, batch: Int = 1, transposeA: Bool = false, transposeB: Bool = false) {
        for (name, value) in [("m", m), ("n", n), ("k", k), ("batch", batch)] {
            precondition(value > 0 && value <= Int(Int32.max),
                         "Tracer: a matrix product's \(name) must be in 1...\(Int32.max), got \(value)")
        }
        self.m = m
        self.n = n
        self.k = k
        self.batch = batch
        self.transposeA = transposeA
        self.transposeB = transposeB
    }

    /// Elements of A (all batches).
    public var aCount: Int { batch * m * k }
    /// Elements of B (all batches).
    public var bCount: Int { batch * k * n }
    /// Elements of C (all batches).
    public var cCount: Int { batch * m * n }

    /// Where op(A[b])[row, i] is stored in A.
    @inline(__always)
    func aIndex(batch b: Int, row: Int, inner i: Int) -> Int {
        b * m * k + (transposeA ? i * m + row : row * k + i)
    }

    /// Where op(B[b])[i, column] is stored in B.
    @inline(__always)
    func bIndex(batch b: Int, inner i: Int, column: Int) -> Int {
        b * k * n + (transposeB ? column * k + i : i * n + column)
    }

    public var description: String {
        "\(batch) × (\(m) × \(k)\(transposeA ? " (Aᵀ)" : "")) · (\(k) × \(n)\(transposeB ? " (Bᵀ)" : ""))"
    }
}
