// A discrete 1-D distribution over a traced table, sampled by an unrolled binary search (Mitsuba's
// `DiscreteDistribution`).
import Tracer

/// Why a probability mass function cannot be sampled.
public struct DiscreteDistributionError: Error, CustomStringConvertible {
    /// What is wrong with the table.
    public let description: String
}

/// A discrete distribution over the indices 0..<count from unnormalised masses, as Mitsuba's
/// `DiscreteDistribution`: the inclusive running sum `cdf`, its last entry `sum`, and `normalization` = 1/sum.
/// The table is built on the host; the lookups are traced gathers, so they run inside kernels.
public struct DiscreteDistribution {
    /// The unnormalised masses.
    public let pmf: FloatArray
    /// The unnormalised inclusive running sum: cdf[i] = pmf[0] + … + pmf[i].
    public let cdf: FloatArray
    /// The host copy of `cdf`.
    public let cdfValues: [Float]
    /// The total mass (the last cdf entry).
    public let sum: Float
    /// 1/sum.
    public let normalization: Float
    /// The number of entries.
    public let count: Int

    /// The distribution of `pmf`. Throws when the table is empty, has a negative or non-finite entry, or no mass.
    public init(_ pmf: [Float]) throws {
        guard !pmf.isEmpty else { throw DiscreteDistributionError(description: "the distribution is empty") }
        // Mitsuba's host-side construction: a double running sum, each entry rounded to float.
        var running = 0.0
        var cdf: [Float] = []
        cdf.reserveCapacity(pmf.count)
        for (index, mass) in pmf.enumerated() {
            guard mass >= 0, mass.isFinite else {
                throw DiscreteDistributionError(
                    description: "entry \(index) is \(mass); masses must be finite and non-negative")
            }
            running += Double(mass)
            cdf.append(Float(running))
        }
        guard running > 0, let total = cdf.last, total.isFinite else {
            throw DiscreteDistributionError(description: "no probability mass (all \(pmf.count) entries are 0)")
        }
        self.pmf = FloatArray(pmf)
        self.cdf = FloatArray(cdf)
        cdfValues = cdf
        count = pmf.count
        sum = total
        normalization = 1 / total
    }

    /// The number of halving steps of the search over [0, count − 1]: ⌊log₂(count − 1)⌋ + 1, as Dr.Jit's
    /// `binary_search` (0 for one entry).
    var searchSteps: Int { count > 1 ? (Int.bitWidth - (count - 1).leadingZeroBitCount) : 0 }

    /// The index whose cdf interval contains `value`·sum, for `value` uniform in [0, 1]. Mitsuba's search with the
    /// predicate of its JIT variants: move right while (cdf < value·sum or cdf = 0) and cdf ≠ sum, so entries of
    /// zero mass at either end are never chosen. The search is unrolled into `searchSteps` gathers.
    public func sample(_ value: FloatArray, active: BoolArray = true) -> UInt32Array {
        let scaled = value * sum
        let lanes = Swift.max(value.count, active.count)
        var start = UInt32Array(repeating: 0, count: lanes)
        var end = UInt32Array(repeating: UInt32(count - 1), count: lanes)
        for _ in 0..<searchSteps {
            let middle = (start + end) >> 1
            let entry = cdf.gather(middle, mask: active)
            let goRight = ((entry .< scaled) | (entry .== 0)) & (entry .!= sum)
            start = select(goRight, min(middle + 1, end), start)
            end = select(goRight, end, middle)
        }
        return start
    }

    /// The index of `sample(value)` and its normalised mass.
    public func samplePMF(_ value: FloatArray, active: BoolArray = true) -> (index: UInt32Array, pmf: FloatArray) {
        let index = sample(value, active: active)
        return (index, evalPMFNormalized(index, active: active))
    }

    /// The index of `sample(value)` and `value` rescaled to [0, 1) within the chosen entry's cdf interval,
    /// (value − cdf[index − 1]/sum) / (pmf[index]/sum), so that it can serve as a fresh uniform sample
    /// (Mitsuba's `sample_reuse`).
    public func sampleReuse(_ value: FloatArray, active: BoolArray = true)
        -> (index: UInt32Array, reused: FloatArray) {
        let index = sample(value, active: active)
        let mass = evalPMFNormalized(index, active: active)
        // index − 1 wraps for index 0; the mask reads 0 there instead.
        let below = evalCDFNormalized(index - 1, active: active & (index .> 0))
        return (index, (value - below) / mass)
    }

    /// The unnormalised mass at `index` (0 on inactive lanes).
    public func evalPMF(_ index: UInt32Array, active: BoolArray = true) -> FloatArray {
        pmf.gather(index, mask: active)
    }

    /// The normalised mass at `index` (0 on inactive lanes).
    public func evalPMFNormalized(_ index: UInt32Array, active: BoolArray = true) -> FloatArray {
        pmf.gather(index, mask: active) * normalization
    }

    /// The unnormalised cdf at `index` (0 on inactive lanes).
    public func evalCDF(_ index: UInt32Array, active: BoolArray = true) -> FloatArray {
        cdf.gather(index, mask: active)
    }

    /// The normalised cdf at `index` (0 on inactive lanes).
    public func evalCDFNormalized(_ index: UInt32Array, active: BoolArray = true) -> FloatArray {
        cdf.gather(index, mask: active) * normalization
    }
}
