// The error function and its inverse on traced arrays (Beckmann visible-normal sampling needs both).
import Tracer

/// erf(x) in single precision: 1 − erfc(|x|) with the sign of x, erfc from the Chebyshev fit of Numerical Recipes
/// ("erfcc", fractional error below 1.2e-7 everywhere). erf(±∞) = ±1.
public func erf(_ x: FloatArray) -> FloatArray {
    let z = abs(x)
    let t = 1 / (1 + 0.5 * z)
    let coefficients: [Float] = [0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806,
                                 0.09678418, 0.37409196, 1.00002368, -1.26551223]
    let polynomial = horner(coefficients, at: t)
    let complement = t * exp(fma(-z, z, polynomial))
    return copysign(1 - complement, x)
}

/// erf⁻¹(x) for x in (−1, 1), with Giles' single-precision approximation ("Approximating the erfinv function",
/// GPU Computing Gems, 2011): a polynomial in w − 2.5 for w = −log(1 − x²) < 5, in √w − 3 beyond. This is the
/// approximation Dr.Jit evaluates, so Mitsuba's Beckmann slopes come out the same.
public func erfinv(_ x: FloatArray) -> FloatArray {
    let w = -log((1 - x) * (1 + x))
    let central: [Float] = [2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                            -0.00125372503, -0.00417768164, 0.246640727, 1.50140941]
    let tail: [Float] = [-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                         -0.0076224613, 0.00943887047, 1.00167406, 2.83297682]
    let nearZero = horner(central, at: w - 2.5)
    let nearOne = horner(tail, at: sqrt(w) - 3)
    return select(w .< 5, nearZero, nearOne) * x
}

/// Σ cᵢ tⁿ⁻ⁱ, highest power first.
private func horner(_ coefficients: [Float], at t: FloatArray) -> FloatArray {
    var result = FloatArray.constant(coefficients[0])
    for c in coefficients.dropFirst() {
        result = fma(result, t, .constant(c))
    }
    return result
}
