// The draws of Mitsuba's orthogonal sampler: orthogonal arrays by Bose's and Bush's constructions, per lane.
import Tracer

extension SamplerStrata {
    /// x mod d for unsigned lanes (the traced arrays have no remainder operator).
    private static func remainder(_ x: UInt32Array, _ d: UInt32) -> UInt32Array { x - (x / d) * d }

    /// The p × p grid of an orthogonal sampler of p² samples.
    private var resolution: UInt32 { UInt32(SamplePattern.orthogonalResolution(Int(sampleCount))) }

    /// Mitsuba's `bose` (strength 2) for dimension `j`: the lane's sample, shuffled per pixel, read as the grid
    /// point (a0, a1); dimension j takes the cell (a0 + (j − 1)·a1) mod p and its partner dimension (j ± 1) the
    /// sub-cell, both shuffled per dimension (dimensions 0 and 1 take a0 and a1), then the jitter inside.
    func boseDraw(dimension j: UInt32Array, _ rng: inout PCG32) -> FloatArray {
        let p = resolution
        let seed = permutationSeed
        // Mitsuba takes the index modulo the count first; a lane's sample index is below it already.
        let i = Self.permute(sampleIndex, count: sampleCount, seed: seed)
        let a0 = i / p
        let a1 = i - a0 * p
        let odd = (j & 1) .!= 0
        let k = select(odd, j - 1, j + 1)
        // Unsigned arithmetic wraps as Mitsuba's does (j − 1 for j = 0 is replaced below anyway).
        let mixedJ = a0 + (j - 1) * a1, mixedK = a0 + (k - 1) * a1
        var aj = Self.remainder(mixedJ, p)
        var ak = Self.remainder(mixedK, p)
        let first = j .== 0, second = j .== 1
        aj = select(first, a0, select(second, a1, aj))
        ak = select(first, a1, select(second, a0, ak))
        let stratum = Self.permute(aj, count: p, seed: seed * (j + 1) * 0x5163_3e2d)
        let subStratum = Self.permute(ak, count: p, seed: seed * (j + 1) * 0x68bc_21eb)
        let inverse = 1 / Float(p)
        return (FloatArray(stratum) + (FloatArray(subStratum) + jitter(&rng)) * inverse) * inverse
    }

    /// Mitsuba's `bush` (any strength t) for dimension `j`: the shuffled sample index among the p^t rows of the
    /// array, its base-p digits read as a polynomial evaluated at j for the cell, the rest of the index for the
    /// sub-cell. Mitsuba's digit loop takes i·(1 − p) as the lowest digit and the digits one place up after it;
    /// that is kept, so the points are Mitsuba's.
    func bushDraw(dimension j: UInt32Array, strength: Int, _ rng: inout PCG32) -> FloatArray {
        let p = resolution
        var rows: UInt32 = 1
        for _ in 0..<strength { rows &*= p }
        let subCells = rows / p
        let seed = permutationSeed
        let i = Self.permute(sampleIndex, count: rows, seed: seed)
        var digits: [UInt32Array] = []
        var previous = i, current = i
        for _ in 0..<strength {
            digits.append(previous - current * p)
            previous = current
            current = current / p
        }
        var phi = UInt32Array(repeating: 0, count: i.count)
        for digit in digits.reversed() { phi = phi * j + digit }
        let stratum = Self.permute(Self.remainder(phi, p), count: p, seed: seed * (j + 1) * 0x5163_3e2d)
        let row = i / p
        let subStratum = Self.permute(Self.remainder(row, subCells), count: subCells,
                                      seed: seed * (j + 1) * 0x68bc_21eb)
        return (FloatArray(stratum) + (FloatArray(subStratum) + jitter(&rng)) * (1 / Float(subCells)))
            * (1 / Float(p))
    }
}
