// Wavefront compaction: once enough paths have ended, the path state keeps only the lanes that go on.
//
// A vector instruction costs the same whether 1 or all of its lanes are active, and the lanes that end are spread
// over every vector, so a bounce after most paths ended used to cost as much as the first one. Compaction gathers
// the live lanes into a shorter wavefront (in their original order, so each path's random numbers and arithmetic are
// unchanged), and the radiance of the lanes left behind is written back to their original place.
import Tracer

/// The lanes of a wavefront that are still traced, and the radiance of those that were compacted away.
struct WavefrontCompaction {
    /// Wavefronts smaller than this are not worth a compaction.
    static let minimumLanes = 4096

    /// The lane count of the uncompacted wavefront.
    let originalLaneCount: Int
    /// For each current lane, the lane of the uncompacted wavefront it continues; nil before the first compaction.
    private(set) var originalLane: UInt32Array?
    /// Radiance per original lane, final for every lane that has been compacted away; nil before the first compaction.
    private var radiance: Vector3Array?

    init(laneCount: Int) {
        originalLaneCount = laneCount
    }

    /// Whether a wavefront of `lanes` lanes, `activeLanes` of them active, should be compacted: when at most
    /// `threshold` of them are active. Gathering the live lanes reads most of the state's memory whatever their
    /// number (the survivors are spread over it), so it pays only once few lanes remain: on the tutorial, compacting
    /// at 61% active lanes saved nothing, at 9% it saves three quarters of the later bounces.
    static func worthCompacting(activeLanes: Int, of lanes: Int, threshold: Double) -> Bool {
        lanes >= minimumLanes && Double(activeLanes) <= threshold * Double(lanes)
    }

    /// The indices of the `count` lanes whose word in `mask` (evaluated) is not 0, in order.
    static func activeIndices(_ mask: UInt32Array, count: Int) -> UInt32Array {
        // Every lane writes its index at the next free place, which moves on only past an active lane: no branch
        // to mispredict on scattered survivors (one spare place takes the writes after the last active lane).
        let indices = [UInt32](unsafeUninitializedCapacity: count + 1) { buffer, initialized in
            var next = 0
            mask.withUnsafeElements { words in
                for lane in words.indices where next <= count {
                    buffer[next] = UInt32(truncatingIfNeeded: lane)
                    next += words[lane] != 0 ? 1 : 0
                }
            }
            precondition(next == count, "WavefrontCompaction: \(next) active lanes, expected \(count)")
            initialized = count
        }
        return UInt32Array(indices)
    }

    /// Records the radiance of every current lane at its original place (final for the lanes about to be dropped)
    /// and composes the lane map with `index`.
    mutating func compact(_ state: PathState, to index: UInt32Array) {
        store(state.radiance)
        originalLane = originalLane.map { $0.gather(index) } ?? index
    }

    /// The radiance of every original lane: the stored values, overwritten by `current` for the lanes still traced.
    mutating func radiance(with current: Vector3Array) -> Vector3Array {
        guard radiance != nil else { return current }
        store(current)
        return radiance!
    }

    /// Writes `current` (one value per current lane) to the original lanes it belongs to.
    private mutating func store(_ current: Vector3Array) {
        guard let originalLane else {
            // Not compacted yet: the current lanes are the original lanes.
            radiance = Vector3Array(x: fullSize(current.x, originalLaneCount), y: fullSize(current.y, originalLaneCount),
                                    z: fullSize(current.z, originalLaneCount))
            return
        }
        let lanes = originalLane.count
        radiance!.x.scatter(fullSize(current.x, lanes), at: originalLane)
        radiance!.y.scatter(fullSize(current.y, lanes), at: originalLane)
        radiance!.z.scatter(fullSize(current.z, lanes), at: originalLane)
    }

    /// `array` with one element per lane (an array of one element is shared by all lanes).
    private func fullSize(_ array: FloatArray, _ lanes: Int) -> FloatArray {
        array.count == 1 ? array + FloatArray.zeros(lanes) : array
    }
}

extension TracedArray {
    /// The lanes `index` names, in its order; an array of one element (shared by all lanes) stays as it is.
    func keepingLanes(_ index: UInt32Array) -> Self {
        count == 1 ? self : gather(index)
    }
}
