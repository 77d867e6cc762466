// The gaussian filter's weights, and the factored form the film uses to weigh a sample at every pixel offset.
import Foundation
import Tracer

extension ReconstructionFilter {
    /// The gaussian's exponent factor α = −1/(2σ²) and offset exp(α r²), both in float32 as Mitsuba computes them.
    private var gaussianConstants: (alpha: Float, bias: Float) {
        guard case .gaussian(let sigma) = self else { return (0, 0) }
        let alpha = -1 / (2 * sigma * sigma)
        let r = 4 * sigma
        return (alpha, Foundation.exp(alpha * r * r))
    }

    /// The gaussian's f(x) on the host, with |x| < r tested by the caller.
    func gaussianWeight(_ x: Float) -> Float {
        let (alpha, bias) = gaussianConstants
        return Swift.max(0, Foundation.exp(alpha * x * x) - bias)
    }

    /// The gaussian's f(x) per lane, with |x| < r tested by the caller.
    func gaussianWeight(_ x: FloatArray) -> FloatArray {
        let (alpha, bias) = gaussianConstants
        let shifted = exp(x * x * alpha) - bias
        return Tracer.max(shifted, FloatArray(repeating: 0))
    }

    /// For the gaussian: per sample at u = 0.5 − (its position within its pixel) along one axis, the two factors
    /// (exp(αu²), exp(2αu)) from which `weight(factors:offset:)` forms f(d + u) for every offset d, since
    /// exp(α(d+u)²) = exp(αu²) · exp(2αu)^d · exp(αd²). Why: a film splat needs f for 5 offsets per axis of every
    /// sample it gathers; two exponentials per sample instead of one per offset made the film's kernel several times
    /// cheaper. The weights differ from `gaussianWeight(_:)`'s by a few roundings, the same for every render that uses them.
    func gaussianFactors(_ u: FloatArray) -> (square: FloatArray, ratio: FloatArray) {
        let (alpha, _) = gaussianConstants
        return (exp(u * u * alpha), exp(u * (2 * alpha)))
    }

    /// f(d + u) from `gaussianFactors(u)` (gaussian only): max(0, exp(αu²)·exp(2αu)^d·exp(αd²) − exp(αr²)). Past
    /// the radius the difference is negative, so the clamp is the radius test (the offsets a film uses reach at
    /// most r + 0.5).
    func weight(factors: (square: FloatArray, ratio: FloatArray), offset d: Int) -> FloatArray {
        let (alpha, bias) = gaussianConstants
        let constant = Foundation.exp(alpha * Float(d * d))
        var power = factors.square
        switch d {
        case 0: break
        case 1...: for _ in 0..<d { power = power * factors.ratio }
        default: for _ in 0..<(-d) { power = power / factors.ratio }
        }
        return Tracer.max((d == 0 ? power : power * constant) - bias, FloatArray(repeating: 0))
    }
}
