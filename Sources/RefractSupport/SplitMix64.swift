// SplitMix64: the project's seeded host random number generator (layer initialisation, benchmark and test data).

/// Sebastiano Vigna's SplitMix64: a 64-bit state advanced by a Weyl sequence and scrambled by a mix function.
///
/// Optim's layers initialise their weights from it on request, and tests and benchmarks draw their data from it. A
/// seed fixes the whole stream, on every platform. The numbers are not PyTorch's (which uses a Mersenne Twister);
/// only the distributions and their bounds follow PyTorch.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The generator state: the seed, advanced by 0x9E3779B97F4A7C15 per number.
    public private(set) var state: UInt64

    /// A generator whose stream is fixed by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A float uniformly distributed in [0, 1): the top 24 bits of the next number, scaled by 2^-24 (exact).
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// `count` floats uniformly distributed between `lower` and `upper`, computed as `lower + (upper - lower) * u`
    /// with `u` from `nextUnitFloat()`, as PyTorch's `uniform_` does.
    public mutating func uniform(_ count: Int, from lower: Float, to upper: Float) -> [Float] {
        (0..<count).map { _ in lower + (upper - lower) * nextUnitFloat() }
    }
}
