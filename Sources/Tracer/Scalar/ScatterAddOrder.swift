// The order of a scatter-add's additions, which both backends follow so that their sums agree bit for bit.

/// A scatter-add instruction adds, for each vector of W lanes (and, in a symbolic loop or dispatch, each time the
/// vector runs it), its enabled lanes' values into memory in this order:
///
/// 1. The enabled lanes are chained by element: each lane's predecessor is the nearest earlier enabled lane with the
///    same index.
/// 2. In rounds, until no lane has a predecessor (at most log2 W), every lane with one adds its predecessor's partial
///    sum before its own (`x[k] = x[p[k]] + x[k]`) and takes its predecessor's predecessor (`p[k] = p[p[k]]`), all
///    lanes at once from the previous round's values: a Hillis–Steele scan along each chain, after which the last
///    lane of each chain holds the chain's sum.
/// 3. Each element written becomes `element + sum`.
///
/// Dr.Jit reduces a vector's colliding lanes before its atomics in the same spirit (`ReduceMode.Local`); here the
/// order is fixed, so results do not depend on the thread count or the backend. Integer sums wrap and do not depend
/// on the order.
enum ScatterAddOrder {
    /// Applies one instruction's adds of one vector (at most W, in lane order, each to `target`) in the order above.
    static func apply(_ adds: some Collection<(target: UnsafeMutablePointer<UInt32>, value: UInt32)>,
                      type: ScalarType) {
        func add(_ a: UInt32, _ b: UInt32) -> UInt32 {
            ScalarSemantics.apply(.add, type: type, operandType: type, a, b)
        }
        let targets = adds.map(\.target)
        var sums = adds.map(\.value)
        var previous = targets.indices.map { k in targets[..<k].lastIndex(of: targets[k]) ?? -1 }
        while previous.contains(where: { $0 >= 0 }) {
            let (lastSums, lastPrevious) = (sums, previous)
            for k in sums.indices where lastPrevious[k] >= 0 {
                sums[k] = add(lastSums[lastPrevious[k]], lastSums[k])
                previous[k] = lastPrevious[lastPrevious[k]]
            }
        }
        // The last lane of each chain: no later lane writes its element.
        for k in targets.indices where !targets[(k + 1)...].contains(targets[k]) {
            targets[k].pointee = add(targets[k].pointee, sums[k])
        }
    }
}
