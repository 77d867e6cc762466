// The scalar backend's scatter-adds in programs with symbolic loops or dispatches, in the vector code's order.

/// The scatter-adds of one vector of W lanes in a program with loops. The vector code runs a loop's body for all
/// its active lanes per iteration, so an instruction adds once per iteration, for the vector's lanes together (in
/// `ScatterAddOrder`); the scalar backend runs a lane's iterations one after another. Each add is therefore tagged
/// with where the vector code performs it (the open loops' starts and iteration numbers, then the instruction's
/// position, compared lexicographically), sorted by that place and then the lane, and applied at the vector's end one
/// place at a time: the same sums, bit for bit.
/// A dispatch counts as a loop whose iteration number is the case: the vector code runs a vector's cases in
/// increasing order, each for its lanes.
struct LoopScatterAdds {
    private var adds: [(order: [Int], lane: Int, target: UnsafeMutablePointer<UInt32>, value: UInt32,
                        type: ScalarType)] = []

    /// Holds one lane's add of `value` into `target` by the scatter-add at `instruction`.
    mutating func append(_ target: UnsafeMutablePointer<UInt32>, _ value: UInt32, type: ScalarType, lane: Int,
                         instruction: Int, openLoops: [(start: Int, iteration: Int)]) {
        let order = openLoops.flatMap { [$0.start, $0.iteration] } + [instruction]
        adds.append((order, lane, target, value, type))
    }

    /// Applies the held adds in the vector code's order, and forgets them.
    mutating func apply() {
        guard !adds.isEmpty else { return }
        adds.sort { a, b in
            a.order == b.order ? a.lane < b.lane : a.order.lexicographicallyPrecedes(b.order)
        }
        // One instruction's adds at one place of the vector code at a time, in `ScatterAddOrder`.
        var start = 0
        while start < adds.count {
            var end = start + 1
            while end < adds.count, adds[end].order == adds[start].order { end += 1 }
            ScatterAddOrder.apply(adds[start..<end].lazy.map { ($0.target, $0.value) }, type: adds[start].type)
            start = end
        }
        adds.removeAll(keepingCapacity: true)
    }
}
