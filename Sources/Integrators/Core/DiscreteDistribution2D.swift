// A discrete 2-D distribution over a grid of cells, sampled row then column (Mitsuba's `DiscreteDistribution2D`).
import Tracer

/// A distribution over the cells of a width × height grid from unnormalised masses in row-major order, as
/// Mitsuba's `DiscreteDistribution2D` (distr_2d.h): a marginal running sum over the rows and, per row, a running
/// sum over its columns, built on the host in double precision and rounded to float entry by entry. Sampling picks
/// a row by the marginal, then a column by the row's sums (two binary searches of traced gathers), and returns the
/// sample rescaled within the chosen cell, so that it can place a point inside it.
public struct DiscreteDistribution2D {
    /// The number of columns.
    public let width: Int
    /// The number of rows.
    public let height: Int
    /// Per row, the inclusive running sum of its masses (row-major, width · height entries).
    let conditionalCDF: FloatArray
    /// The inclusive running sum of the rows' totals (height entries).
    let marginalCDF: FloatArray
    /// The total mass, rounded to float (Mitsuba's `m_inv_normalization`).
    public let total: Float
    /// 1 / total, computed in double and rounded to float (Mitsuba's `m_normalization`).
    public let normalization: Float

    /// The distribution of `masses` (row-major, `width` · `height` entries, at least one of each). Nil when the
    /// masses sum to 0 or are not finite: such a texture has nothing to sample.
    public init?(_ masses: [Float], width: Int, height: Int) {
        precondition(width > 0 && height > 0 && masses.count == width * height,
                     "DiscreteDistribution2D: \(masses.count) masses do not fill \(width) x \(height)")
        var conditional = [Float](repeating: 0, count: masses.count)
        var marginal = [Float](repeating: 0, count: height)
        var sum = 0.0
        for row in 0..<height {
            var rowSum = 0.0
            for column in 0..<width {
                rowSum += Double(masses[row * width + column])
                conditional[row * width + column] = Float(rowSum)
            }
            sum += rowSum
            marginal[row] = Float(sum)
        }
        guard sum > 0, sum.isFinite else { return nil }
        self.width = width
        self.height = height
        conditionalCDF = FloatArray(conditional)
        marginalCDF = FloatArray(marginal)
        total = Float(sum)
        normalization = Float(1 / sum)
    }

    /// The normalised mass of cell (column, row) (Mitsuba's `pdf`): the difference of the row's running sums at
    /// the cell and before it; 0 on inactive lanes.
    public func pdf(column: UInt32Array, row: UInt32Array, active: BoolArray) -> FloatArray {
        let index = column + row * UInt32(width)
        let upper = conditionalCDF.gather(index, mask: active)
        // index − 1 wraps for column 0; the mask reads 0 there instead.
        let lower = conditionalCDF.gather(index - 1, mask: active & (column .> 0))
        return (upper - lower) * normalization
    }

    /// A cell drawn from the uniform `sample` (clamped into [smallest normal, 1 − ε] first, as Mitsuba does), its
    /// normalised mass, and the sample rescaled to [0, 1)² within the cell's intervals of the running sums.
    public func sample(_ sample: Point2Array, active: BoolArray)
        -> (column: UInt32Array, row: UInt32Array, pdf: FloatArray, reused: Point2Array) {
        let smallest = FloatArray.constant(Float.leastNormalMagnitude)
        let largest = FloatArray.constant(Float(1).nextDown)
        var x = min(max(sample.x, smallest), largest)
        var y = min(max(sample.y, smallest), largest) * total

        let row = Self.search(count: height, active: active) { marginalCDF.gather($0, mask: active) .< y }
        let offset = row * UInt32(width)
        x = x * conditionalCDF.gather(offset + UInt32(width - 1), mask: active)
        let column = Self.search(count: width, active: active) {
            conditionalCDF.gather($0 + offset, mask: active) .< x
        }

        let columnLower = conditionalCDF.gather(offset + column - 1, mask: active & (column .> 0))
        let columnUpper = conditionalCDF.gather(offset + column, mask: active)
        let rowLower = marginalCDF.gather(row - 1, mask: active & (row .> 0))
        let rowUpper = marginalCDF.gather(row, mask: active)
        x = x - columnLower
        y = y - rowLower
        x = select(columnUpper .!= columnLower, x / (columnUpper - columnLower), x)
        y = select(rowUpper .!= rowLower, y / (rowUpper - rowLower), y)
        return (column, row, (columnUpper - columnLower) * normalization, Point2Array(x: x, y: y))
    }

    /// Dr.Jit's `binary_search` over [0, count − 1]: the first index where `below` is false (count − 1 when there
    /// is none), in ⌊log₂(count − 1)⌋ + 1 unrolled halving steps.
    private static func search(count: Int, active: BoolArray,
                               _ below: (UInt32Array) -> BoolArray) -> UInt32Array {
        let lanes = active.count
        var start = UInt32Array(repeating: 0, count: lanes)
        var end = UInt32Array(repeating: UInt32(count - 1), count: lanes)
        let steps = count > 1 ? Int.bitWidth - (count - 1).leadingZeroBitCount : 0
        for _ in 0..<steps {
            let middle = (start + end) >> 1
            let goRight = below(middle)
            start = select(goRight, min(middle + 1, end), start)
            end = select(goRight, end, middle)
        }
        return start
    }
}
