// Central finite differences in Double, deterministic test inputs, and tolerant comparison of gradients.
import Testing
@testable import Tracer

/// Deterministic pseudo-random test inputs (a 64-bit linear congruential generator).
struct TestRandom {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    }

    /// A value in [0, 1).
    mutating func next() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(UInt64(1) << 53)
    }

    /// `count` floats uniform in `range`.
    mutating func floats(_ count: Int, in range: ClosedRange<Double>) -> [Float] {
        (0..<count).map { _ in Float(range.lowerBound + (range.upperBound - range.lowerBound) * next()) }
    }

    /// `count` floats whose magnitude is uniform in `magnitude` and whose sign is random: away from zero.
    mutating func signedFloats(_ count: Int, magnitude: ClosedRange<Double>) -> [Float] {
        floats(count, in: magnitude).map { next() < 0.5 ? -$0 : $0 }
    }
}

/// Derivatives of a Double function of several arrays, by central differences.
enum FiniteDifferences {
    /// The relative step: small enough for the O(h^2) error, large enough for Double rounding.
    static let step = 1e-6

    /// d(sum_k weights[k] * f(x)[k]) / d x[i][j] for every i and j.
    static func gradient(of f: ([[Double]]) -> [Double], at x: [[Double]], weights: [Double]) -> [[Double]] {
        func loss(_ x: [[Double]]) -> Double {
            let outputs = f(x)
            precondition(outputs.count == weights.count, "the reference has \(outputs.count) outputs")
            var total = 0.0
            for k in outputs.indices { total += weights[k] * outputs[k] }
            return total
        }
        return x.indices.map { i in
            x[i].indices.map { j in
                let h = step * Swift.max(1, Swift.abs(x[i][j]))
                var plus = x
                var minus = x
                plus[i][j] += h
                minus[i][j] -= h
                return (loss(plus) - loss(minus)) / (2 * h)
            }
        }
    }

    /// The derivative of every output of f in the direction `direction` (one array per input, like x).
    static func directional(of f: ([[Double]]) -> [Double], at x: [[Double]], direction: [[Double]]) -> [Double] {
        let h = step
        let plus = x.indices.map { i in x[i].indices.map { j in x[i][j] + h * direction[i][j] } }
        let minus = x.indices.map { i in x[i].indices.map { j in x[i][j] - h * direction[i][j] } }
        return zip(f(plus), f(minus)).map { ($0 - $1) / (2 * h) }
    }
}

/// Expects `actual` to match `expected` element by element within `tolerance` relative to max(1, |expected|).
func expectClose(_ actual: [Float], _ expected: [Double], tolerance: Double = 2e-4, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)",
            sourceLocation: sourceLocation)
    var mismatches: [String] = []
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        let error = Swift.abs(Double(a) - e)
        if !(error <= tolerance * Swift.max(1, Swift.abs(e))) { mismatches.append("[\(i)] \(a) vs \(e)") }
    }
    #expect(mismatches.isEmpty, "\(what): \(mismatches.prefix(6).joined(separator: ", "))",
            sourceLocation: sourceLocation)
}
