// The layout in which product kernels read a streamed factor (x of a dense layer): its rows interleaved in blocks
// of 16 columns, so that the rows' values of a vector of columns are one contiguous run.

/// x (batch × columns, row-major) as kernels read it: element (b, c) at (c / 16) · 16 · batch + b · 16 + c mod 16,
/// columns padded with zeros to a multiple of 16. The packed copy is made by a gather kernel
/// (`TraceContext.packedCopy`); the strategies that read it are listed by `MatrixProduct.packedFactor`.
///
/// Row-major, a vector of an update kernel reads one line from each of the batch's rows: with a batch of 12 that
/// is 12 streams through L2 besides the weight, m and v, more than the prefetchers follow, and the tutorial's
/// fused Adam update waited on them. Packed, the same values are one stream.
enum OuterProductPacking {
    /// Columns per block; vector widths must divide it.
    static let block = 16

    /// How many independent fma chains a lane-wise product over `batch` terms uses: chain k takes the rows
    /// b ≡ k (mod chains) in order, from +0; the chains are then added pairwise (`combine`). Both backends sum so.
    static func chains(batch: Int) -> Int { min(4, max(batch, 1)) }

    /// The chains' sums added pairwise: ((c0 + c1) + (c2 + c3)), (c0 + c1) + c2, c0 + c1, or c0.
    static func combine<T>(_ chains: [T], _ add: (T, T) -> T) -> T {
        switch chains.count {
        case 4: add(add(chains[0], chains[1]), add(chains[2], chains[3]))
        case 3: add(add(chains[0], chains[1]), chains[2])
        case 2: add(chains[0], chains[1])
        default: chains[0]
        }
    }

    /// The index of element (b, c) in the packed layout.
    @inline(__always)
    static func index(batchRow b: Int, column c: Int, batch: Int) -> Int {
        (c / block) * block * batch + b * block + c % block
    }
}
