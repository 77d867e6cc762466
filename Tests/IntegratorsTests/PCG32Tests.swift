// Bit-exactness of the traced TEA, PCG32 and independent sampler against a plain-Swift reference and fixed values.
import Testing
import Tracer

@testable import Integrators

/// Mitsuba's `sample_tea_32` in plain Swift.
private func referenceTEA(_ v0In: UInt32, _ v1In: UInt32, rounds: Int = 4) -> (UInt32, UInt32) {
    var v0 = v0In, v1 = v1In, sum: UInt32 = 0
    for _ in 0..<rounds {
        sum &+= 0x9e37_79b9
        v0 &+= ((v1 << 4) &+ 0xa341_316c) ^ (v1 &+ sum) ^ ((v1 >> 5) &+ 0xc801_3ea4)
        v1 &+= ((v0 << 4) &+ 0xad90_777d) ^ (v0 &+ sum) ^ ((v0 >> 5) &+ 0x7e95_761e)
    }
    return (v0, v1)
}

/// Dr.Jit's PCG32 in plain Swift with 64-bit arithmetic.
private struct ReferencePCG32 {
    var state: UInt64 = 0
    var inc: UInt64

    init(initState: UInt32, initSequence: UInt32) {
        inc = (UInt64(initSequence) << 1) | 1
        _ = nextUInt32()
        state &+= UInt64(initState)
        _ = nextUInt32()
    }

    mutating func nextUInt32() -> UInt32 {
        let old = state
        state = old &* 0x5851_f42d_4c95_7f2d &+ inc
        let xorshifted = UInt32(truncatingIfNeeded: ((old >> 18) ^ old) >> 27)
        let rot = UInt32(truncatingIfNeeded: old >> 59)
        return (xorshifted >> rot) | (xorshifted << ((0 &- rot) & 31))
    }

    mutating func nextFloat() -> Float {
        Float(bitPattern: (nextUInt32() >> 9) | 0x3f80_0000) - 1
    }
}

private func referenceSampler(seed: UInt32, lane: UInt32) -> ReferencePCG32 {
    let (v0, v1) = referenceTEA(seed, lane)
    return ReferencePCG32(initState: v0, initSequence: v1)
}

@Suite("PCG32 and the independent sampler")
struct PCG32Tests {
    @Test("TEA matches values computed by hand from the spec")
    func teaFixedValues() {
        // Computed with Python from SCENE-SPEC §3's formulas.
        #expect(referenceTEA(0, 0) == (0x5df5_f2bf, 0x54ce_08ba))
        #expect(referenceTEA(7, 123) == (0xe7d4_61ad, 0x8c38_c121))
        TraceContext.with(CompileOptions(variant: .scalar)) {
            let (v0, v1) = tea(v0: UInt32Array([0, 7, 42]), v1: UInt32Array([0, 123, 999]))
            #expect(v0.values == [0x5df5_f2bf, 0xe7d4_61ad, 0xc347_1624])
            #expect(v1.values == [0x54ce_08ba, 0x8c38_c121, 0xf4dc_489d])
        }
    }

    @Test("the sampler's first draws match values computed by hand from the spec", arguments: Variant.allCases)
    func samplerFixedValues(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            var sampler = Sampler(seed: 0, laneCount: 2)
            let first = sampler.next1D().values
            let second = sampler.next1D().values
            #expect(first == [0.4968597888946533, 0.5905673503875732])
            #expect(second == [0.8302396535873413, 0.5824939012527466])

            var other = Sampler(seed: 42, laneCount: 1000)
            let bits = other.rng.nextUInt32().values
            #expect(bits[999] == 0x782f_9c7f)
            #expect(other.rng.nextUInt32().values[999] == 0x062f_7a3a)
        }
        var reference = referenceSampler(seed: 1, lane: 0)
        #expect(reference.nextUInt32() == 0x04c6_6f8c)
        #expect(reference.nextFloat() == 0.5851906538009644)
    }

    @Test("traced TEA + PCG32 agree bit for bit with the reference: 1000 lanes, 12 draws, several seeds",
          arguments: Variant.allCases)
    func agreesWithReference(variant: Variant) {
        let laneCount = 1000
        for seed: UInt32 in [0, 1, 2, 17, 0xdead_beef, 0xffff_ffff] {
            TraceContext.with(CompileOptions(variant: variant)) {
                var sampler = Sampler(seed: seed, laneCount: laneCount)
                var references = (0..<laneCount).map { referenceSampler(seed: seed, lane: UInt32($0)) }
                for draw in 0..<12 {
                    if draw % 3 == 0 {
                        let bits = sampler.rng.nextUInt32().values
                        let expected = references.indices.map { references[$0].nextUInt32() }
                        #expect(bits == expected, "seed \(seed) draw \(draw) (bits)")
                    } else {
                        let floats = sampler.next1D().values
                        let expected = references.indices.map { references[$0].nextFloat() }
                        #expect(floats.map(\.bitPattern) == expected.map(\.bitPattern), "seed \(seed) draw \(draw)")
                    }
                }
            }
        }
    }

    @Test("the rotation leaves x unchanged for r = 0 and matches Swift for every r", arguments: Variant.allCases)
    func rotation(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let x: UInt32 = 0x8000_0001
            let amounts = (0..<32).map(UInt32.init)
            let rotated = PCG32.rotateRight(UInt32Array(repeating: x), by: UInt32Array(amounts)).values
            let expected = amounts.map { (x >> $0) | (x << ((32 - $0) % 32)) }
            #expect(rotated == expected)
            #expect(rotated[0] == x)
        }
    }

    @Test("six draws for 10^4 lanes fuse into one kernel, and a new seed compiles nothing", arguments: Variant.allCases)
    func fusionAndSeedParameter(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let context = TraceContext.current
            func drawSix(seed: UInt32) -> [Float] {
                var sampler = Sampler(seed: seed, laneCount: 10_000)
                let a = sampler.next2D()
                let b = sampler.next1D()
                let c = sampler.next2D()
                let d = sampler.next1D()
                eval(a.x, a.y, b, c.x, c.y, d)
                return [a.x.values[9_999], d.values[9_999]]
            }
            let first = drawSix(seed: 3)
            let afterFirst = context.statistics
            #expect(afterFirst.kernelsLaunched == 1)
            #expect(afterFirst.kernelsCompiled <= 2)

            let second = drawSix(seed: 4)
            let afterSecond = context.statistics
            #expect(afterSecond.kernelsCompiled == afterFirst.kernelsCompiled)
            #expect(afterSecond.kernelsLaunched - afterFirst.kernelsLaunched <= 2)
            #expect(first != second)

            var reference = referenceSampler(seed: 4, lane: 9_999)
            let expected = (0..<6).map { _ in reference.nextFloat() }
            #expect(second == [expected[0], expected[5]])
        }
    }
}
