// Mitsuba's (Dr.Jit's) PCG32 random number generator on traced lanes, bit-exact, with 64-bit state in 32-bit halves.
import Tracer

/// One PCG32 stream per lane (O'Neill's XSH-RR generator, as Dr.Jit's `PCG32`).
///
/// The tracer has only 32-bit integers, so the 64-bit state and increment are each held as a high and a low
/// `UInt32Array`, and the 64-bit multiply-add is composed from 32-bit products (`mulhi` gives their high halves).
public struct PCG32 {
    /// High 32 bits of the state.
    public var stateHigh: UInt32Array
    /// Low 32 bits of the state.
    public var stateLow: UInt32Array
    /// High 32 bits of the stream increment (always odd as a 64-bit number).
    public var incrementHigh: UInt32Array
    /// Low 32 bits of the stream increment.
    public var incrementLow: UInt32Array

    /// The multiplier 0x5851f42d4c957f2d, split in halves.
    static let multiplierHigh: UInt32 = 0x5851_f42d
    static let multiplierLow: UInt32 = 0x4c95_7f2d

    /// Dr.Jit's `seed(initstate, initseq)` with 32-bit (zero-extended) arguments:
    /// state = 0; inc = (initseq << 1) | 1; step; state += initstate; step.
    public init(initState: UInt32Array, initSequence: UInt32Array) {
        stateHigh = UInt32Array(repeating: 0)
        stateLow = UInt32Array(repeating: 0)
        incrementHigh = initSequence >> 31
        incrementLow = (initSequence << 1) | 1
        step()
        let (high, low) = Self.add(stateHigh, stateLow, UInt32Array(repeating: 0), initState)
        stateHigh = high
        stateLow = low
        step()
    }

    /// The next 32 random bits per lane.
    public mutating func nextUInt32() -> UInt32Array {
        let oldHigh = stateHigh
        let oldLow = stateLow
        step()
        // xorshifted = UInt32(((old >> 18) ^ old) >> 27); rot = old >> 59.
        let shiftedLow = (oldLow >> 18) | (oldHigh << 14)
        let mixedLow = shiftedLow ^ oldLow
        let mixedHigh = (oldHigh >> 18) ^ oldHigh
        let xorshifted = (mixedLow >> 27) | (mixedHigh << 5)
        let rotation = oldHigh >> 27
        return Self.rotateRight(xorshifted, by: rotation)
    }

    /// The next float per lane, uniform in [0, 1): 23 random mantissa bits under the exponent of 1, minus 1.
    public mutating func nextFloat() -> FloatArray {
        let bits = (nextUInt32() >> 9) | 0x3f80_0000
        return FloatArray(bitPattern: bits) - 1
    }

    /// Every per-lane array of the generator: the state and the increment. Evaluating the increment once keeps the
    /// seeding hash out of every later kernel that draws.
    public var arrays: [UInt32Array] { [stateHigh, stateLow, incrementHigh, incrementLow] }

    /// state = state · multiplier + increment (mod 2⁶⁴).
    mutating func step() {
        let productLow = stateLow * Self.multiplierLow
        let carryFromLow = mulhi(stateLow, UInt32Array(repeating: Self.multiplierLow))
        let crossLow = stateLow * Self.multiplierHigh
        let crossHigh = stateHigh * Self.multiplierLow
        let productHigh = carryFromLow + crossLow + crossHigh
        let (high, low) = Self.add(productHigh, productLow, incrementHigh, incrementLow)
        stateHigh = high
        stateLow = low
    }

    /// 64-bit addition of (aHigh, aLow) and (bHigh, bLow), mod 2⁶⁴.
    static func add(_ aHigh: UInt32Array, _ aLow: UInt32Array, _ bHigh: UInt32Array, _ bLow: UInt32Array)
        -> (UInt32Array, UInt32Array) {
        let low = aLow + bLow
        let carry = UInt32Array(low .< aLow)
        let high = aHigh + bHigh + carry
        return (high, low)
    }

    /// Rotates right by a per-lane amount in 0...31. The tracer takes shift amounts mod 32, so for r = 0 the left
    /// shift is by 0 too and the result is x | x = x.
    static func rotateRight(_ x: UInt32Array, by r: UInt32Array) -> UInt32Array {
        let leftAmount = (UInt32(32) - r) & 31
        return (x >> r) | (x << leftAmount)
    }
}

extension PCG32: TraversableStruct {
    /// Visits the state and the increment, in the order of `arrays`.
    public mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        stateHigh.traverse(&visitor)
        stateLow.traverse(&visitor)
        incrementHigh.traverse(&visitor)
        incrementLow.traverse(&visitor)
    }
}
