// How a kernel computes a matrix product: the strategy its shape selects, and the slots it reads and writes.

/// The ways a kernel computes C = op(A) · op(B). Which one a product gets depends only on its `MatrixProduct`
/// (and, for `riding`, on the scheduler finding B's assignment queued), so both backends always agree on it, and
/// each strategy sums in one documented order that both backends follow, so they agree bit for bit.
package enum MatrixProductStrategy: UInt8, Hashable, Sendable {
    /// A · Bᵀ, batch 1 (a dense layer x · Wᵀ): a kernel of its own whose work unit is one column j of C (a row of
    /// B), computed for all rows of A while that row of B is read once. Each C[r, j] is fma'd over i in W
    /// interleaved lanes (lane t takes i ≡ t mod W; a last partial vector adds zero products), then lanes 0, 1, ...
    /// are added in order. Reads A packed (`OuterProductPacking`).
    case rowDots
    /// A · B, batch 1, k above `lanewiseInnerLimit`: a kernel of its own whose work unit is W columns of C;
    /// a[r, i] broadcast against vectors of B's row i, fma'd over i in order from +0.
    case rowBroadcasts
    /// Every other product: lane l of the consumer's kernel computes element l of C, Σ over i of op(A)[r, i] ·
    /// op(B)[i, c] with fma in `OuterProductPacking.chains(k)` chains (chain t takes i ≡ t mod chains, in order,
    /// from +0), added pairwise (`OuterProductPacking.combine`). Fused into the kernel that uses C, like a gather,
    /// so a weight gradient Aᵀ · B that only feeds an optimiser's update is never stored. Aᵀ · B of batch 1 reads B
    /// packed; the other forms gather both factors.
    case lanes
    /// A · Bᵀ, batch 1, computed by the kernel that assigns B (`Schedule/TraceContext+ProductRiders.swift`): lane
    /// (j, i) of B's new value fmas it times A[r, i] into one accumulator per row r, in `rowDots`' order, and the
    /// last lane of B's row j stores C[r, j]. Reads A packed.
    case riding

    /// Products A · B with k up to this many use `lanes` (a bias broadcast, k = 1, is fused into its consumer);
    /// longer ones run `rowBroadcasts`, which reads B once per tile of rows instead of once per element of C.
    static let lanewiseInnerLimit = 16

    /// The strategy of a product that does not ride on an assignment.
    init(_ product: MatrixProduct) {
        if product.batch == 1 && !product.transposeA && product.transposeB {
            self = .rowDots
        } else if product.batch == 1 && !product.transposeA && !product.transposeB
                    && product.k > Self.lanewiseInnerLimit {
            self = .rowBroadcasts
        } else {
            self = .lanes
        }
    }

    /// True for the strategies that run a kernel of their own.
    var isStandalone: Bool { self == .rowDots || self == .rowBroadcasts }
}

extension MatrixProduct {
    /// The factor that `strategy` reads in `OuterProductPacking`'s layout (0 for A, 1 for B), seen as a rows ×
    /// columns row-major matrix, or nil when it reads both as they are.
    func packedFactor(_ strategy: MatrixProductStrategy) -> (operand: Int, rows: Int, columns: Int)? {
        switch strategy {
        case .rowDots, .riding: return (0, m, k)
        case .lanes where usesPackedLanes: return (1, k, n)
        default: return nil
        }
    }

    /// True when the `lanes` strategy reads Aᵀ · B's B packed: one stream of B's k rows per vector of columns
    /// (the weight gradient dCᵀ · x of a dense layer).
    var usesPackedLanes: Bool { batch == 1 && transposeA && !transposeB && cCount > 1 }
}

/// A matrix product in a kernel program: what it computes, how, and its slots. Instructions `.matrixProduct`
/// name one by their `immediate` (an index into `KernelProgram.matrixProducts`).
package struct KernelMatrixProduct: Hashable, Sendable {
    package var product: MatrixProduct
    package var strategy: MatrixProductStrategy
    /// The slot of A (packed where `packedFactor` says so); -1 where unused.
    package var a: Int
    /// The slot of B (packed where `packedFactor` says so); -1 for `riding`, which takes B as operand 0.
    package var b: Int
    /// The slot of C for the strategies that store it (`rowDots`, `rowBroadcasts`, `riding`); -1 for `lanes`.
    package var c: Int

    /// Every field as an integer, in a fixed order (for hashes and the disk cache's canonical bytes).
    var fields: [Int] {
        [product.m, product.n, product.k, product.batch, product.transposeA ? 1 : 0, product.transposeB ? 1 : 0,
         Int(strategy.rawValue), a, b, c]
    }

    /// The product of a program that is one product in a kernel of its own, or nil.
    package static func standalone(_ program: KernelProgram) -> KernelMatrixProduct? {
        guard program.instructions.count == 1, program.instructions[0].op == .matrixProduct,
              let entry = program.matrixProducts.first, entry.strategy.isStandalone else { return nil }
        return entry
    }

    /// Work units of a standalone product: columns of C for `rowDots`, vectors of W columns for `rowBroadcasts`.
    func units(width: Int) -> Int {
        strategy == .rowDots ? product.n : (product.n + width - 1) / width
    }

    /// Rows of A whose accumulators are live together in a standalone kernel: tiles of at most 4. Small tiles with
    /// more work units per group keep each pass over A's rows in L2: for the tutorial's 12 x 16384 batch, tiles of
    /// 4 and groups of 6 ran the layer 1.9 times as fast as one tile of 12 and groups of 2.
    var rowTile: Int { min(product.m, 4) }

    /// Work units computed together, so that each load of A serves several of them while about 24 accumulators
    /// stay in vector registers.
    var group: Int { max(1, min(6, 24 / rowTile)) }
}
