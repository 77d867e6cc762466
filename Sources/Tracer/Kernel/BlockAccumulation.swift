// Block reductions fused into the kernel of their source: the `blockAccumulate` encoding and the launch block size.

extension Op {
    /// The combining operation of a block reduction op (`blockSum`, `blockMin`, `blockMax`), nil for other ops.
    var blockReductionKind: ReductionKind? {
        switch self {
        case .blockSum, .blockTreeSum: .sum
        case .blockMin: .min
        case .blockMax: .max
        default: nil
        }
    }
}

extension KernelInstruction {
    /// The longest block a `blockAccumulate` can encode (the top two bits of `auxiliary` hold the kind, the next
    /// one the tree order).
    package static let maximumBlockAccumulateLength = (1 << 29) - 1

    /// The `auxiliary` of a `blockAccumulate` over blocks of `length` lanes combined with `kind`, in lane order or
    /// (`tree`, sums only) as `blockTreeSum`'s binary tree.
    package static func blockAccumulateAuxiliary(kind: ReductionKind, length: Int, tree: Bool = false) -> UInt32 {
        precondition(length >= 1 && length <= maximumBlockAccumulateLength,
                     "Tracer: block length \(length) out of range for blockAccumulate")
        precondition(!tree || kind == .sum, "Tracer: only sums are added in a tree")
        return kind.rawValue << 30 | (tree ? 1 << 29 : 0) | UInt32(length)
    }

    /// The block length k of a `blockAccumulate`.
    package var blockAccumulateLength: Int { Int(auxiliary & UInt32(Self.maximumBlockAccumulateLength)) }

    /// The combining operation of a `blockAccumulate` (nil for an invalid encoding).
    package var blockAccumulateKind: ReductionKind? { ReductionKind(rawValue: auxiliary >> 30) }

    /// True when the `blockAccumulate` adds each block as `blockTreeSum`'s binary tree.
    package var blockAccumulatesTree: Bool { auxiliary & (1 << 29) != 0 }
}

/// How block reductions fuse into the kernel of their source: which lengths can, and the block of work that keeps
/// every group of k lanes inside one block.
enum BlockFusion {
    /// A launch's block of work may grow to this many times the configured block size to stay a multiple of
    /// lcm(k, W); block reductions that would need more are computed from an evaluated source instead.
    static let maximumGrowth = 16

    /// Greatest common divisor.
    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

    /// Least common multiple of positive numbers.
    static func lcm(_ a: Int, _ b: Int) -> Int { a / gcd(a, b) * b }

    /// Most blocks a launch is cut into: larger launches get larger blocks, so that per-block costs (handing out
    /// work, restarting the hardware prefetchers on every input stream) stay small. Depends only on sizes.
    static let maximumBlocks = 64

    /// The block size a launch of `size` lanes starts from: the configured one, or size / `maximumBlocks`.
    static func configuredBlockSize(_ configured: Int, size: Int) -> Int {
        max(configured, (size + maximumBlocks - 1) / maximumBlocks)
    }

    /// The configured block of work, in whole vectors (what launches without block reductions use).
    static func baseBlockSize(configured: Int, width: Int) -> Int {
        max(width, configured / width * width)
    }

    /// The most lanes a block of work may have: lcm(W, every fused k) must not exceed this.
    static func maximumUnit(configured: Int, width: Int) -> Int {
        min(baseBlockSize(configured: configured, width: width) * maximumGrowth,
            KernelInstruction.maximumBlockAccumulateLength)
    }

    /// The block of work for a launch whose lanes come in units of `unit` (lcm of W and the fused block lengths):
    /// the multiple of `unit` nearest the configured block size. Depends only on sizes, never on thread count.
    static func blockSize(unit: Int, configured: Int, width: Int) -> Int {
        let base = baseBlockSize(configured: configured, width: width)
        return max(1, (base + unit / 2) / unit) * unit
    }
}
