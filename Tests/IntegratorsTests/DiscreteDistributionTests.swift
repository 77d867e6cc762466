// DiscreteDistribution: the table, the unrolled search and sample_reuse against values printed by Mitsuba 3.9.1.
import Foundation
import Testing
import RefractSupport
import Tracer

@testable import Integrators

@Suite("Discrete distribution")
struct DiscreteDistributionTests {
    @Test("cdf, sum and normalisation of a table with zero entries")
    func table() throws {
        let distribution = try DiscreteDistribution([0, 1, 2, 0, 3, 0])
        #expect(distribution.cdfValues == [0, 1, 3, 3, 6, 6])
        #expect(distribution.sum == 6 && distribution.normalization == 1 / Float(6))
        #expect(distribution.count == 6 && distribution.searchSteps == 3)
        let steps = try [1, 2, 3, 4, 5, 8, 9, 17].map { try DiscreteDistribution(Array(repeating: 1, count: $0)).searchSteps }
        // Dr.Jit's binary_search runs ⌊log₂(end − start)⌋ + 1 steps over [0, n − 1].
        #expect(steps == [0, 1, 2, 2, 3, 3, 4, 5])
    }

    @Test("sample_reuse matches Mitsuba (llvm_ad_rgb), zero-mass entries are never chosen",
          arguments: Variant.allCases)
    func sampleReuse(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let distribution = try DiscreteDistribution([0, 1, 2, 0, 3, 0])
            let values: [Float] = [0, 0.1, Float(1.0 / 6.0), 0.2, 0.5, 0.51, 0.999, 1]
            let (index, reused) = distribution.sampleReuse(FloatArray(values))
            // mi.DiscreteDistribution(mi.Float([0, 1, 2, 0, 3, 0])).sample_reuse(...) in Mitsuba 3.9.1.
            #expect(index.values == [1, 1, 1, 2, 2, 4, 4, 4])
            let expected: [Float] = [0, 0.599999964, 1, 0.099999994, 0.99999994, 0.0199999809, 0.998000026, 1]
            for (got, want) in zip(reused.values, expected) {
                #expect(abs(got - want) < 2e-7, "\(got) vs \(want)")
            }
            let (pmfIndex, pmf) = distribution.samplePMF(FloatArray([0.05, 0.4, 0.9]))
            #expect(pmfIndex.values == [1, 2, 4])
            #expect(pmf.values == [1 / Float(6), 2 / Float(6), 3 / Float(6)])
        }
    }

    @Test("sample matches Mitsuba for tables of 1 to 9 entries", arguments: Variant.allCases)
    func sampleSizes(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            // mi.DiscreteDistribution(mi.Float([1, 2, …, n])).sample([0, 0.3, 0.7, 0.99, 1]) in Mitsuba 3.9.1.
            let expected: [Int: [UInt32]] = [1: [0, 0, 0, 0, 0], 2: [0, 0, 1, 1, 1], 3: [0, 1, 2, 2, 2],
                                             5: [0, 2, 4, 4, 4], 8: [0, 4, 6, 7, 7], 9: [0, 4, 7, 8, 8]]
            for (count, indices) in expected {
                let distribution = try DiscreteDistribution((0..<count).map { Float($0 + 1) })
                let got = distribution.sample(FloatArray([0, 0.3, 0.7, 0.99, 1])).values
                #expect(got == indices, "n = \(count): \(got)")
            }
        }
    }

    @Test("the search agrees with a linear scan of the cdf on random tables", arguments: Variant.allCases)
    func againstLinearScan(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            var random = SplitMix64(seed: 3)
            for count in [1, 2, 7, 16, 33, 100] {
                let pmf = (0..<count).map { _ in random.float(in: 0...1) < 0.2 ? 0 : random.float(in: 0.01...5) }
                guard pmf.contains(where: { $0 > 0 }) else { continue }
                let distribution = try DiscreteDistribution(pmf)
                let values = (0..<500).map { _ in random.float(in: 0...1) }
                let got = distribution.sample(FloatArray(values)).values
                for (value, index) in zip(values, got) {
                    let scaled = value * distribution.sum
                    // The first entry whose cdf reaches the scaled sample and that has mass.
                    let want = distribution.cdfValues.indices.first {
                        distribution.cdfValues[$0] >= scaled && pmf[$0] > 0
                    } ?? count - 1
                    #expect(Int(index) == want, "n = \(count), value \(value): \(index) vs \(want)")
                }
            }
        }
    }

    @Test("frequencies follow the masses; reused samples stay in [0, 1]", arguments: Variant.allCases)
    func frequencies(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let pmf: [Float] = [0.5, 0, 3, 1, 0, 2.5, 1]
            let distribution = try DiscreteDistribution(pmf)
            var sampler = Sampler(seed: 9, laneCount: 80_000)
            let (index, reused) = distribution.sampleReuse(sampler.next1D())
            var counts = [Int](repeating: 0, count: pmf.count)
            for i in index.values { counts[Int(i)] += 1 }
            let total = pmf.reduce(0, +)
            for (i, mass) in pmf.enumerated() {
                let p = Double(mass / total)
                let sigma = (80_000 * p * (1 - p)).squareRoot()
                #expect(abs(Double(counts[i]) - 80_000 * p) <= 5 * sigma + 1, "entry \(i): \(counts[i])")
            }
            #expect(reused.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
    }

    @Test("empty, negative, non-finite and massless tables are errors")
    func errors() {
        #expect(throws: DiscreteDistributionError.self) { try DiscreteDistribution([]) }
        #expect(throws: DiscreteDistributionError.self) { try DiscreteDistribution([1, -1]) }
        #expect(throws: DiscreteDistributionError.self) { try DiscreteDistribution([1, .nan]) }
        #expect(throws: DiscreteDistributionError.self) { try DiscreteDistribution([0, 0, 0]) }
        do {
            _ = try DiscreteDistribution([2, -0.5])
        } catch {
            #expect("\(error)".contains("entry 1"))
        }
    }
}
