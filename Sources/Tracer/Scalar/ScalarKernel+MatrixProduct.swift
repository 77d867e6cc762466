// The scalar backend's matrix products: plain loops that sum in the order of each `MatrixProductStrategy`.

extension ScalarKernel {
    /// Runs work units [start, end) of a product's own kernel (see `KernelMatrixProduct.units`).
    func runMatrixProduct(_ entry: KernelMatrixProduct, start: Int, end: Int,
                          pointers: UnsafePointer<UnsafeMutableRawPointer?>) {
        func floats(_ slot: Int) -> UnsafeMutablePointer<Float> { pointers[slot]!.assumingMemoryBound(to: Float.self) }
        let left = floats(entry.a), right = floats(entry.b), result = floats(entry.c)
        let p = entry.product, width = program.vectorWidth
        if entry.strategy == .rowDots {
            for o in start..<end {
                for r in 0..<p.m {
                    result[r * p.n + o] = Self.interleavedDot(count: p.k, width: width, w: right + o * p.k) { i in
                        left[OuterProductPacking.index(batchRow: r, column: i, batch: p.m)]
                    }
                }
            }
        } else {
            for unit in start..<end {
                for column in unit * width..<min(p.n, (unit + 1) * width) {
                    for row in 0..<p.m {
                        var sum: Float = 0
                        for i in 0..<p.k { sum = sum.addingProduct(left[row * p.k + i], right[i * p.n + column]) }
                        result[row * p.n + column] = sum
                    }
                }
            }
        }
    }

    /// Σ x(i) w[i] as the vector kernel forms it: fma into `width` interleaved lanes (the last partial vector
    /// completed with zero products), then lanes 0, 1, ... added in order.
    static func interleavedDot(count: Int, width: Int, w: UnsafePointer<Float>, x: (Int) -> Float) -> Float {
        var lanes = [Float](repeating: 0, count: width)
        for base in stride(from: 0, to: count, by: width) {
            for j in 0..<width {
                let inside = base + j < count
                lanes[j] = lanes[j].addingProduct(inside ? x(base + j) : 0, inside ? w[base + j] : 0)
            }
        }
        var sum = lanes[0]
        for j in 1..<width { sum += lanes[j] }
        return sum
    }

    /// Element `lane` of a product computed lane by lane (element 0 when C has one element): Σ_i op(A)[r, i] ·
    /// op(B)[i, c] with fma in the chains of `OuterProductPacking.chains`, B packed where `usesPackedLanes`.
    static func productLane(_ entry: KernelMatrixProduct, lane: Int,
                            pointers: UnsafePointer<UnsafeMutableRawPointer?>) -> Float {
        let p = entry.product
        let a = pointers[entry.a]!.assumingMemoryBound(to: Float.self)
        let b = pointers[entry.b]!.assumingMemoryBound(to: Float.self)
        let element = p.cCount == 1 ? 0 : lane
        let matrix = element / (p.m * p.n), within = element % (p.m * p.n)
        let row = within / p.n, column = within % p.n
        var sums = [Float](repeating: 0, count: OuterProductPacking.chains(batch: p.k))
        for i in 0..<p.k {
            let right = p.usesPackedLanes
                ? b[OuterProductPacking.index(batchRow: i, column: column, batch: p.k)]
                : b[p.bIndex(batch: matrix, inner: i, column: column)]
            let left = a[p.aIndex(batch: matrix, row: row, inner: i)]
            sums[i % sums.count] = sums[i % sums.count].addingProduct(left, right)
        }
        return OuterProductPacking.combine(sums, +)
    }

    /// One lane of a riding product (`MatrixProductStrategy.riding`): lane (j, i) of B fmas `value` times A[r, i]
    /// into lane i mod `width` of row r's accumulators; the last lane of B's row j adds them in order into
    /// C[r, j] and clears them.
    static func ridingProduct(_ entry: KernelMatrixProduct, lane: Int, value: Float, width: Int,
                              pointers: UnsafePointer<UnsafeMutableRawPointer?>, sums: inout [Float]) {
        let p = entry.product
        let x = pointers[entry.a]!.assumingMemoryBound(to: Float.self)
        let row = lane / p.k, column = lane - row * p.k
        for r in 0..<p.m {
            let input = x[OuterProductPacking.index(batchRow: r, column: column, batch: p.m)]
            sums[r * width + column % width] = sums[r * width + column % width].addingProduct(input, value)
        }
        guard column == p.k - 1 else { return }
        let y = pointers[entry.c]!.assumingMemoryBound(to: Float.self)
        for r in 0..<p.m {
            var sum = sums[r * width]
            for j in 1..<width { sum += sums[r * width + j] }
            y[r * p.n + row] = sum
            for j in 0..<width { sums[r * width + j] = 0 }
        }
    }
}
