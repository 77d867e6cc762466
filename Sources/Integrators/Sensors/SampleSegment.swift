// SampleSegment: the aligned runs of sample indices whose sums a film adds in a fixed tree, so that any split of
// a render into shards merges into exactly the single render's bits.

/// The samples [start, start + 2^level) of every pixel: a node of the binary tree over sample indices
/// 0..<2^k (2^k the smallest power of two ≥ the samples per pixel) in which a film adds its samples' splats.
///
/// Every node's sums are its two halves' sums added, down to single samples, whoever computes them: the film of a
/// whole render, the film of a shard (which holds only the largest nodes inside its samples, `cover`), or a merge
/// of shards (which adds the nodes it was given up to the root, `Film.combine`). The same additions in the same
/// order give the same bits, so a merged image equals the single render's whatever the shards were.
public struct SampleSegment: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The first sample index.
    public let start: Int
    /// log2 of the number of samples.
    public let level: Int

    /// The segment [start, start + 2^level); `start` must be a multiple of 2^level.
    public init(start: Int, level: Int) {
        precondition(level >= 0 && level < 48 && start >= 0 && start % (1 << level) == 0,
                     "SampleSegment: [\(start), \(start) + 2^\(level)) is not an aligned run")
        self.start = start
        self.level = level
    }

    /// One past the last sample index.
    public var end: Int { start + (1 << level) }

    /// The two halves (level ≥ 1).
    var halves: (SampleSegment, SampleSegment) {
        precondition(level > 0, "SampleSegment: a single sample has no halves")
        return (SampleSegment(start: start, level: level - 1), SampleSegment(start: start + (1 << (level - 1)), level: level - 1))
    }

    /// The root of the tree for `total` samples per pixel: [0, 2^k) with 2^k the smallest power of two ≥ total.
    public static func root(samples total: Int) -> SampleSegment {
        precondition(total > 0, "SampleSegment: a film needs at least one sample per pixel")
        var level = 0
        while (1 << level) < total { level += 1 }
        return SampleSegment(start: 0, level: level)
    }

    /// The largest segments inside `range`, in order: each starts where the previous ends.
    public static func cover(_ range: Range<Int>) -> [SampleSegment] {
        var segments: [SampleSegment] = []
        var start = range.lowerBound
        while start < range.upperBound {
            var level = 0
            while start % (1 << (level + 1)) == 0 && start + (1 << (level + 1)) <= range.upperBound { level += 1 }
            segments.append(SampleSegment(start: start, level: level))
            start += 1 << level
        }
        return segments
    }

    /// Ordered by start, then by size.
    public static func < (a: SampleSegment, b: SampleSegment) -> Bool { (a.start, a.level) < (b.start, b.level) }

    /// "[start, end)".
    public var description: String { "[\(start), \(end))" }
}
