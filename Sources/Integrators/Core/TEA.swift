// The Tiny Encryption Algorithm on traced 32-bit lanes: Mitsuba's `sample_tea_32`, used to seed PCG32 streams.
import Tracer

/// Mitsuba's `sample_tea_32(v0, v1, rounds)`: scrambles a pair of 32-bit words per lane (all arithmetic mod 2³²).
public func tea(v0 initialV0: UInt32Array, v1 initialV1: UInt32Array, rounds: Int = 4)
    -> (v0: UInt32Array, v1: UInt32Array) {
    var v0 = initialV0
    var v1 = initialV1
    var sum: UInt32 = 0
    for _ in 0..<rounds {
        // The sum is the same for every lane, so it stays a host constant folded into the kernel.
        sum &+= 0x9e37_79b9
        let a0 = (v1 << 4) + 0xa341_316c
        let b0 = v1 + sum
        let c0 = (v1 >> 5) + 0xc801_3ea4
        v0 += a0 ^ b0 ^ c0
        let a1 = (v0 << 4) + 0xad90_777d
        let b1 = v0 + sum
        let c1 = (v0 >> 5) + 0x7e95_761e
        v1 += a1 ^ b1 ^ c1
    }
    return (v0, v1)
}
