// The scalar backend's matrix products and outer-product sums: plain loops that sum in the LLVM kernels' order.

extension ScalarKernel {
    /// Runs work units [start, end) of a matrix-product program (see `MatrixProductShape`).
    func runMatrixProduct(_ shape: MatrixProductShape, start: Int, end: Int,
                          pointers: UnsafePointer<UnsafeMutableRawPointer?>, sizes: UnsafePointer<Int64>) {
        func floats(_ slot: Int) -> UnsafeMutablePointer<Float> { pointers[slot]!.assumingMemoryBound(to: Float.self) }
        let left = floats(0), right = floats(1), result = floats(2)
        let rows = shape.rows, width = shape.vectorWidth
        if shape.op == .linear {
            let inner = shape.dimension, outFeatures = Int(sizes[1]) / inner
            let bias: UnsafeMutablePointer<Float>? = shape.hasBias ? floats(3) : nil
            for o in start..<end {
                for b in 0..<rows {
                    let dot = Self.interleavedDot(count: inner, width: width, w: right + o * inner) { i in
                        left[OuterProductPacking.index(batchRow: b, column: i, batch: rows)]
                    }
                    result[b * outFeatures + o] = bias.map { dot + $0[o] } ?? dot
                }
            }
        } else {
            let columns = shape.dimension, inner = Int(sizes[1]) / columns
            for unit in start..<end {
                for column in unit * width..<min(columns, (unit + 1) * width) {
                    for row in 0..<rows {
                        var sum: Float = 0
                        for k in 0..<inner {
                            sum = sum.addingProduct(left[row * inner + k], right[k * columns + column])
                        }
                        result[row * columns + column] = sum
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

    /// Lane `lane` of an `outerProductSum` instruction: Σ_b a[b, r] x[b, c] for (r, c) = lane's row and column,
    /// accumulated with fma in the chains of `OuterProductPacking.chains` (x packed, see `OuterProductPacking`).
    static func outerProductSum(lane: Int, batch: Int, columns: Int, a: UnsafeMutableRawPointer, aCount: Int,
                                x: UnsafeMutableRawPointer) -> UInt32 {
        let a = a.assumingMemoryBound(to: Float.self), x = x.assumingMemoryBound(to: Float.self)
        let rows = aCount / batch
        let row = lane / columns, column = lane - row * columns
        var sums = [Float](repeating: 0, count: OuterProductPacking.chains(batch: batch))
        for b in 0..<batch {
            let x = x[OuterProductPacking.index(batchRow: b, column: column, batch: batch)]
            sums[b % sums.count] = sums[b % sums.count].addingProduct(a[b * rows + row], x)
        }
        return OuterProductPacking.combine(sums, +).bitPattern
    }

    /// One lane of a `linearAccumulate` (see `Op.linearAccumulate`): lane (o, i) of the weight fmas `weight` times
    /// x[b, i] into lane i mod `width` of row b's accumulators; the last lane of weight row o adds them in order,
    /// plus bias[o], into y[b, o] and clears them.
    static func linearAccumulate(_ instruction: KernelInstruction, lane: Int, weight: Float, batch: Int, xSlot: Int,
                                 width: Int, pointers: UnsafePointer<UnsafeMutableRawPointer?>,
                                 sizes: UnsafePointer<Int64>, sums: inout [Float]) {
        let hasBias = instruction.auxiliary & KernelInstruction.linearAccumulateHasBias != 0
        let inFeatures = Int(instruction.auxiliary & ~KernelInstruction.linearAccumulateHasBias)
        let slot = Int(instruction.immediate)
        let x = pointers[xSlot]!.assumingMemoryBound(to: Float.self)
        let row = lane / inFeatures, column = lane - row * inFeatures
        for b in 0..<batch {
            let input = x[OuterProductPacking.index(batchRow: b, column: column, batch: batch)]
            sums[b * width + column % width] = sums[b * width + column % width].addingProduct(input, weight)
        }
        guard column == inFeatures - 1 else { return }
        let y = pointers[slot]!.assumingMemoryBound(to: Float.self)
        let outFeatures = Int(sizes[slot]) / batch
        for b in 0..<batch {
            var sum = sums[b * width]
            for j in 1..<width { sum += sums[b * width + j] }
            if hasBias { sum += pointers[slot + 1]!.assumingMemoryBound(to: Float.self)[row] }
            y[b * outFeatures + row] = sum
            for j in 0..<width { sums[b * width + j] = 0 }
        }
    }
}
