// Mitsuba's reconstruction filters (`gaussian`, `box`): how far a film sample spreads and with what weight.
import Foundation
import Tracer

/// The weight with which a sample at continuous film position `pos` counts for a pixel whose centre is
/// `x = centre − pos` away, per axis (Mitsuba's `rfilter`; SCENE-SPEC §2).
public enum ReconstructionFilter: Hashable, Sendable {
    /// `gaussian`: f(x) = exp(−x²/(2σ²)) − exp(−r²/(2σ²)) for |x| < r = 4σ, else 0.
    case gaussian(standardDeviation: Float)
    /// `box`: the film ignores the position and averages the samples drawn for each pixel.
    case box

    /// Mitsuba's default filter: a gaussian with σ = 0.5 (radius 2 pixels).
    public static let standard = ReconstructionFilter.gaussian(standardDeviation: 0.5)

    /// The Mitsuba plugin name: "gaussian" or "box".
    public var pluginName: String {
        switch self {
        case .gaussian: "gaussian"
        case .box: "box"
        }
    }

    /// The filter radius in pixels: 4σ for the gaussian, 0.5 for the box.
    public var radius: Float {
        switch self {
        case .gaussian(let sigma): 4 * sigma
        case .box: 0.5
        }
    }

    /// The gaussian's exponent factor α = −1/(2σ²) and offset exp(α r²), both in float32 as Mitsuba computes them.
    private var gaussianConstants: (alpha: Float, bias: Float) {
        guard case .gaussian(let sigma) = self else { return (0, 0) }
        let alpha = -1 / (2 * sigma * sigma)
        let r = 4 * sigma
        return (alpha, Foundation.exp(alpha * r * r))
    }

    /// f(x) on the host (the reference for the traced version).
    public func weight(_ x: Float) -> Float {
        guard Swift.abs(x) < radius else { return 0 }
        switch self {
        case .gaussian:
            let (alpha, bias) = gaussianConstants
            return Swift.max(0, Foundation.exp(alpha * x * x) - bias)
        case .box:
            return 1
        }
    }

    /// f(x) per lane.
    public func weight(_ x: FloatArray) -> FloatArray {
        let inside = abs(x) .< radius
        switch self {
        case .gaussian:
            let (alpha, bias) = gaussianConstants
            let squared = x * x
            let shifted = exp(squared * alpha) - bias
            let clamped = Tracer.max(shifted, FloatArray(repeating: 0))
            return Tracer.select(inside, clamped, FloatArray(repeating: 0))
        case .box:
            return Tracer.select(inside, FloatArray(repeating: 1), FloatArray(repeating: 0))
        }
    }

    /// For the gaussian: per sample at u = 0.5 − (its position within its pixel) along one axis, the two factors
    /// (exp(αu²), exp(2αu)) from which `weight(factors:offset:)` forms f(d + u) for every offset d, since
    /// exp(α(d+u)²) = exp(αu²) · exp(2αu)^d · exp(αd²). Why: a film splat needs f for 5 offsets per axis of every
    /// sample it gathers; two exponentials per sample instead of one per offset made the film's kernel several times
    /// cheaper. The weights differ from `weight(_:)`'s by a few roundings, the same for every render that uses them.
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

    /// How many pixels beyond its own a sample inside pixel k (position in [k, k+1]) can reach on each side:
    /// pixel k + d is reached when |d + 0.5 − f| < r for some f in [0, 1], i.e. |d| < r + 0.5.
    var reach: Int {
        Swift.max(0, Int((radius + 0.5).rounded(.up)) - 1)
    }
}
