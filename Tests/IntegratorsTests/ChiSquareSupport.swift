// Chi-square goodness-of-fit of sampled directions against a solid-angle density (after Mitsuba's `chi2` tests).
import Foundation

@testable import Integrators

/// A histogram of directions over a (cos θ, φ) grid in a frame around `axis`, restricted to the cap cos θ ≥ zMin,
/// compared with the expected counts from integrating a density over each cell (midpoint rule on a sub-grid).
struct DirectionalChiSquare {
    var axis: Vector3f
    var zMin: Double
    var zBins = 12
    var phiBins = 24
    /// Quadrature points per cell and axis.
    var resolution = 10

    struct Result: CustomStringConvertible {
        /// The chi-square statistic over the pooled cells.
        var statistic: Double
        var degreesOfFreedom: Int
        /// P(χ² ≥ statistic) for the null hypothesis that the samples follow the density.
        var pValue: Double
        /// The integral of the density over the cap (1 when the cap holds all of it).
        var integral: Double
        /// Samples outside the cap (beyond rounding).
        var outside: Int

        var description: String {
            "χ² = \(statistic), dof = \(degreesOfFreedom), p = \(pValue), ∫pdf = \(integral), outside = \(outside)"
        }
    }

    /// The orthonormal frame (s, t, axis) in Double.
    private var frame: (s: SIMD3<Double>, t: SIMD3<Double>, n: SIMD3<Double>) {
        let n = SIMD3<Double>(Double(axis.x), Double(axis.y), Double(axis.z))
        let unit = n / (n * n).sum().squareRoot()
        let helper = abs(unit.x) < 0.9 ? SIMD3<Double>(1, 0, 0) : SIMD3<Double>(0, 1, 0)
        var s = helper - unit * (helper * unit).sum()
        s /= (s * s).sum().squareRoot()
        let t = SIMD3<Double>(unit.y * s.z - unit.z * s.y, unit.z * s.x - unit.x * s.z, unit.x * s.y - unit.y * s.x)
        return (s, t, unit)
    }

    /// The quadrature directions of every cell, cell by cell, with the solid angle each stands for.
    func quadrature() -> (directions: [Vector3f], weight: Double) {
        let (s, t, n) = frame
        let dz = (1 - zMin) / Double(zBins * resolution)
        let dphi = 2 * Double.pi / Double(phiBins * resolution)
        var directions: [Vector3f] = []
        directions.reserveCapacity(zBins * phiBins * resolution * resolution)
        for zi in 0..<zBins {
            for pi in 0..<phiBins {
                for a in 0..<resolution {
                    for b in 0..<resolution {
                        let z = zMin + (Double(zi * resolution + a) + 0.5) * dz
                        let phi = (Double(pi * resolution + b) + 0.5) * dphi
                        let r = (1 - z * z).squareRoot()
                        let d = s * (r * cos(phi)) + t * (r * sin(phi)) + n * z
                        directions.append(Vector3f(Float(d.x), Float(d.y), Float(d.z)))
                    }
                }
            }
        }
        return (directions, dz * dphi)
    }

