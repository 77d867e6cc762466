// Each filter's f(x), on the host and per lane, in float32 with Mitsuba's operations (its JIT variants' `eval`).
import Foundation
import Tracer

extension ReconstructionFilter {
    /// f(x) on the host (the reference for the traced version).
    public func weight(_ x: Float) -> Float {
        switch self {
        case .gaussian:
            return Swift.abs(x) < radius ? gaussianWeight(x) : 0
        case .box:
            return Swift.abs(x) < radius ? 1 : 0
        case .tent(let radius):
            return Swift.max(0, 1 - Swift.abs(x * (1 / radius)))
        case .mitchell(let b, let c):
            return Self.cubicWeight(Swift.abs(x), Self.cubicCoefficients(b: b, c: c), fused: true)
        case .catmullRom:
            return Self.cubicWeight(Swift.abs(x), Self.cubicCoefficients(b: 0, c: 0.5), fused: false)
        case .lanczos(let lobes):
            let x = Swift.abs(x), r = Float(lobes)
            if x < Self.lanczosEpsilon { return 1 }
            if x > r { return 0 }
            let x1 = Float.pi * x, x2 = x1 / r
            return (Foundation.sin(x1) * Foundation.sin(x2)) / (x1 * x2)
        }
    }

    /// f(x) per lane.
    public func weight(_ x: FloatArray) -> FloatArray {
        let zero = FloatArray(repeating: 0)
        switch self {
        case .gaussian:
            return Tracer.select(abs(x) .< radius, gaussianWeight(x), zero)
        case .box:
            return Tracer.select(abs(x) .< radius, FloatArray(repeating: 1), zero)
        case .tent(let radius):
            return Tracer.max(zero, 1 - abs(x * (1 / radius)))
        case .mitchell(let b, let c):
            return Self.cubicWeight(abs(x), Self.cubicCoefficients(b: b, c: c), fused: true)
        case .catmullRom:
            return Self.cubicWeight(abs(x), Self.cubicCoefficients(b: 0, c: 0.5), fused: false)
        case .lanczos(let lobes):
            let x = abs(x), r = Float(lobes)
            let x1 = x * Float.pi, x2 = x1 / r
            let value = (sin(x1) * sin(x2)) / (x1 * x2)
            // At x = 0 the quotient is 0/0; Mitsuba takes 1 below its machine epsilon.
            return Tracer.select(x .< Self.lanczosEpsilon, FloatArray(repeating: 1),
                                 Tracer.select(x .> r, zero, value))
        }
    }

    /// Dr.Jit's `Epsilon<float>` (2⁻²⁴), below which Mitsuba's lanczos returns 1.
    static let lanczosEpsilon: Float = 0x1p-24

    /// The Mitchell–Netravali polynomial's coefficients, 6 times too large as Mitsuba forms them in float32:
    /// (a3, a2, a0) for |x| < 1 and (b3, b2, b1, b0) for 1 ≤ |x| < 2.
    static func cubicCoefficients(b: Float, c: Float) -> [Float] {
        [12 - 9 * b - 6 * c, -18 + 12 * b + 6 * c, 6 - 2 * b,
         -b - 6 * c, 6 * b + 30 * c, -12 * b - 48 * c, 8 * b + 24 * c]
    }

    /// Mitchell–Netravali at |x| = `x` on the host: (1/6)·(a3 x³ + a2 x² + a0) below 1, (1/6)·(b3 x³ + b2 x² + b1 x + b0)
    /// below 2, 0 beyond; with fused multiply-adds for `mitchell` and separate products and sums for `catmullrom`,
    /// as Mitsuba writes them.
    private static func cubicWeight(_ x: Float, _ k: [Float], fused: Bool) -> Float {
        guard x < 2 else { return 0 }
        let x2 = x * x, x3 = x2 * x
        let polynomial: Float
        if fused {
            polynomial = x < 1 ? k[2].addingProduct(k[1], x2).addingProduct(k[0], x3)
                               : k[6].addingProduct(k[5], x).addingProduct(k[4], x2).addingProduct(k[3], x3)
        } else {
            polynomial = x < 1 ? k[0] * x3 + k[1] * x2 + k[2] : k[3] * x3 + k[4] * x2 + k[5] * x + k[6]
        }
        return (1 / 6 as Float) * polynomial
    }

    /// Mitchell–Netravali per lane at |x| = `x`, as `cubicWeight(_:_:fused:)` on the host.
    private static func cubicWeight(_ x: FloatArray, _ k: [Float], fused: Bool) -> FloatArray {
        let x2 = x * x, x3 = x2 * x
        let c = k.map { FloatArray(repeating: $0) }
        let near: FloatArray, far: FloatArray
        if fused {
            near = fma(c[0], x3, fma(c[1], x2, c[2]))
            far = fma(c[3], x3, fma(c[4], x2, fma(c[5], x, c[6])))
        } else {
            near = x3 * k[0] + x2 * k[1] + k[2]
            far = x3 * k[3] + x2 * k[4] + x * k[5] + k[6]
        }
        let polynomial = Tracer.select(x .< 1, near, far) * (1 / 6 as Float)
        return Tracer.select(x .< 2, polynomial, FloatArray(repeating: 0))
    }
}