    /// Bins `samples`, integrates `density` (per solid angle, evaluated on a batch of directions) and runs the test.
    /// `total` is the number of draws when some were discarded (a BSDF's invalid samples, which the density's
    /// missing mass accounts for); by default every draw is in `samples`.
    func run(samples: [Vector3f], total: Int? = nil, density: ([Vector3f]) -> [Double]) -> Result {
        let (s, t, n) = frame
        let cells = zBins * phiBins
        var observed = [Double](repeating: 0, count: cells)
        var outside = 0
        for sample in samples {
            let d = SIMD3<Double>(Double(sample.x), Double(sample.y), Double(sample.z))
            let x = (d * s).sum(), y = (d * t).sum(), along = (d * n).sum()
            // cos θ from an accurate θ: for tiny cones 1 − z is far below float resolution of z itself.
            let theta = atan2((x * x + y * y).squareRoot(), along)
            let z = cos(theta)
            var zi = Int(((z - zMin) / (1 - zMin) * Double(zBins)).rounded(.down))
            if zi < 0 {
                if z < zMin - 1e-6 * Swift.max(1 - zMin, 1e-3) { outside += 1; continue }
                zi = 0
            }
            zi = Swift.min(zi, zBins - 1)
            var phi = atan2(y, x)
            if phi < 0 { phi += 2 * Double.pi }
            let pi = Swift.min(Int(phi / (2 * Double.pi) * Double(phiBins)), phiBins - 1)
            observed[zi * phiBins + pi] += 1
        }

        let (directions, weight) = quadrature()
        let values = density(directions)
        let perCell = resolution * resolution
        var expected = [Double](repeating: 0, count: cells)
        for cell in 0..<cells {
            expected[cell] = values[(cell * perCell)..<((cell + 1) * perCell)].reduce(0, +) * weight
        }
        let integral = expected.reduce(0, +)
        expected = expected.map { $0 * Double(total ?? samples.count) }

        // Mitsuba's pooling: cells in increasing order of expected count are merged until the pool expects ≥ 5.
        var statistic = 0.0, degrees = -1
        var pooledObserved = 0.0, pooledExpected = 0.0
        for cell in expected.indices.sorted(by: { expected[$0] < expected[$1] }) {
            if expected[cell] == 0 {
                // A cell beside the support's edge may hold a sliver of it that no quadrature point saw: its
                // samples join the pool. Samples anywhere else are impossible.
                if observed[cell] > 0 && !touchesSupport(cell, expected) { statistic = .infinity }
                pooledObserved += observed[cell]
                continue
            }
            if expected[cell] < 5 || pooledExpected > 0 && pooledExpected < 5 {
                pooledObserved += observed[cell]
                pooledExpected += expected[cell]
                if pooledExpected >= 5 {
                    statistic += square(pooledObserved - pooledExpected) / pooledExpected
                    degrees += 1
                    pooledObserved = 0
                    pooledExpected = 0
                }
                continue
            }
            statistic += square(observed[cell] - expected[cell]) / expected[cell]
            degrees += 1
        }
        if pooledExpected > 0 {
            statistic += square(pooledObserved - pooledExpected) / pooledExpected
            degrees += 1
        }
        let pValue = statistic.isFinite ? regularizedGammaQ(Double(degrees) / 2, statistic / 2) : 0
        return Result(statistic: statistic, degreesOfFreedom: degrees, pValue: pValue, integral: integral,
                      outside: outside)
    }

    private func square(_ x: Double) -> Double { x * x }

    /// Whether a cell next to `cell` (in cos θ or, cyclically, in φ) expects samples.
    private func touchesSupport(_ cell: Int, _ expected: [Double]) -> Bool {
        let zi = cell / phiBins, pi = cell % phiBins
        for (dz, dp) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
            let z = zi + dz
            guard z >= 0, z < zBins else { continue }
            if expected[z * phiBins + (pi + dp + phiBins) % phiBins] > 0 { return true }
        }
        return false
    }
}

/// Q(a, x) = Γ(a, x)/Γ(a), the upper regularized incomplete gamma function: a series below x = a + 1, a continued
/// fraction (modified Lentz) above.
func regularizedGammaQ(_ a: Double, _ x: Double) -> Double {
    if x <= 0 { return 1 }
    let logPrefix = a * log(x) - x - lgamma(a)
    if x < a + 1 {
        var term = 1 / a, sum = term, n = a
        for _ in 0..<10_000 {
            n += 1
            term *= x / n
            sum += term
            if abs(term) < abs(sum) * 1e-15 { break }
        }
        return 1 - sum * exp(logPrefix)
    }
    let tiny = 1e-300
    var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
    for i in 1..<10_000 {
        let an = -Double(i) * (Double(i) - a)
        b += 2
        d = an * d + b
        if abs(d) < tiny { d = tiny }
        c = b + an / c
        if abs(c) < tiny { c = tiny }
        d = 1 / d
        let delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15 { break }
    }
    return exp(logPrefix) * h
}
