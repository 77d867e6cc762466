// exp, log, sin, cos, tan, atan2 and pow written once as sequences of primitive IEEE steps that both backends run.

/// The primitive operations the transcendental functions are written in.
///
/// Every step has exactly one IEEE result (`fma` rounds once; nothing is contracted or reassociated), so the scalar
/// backend, which runs the steps on one `Float`, and the LLVM backend, which emits each step as one vector
/// instruction, produce the same bits. `Real` is a float lane, `Wide` a double lane (pow's intermediate results),
/// `Integer` an int32 lane and `Mask` a bool lane; integer arithmetic wraps.
protocol TranscendentalSteps {
    associatedtype Real
    associatedtype Wide
    associatedtype Integer
    associatedtype Mask

    func real(_ value: Float) -> Real
    func wide(_ value: Double) -> Wide
    func integer(_ value: Int32) -> Integer

    func add(_ a: Real, _ b: Real) -> Real
    func sub(_ a: Real, _ b: Real) -> Real
    func mul(_ a: Real, _ b: Real) -> Real
    func div(_ a: Real, _ b: Real) -> Real
    /// a * b + c, rounded once.
    func fma(_ a: Real, _ b: Real, _ c: Real) -> Real
    func negate(_ a: Real) -> Real
    func abs(_ a: Real) -> Real
    func roundEven(_ a: Real) -> Real
    func truncate(_ a: Real) -> Real
    /// Ordered comparisons (false with a NaN).
    func less(_ a: Real, _ b: Real) -> Mask
    func lessEqual(_ a: Real, _ b: Real) -> Mask
    func equal(_ a: Real, _ b: Real) -> Mask
    func isNaN(_ a: Real) -> Mask
    func select(_ mask: Mask, _ a: Real, _ b: Real) -> Real

    func bits(_ a: Real) -> Integer
    func real(bits: Integer) -> Real
    /// The integer value of `a`, which must be integral and within Int32.
    func integer(_ a: Real) -> Integer
    func real(_ a: Integer) -> Real

    func add(_ a: Integer, _ b: Integer) -> Integer
    func sub(_ a: Integer, _ b: Integer) -> Integer
    func and(_ a: Integer, _ b: Integer) -> Integer
    func or(_ a: Integer, _ b: Integer) -> Integer
    func xor(_ a: Integer, _ b: Integer) -> Integer
    func shiftLeft(_ a: Integer, _ count: Int32) -> Integer
    /// Arithmetic (sign-filling) shift.
    func shiftRight(_ a: Integer, _ count: Int32) -> Integer
    func equal(_ a: Integer, _ b: Integer) -> Mask
    /// Signed.
    func less(_ a: Integer, _ b: Integer) -> Mask
    func select(_ mask: Mask, _ a: Integer, _ b: Integer) -> Integer

    func and(_ a: Mask, _ b: Mask) -> Mask
    func or(_ a: Mask, _ b: Mask) -> Mask
    func xor(_ a: Mask, _ b: Mask) -> Mask
    func not(_ a: Mask) -> Mask

    /// Float to double (exact) and double to float (rounded once, to nearest even).
    func widen(_ a: Real) -> Wide
    func narrow(_ a: Wide) -> Real
    func add(_ a: Wide, _ b: Wide) -> Wide
    func sub(_ a: Wide, _ b: Wide) -> Wide
    func mul(_ a: Wide, _ b: Wide) -> Wide
    func div(_ a: Wide, _ b: Wide) -> Wide
    func fma(_ a: Wide, _ b: Wide, _ c: Wide) -> Wide
    func roundEven(_ a: Wide) -> Wide
    func less(_ a: Wide, _ b: Wide) -> Mask
    func isNaN(_ a: Wide) -> Mask
    func select(_ mask: Mask, _ a: Wide, _ b: Wide) -> Wide
    /// The integer value of `a`, which must be integral and within Int32.
    func integer(_ a: Wide) -> Integer

    /// `compute(input)` on the lanes of `mask`, `otherwise` elsewhere, for work that only rare lanes need (the
    /// argument reduction of huge sin, cos and tan arguments). A vector implementation runs `compute` for the
    /// vectors that have such a lane and skips it for the others; `compute` must read its lanes through `input`.
    func rarely(_ mask: Mask, input: Real, _ compute: (Real) -> (Integer, Real, Real),
                otherwise: (Integer, Real, Real)) -> (Integer, Real, Real)
}

extension TranscendentalSteps {
    /// c[0] + z * (c[1] + z * (c[2] + ...)), one fma per coefficient.
    @inline(__always)
    func polynomial(_ z: Real, _ coefficients: [Float]) -> Real {
        var result = real(coefficients[coefficients.count - 1])
        for coefficient in coefficients.dropLast().reversed() { result = fma(result, z, real(coefficient)) }
        return result
    }

    @inline(__always)
    func polynomial(_ z: Wide, _ coefficients: [Double]) -> Wide {
        var result = wide(coefficients[coefficients.count - 1])
        for coefficient in coefficients.dropLast().reversed() { result = fma(result, z, wide(coefficient)) }
        return result
    }

    /// a > b, ordered.
    func greater(_ a: Real, _ b: Real) -> Mask { less(b, a) }

    /// The sign bit of `a` (set for -0 and negative NaNs too).
    func signBit(_ a: Real) -> Integer { and(bits(a), integer(Int32.min)) }

    /// `a` with `sign` (0 or the sign bit) xored into its sign.
    func flipSign(_ a: Real, _ sign: Integer) -> Real { real(bits: xor(bits(a), sign)) }

    /// 2^n for n in [-126, 127].
    func powerOfTwo(_ n: Integer) -> Real { real(bits: shiftLeft(add(n, integer(127)), 23)) }

    /// |a| < infinity: false for infinities and NaNs.
    func isFinite(_ a: Real) -> Mask { less(abs(a), real(.infinity)) }
}

/// The transcendental functions as step sequences, for `ScalarSemantics` and the LLVM code generator.
///
/// Measured accuracy (glibc 2.36, x86-64): the largest difference from glibc's float function, in ulp of glibc's
/// result, and in parentheses the largest error against the exact value (glibc's double function), over every
/// float argument for the unary functions, 10^8 random bit patterns for atan2 and 9·10^7 random pairs for pow:
///
///     exp 1 (0.79)    log 1 (0.83)    sin 1 (0.89)    cos 1 (0.86)    tan 1 (1.23)
///     atan2 2 (0.84)  pow 1 (0.50)
///
/// atan2 differs by 2 only where glibc's atan2f is itself 1.5 ulp off (2 arguments on the line y = 1); random pairs
/// differ by at most 1. sin, cos and tan are measured over |x| ≤ 2^17; above, they are the C library's. NaN, ±0
/// and ±∞ arguments give C99's results (a NaN argument's NaN, quieted; pow(NaN, 0) = pow(1, NaN) = 1).
enum Transcendentals {
    // MARK: - exp

    /// e^x: n = round(x·log2 e), r = x − n·ln 2 in two parts (|r| ≤ ln 2 / 2), e^r = 1 + r + r²·P(r) with
    /// Cephes expf's degree-5 P, and the scaling by 2^n in two halves, each a normal power of two. Arguments are
    /// clamped to [−104, 89], beyond which the result is 0 or infinity anyway.
    static func exp<S: TranscendentalSteps>(_ s: S, _ x: S.Real) -> S.Real {
        let nan = s.isNaN(x)
        var v = s.select(nan, s.real(0), x)
        v = s.select(s.greater(v, s.real(89)), s.real(89), v)
        v = s.select(s.less(v, s.real(-104)), s.real(-104), v)
        let n = s.roundEven(s.mul(v, s.real(1.442_695_021_6)))
        var r = s.fma(n, s.real(-0.693_147_182_464_599_6), v)
        r = s.fma(n, s.real(1.904_654_212_125_933_6e-9), r)
        let p = s.polynomial(r, [0.500_000_012_01, 0.166_666_654_59, 4.166_579_589_4e-2, 8.333_451_907_3e-3,
                                 1.398_199_950_7e-3, 1.987_569_150_0e-4])
        // 1 + r rounded plus its exact rounding error, so that only the last addition rounds at full weight.
        let head = s.add(s.real(1), r)
        let headError = s.add(s.sub(s.real(1), head), r)
        let e = s.add(head, s.fma(s.mul(r, r), p, headError))
        let k = s.integer(n)
        let half = s.shiftRight(k, 1)
        let y = s.mul(s.mul(e, s.powerOfTwo(half)), s.powerOfTwo(s.sub(k, half)))
        return s.select(nan, s.add(x, x), y)
    }

    // MARK: - log

    /// The natural logarithm: x = 2^k · m with m in [√½, √2) from the bits (subnormals scaled by 2^23 first),
    /// f = m − 1 (exact) and log(1 + f) = f − f²/2 + f³·P(f) with Cephes logf's degree-8 P, and k·ln 2 in two
    /// parts. No division: FreeBSD's form (s = f / (2 + f), a series in s²) was as accurate and one division
    /// slower, and Beckmann's visible-normal sampling takes six logarithms (in erf⁻¹). Checked over every
    /// positive normal float: within 1 ulp of glibc's logf, at most 0.83 ulp from the exact value.
    static func log<S: TranscendentalSteps>(_ s: S, _ x: S.Real) -> S.Real {
        let tiny = s.less(x, s.real(Float.leastNormalMagnitude))
        let scaled = s.select(tiny, s.mul(x, s.real(8_388_608)), x)
        var bits = s.add(s.bits(scaled), s.integer(0x3f80_0000 - 0x3f35_04f3))
        let k = s.sub(s.shiftRight(bits, 23), s.select(tiny, s.integer(127 + 23), s.integer(127)))
        bits = s.add(s.and(bits, s.integer(0x007f_ffff)), s.integer(0x3f35_04f3))
        let f = s.sub(s.real(bits: bits), s.real(1))
        let z = s.mul(f, f)
        let p = s.polynomial(f, [0.333_333_311_74, -0.249_999_939_93, 0.200_007_147_65, -0.166_680_576_65,
                                 0.142_493_227_87, -0.124_201_408_46, 0.116_769_987_40, -0.115_146_103_10,
                                 0.070_376_836_292])
        let dk = s.real(k)
        var y = s.mul(s.mul(p, f), z)
        y = s.fma(dk, s.real(-2.121_944_40e-4), y)
        y = s.fma(s.real(-0.5), z, y)
        y = s.add(f, y)
        y = s.fma(dk, s.real(0.693_359_375), y)
        y = s.select(s.equal(x, s.real(.infinity)), x, y)
        y = s.select(s.equal(x, s.real(0)), s.real(-.infinity), y)
        y = s.select(s.less(x, s.real(0)), s.real(.nan), y)
        return s.select(s.isNaN(x), s.add(x, x), y)
    }

    // MARK: - sin, cos, tan

    /// Above this magnitude sin, cos and tan reduce their argument with the long form of 2/π (`reduceHuge`): the
    /// three-part reduction below loses accuracy.
    static let trigonometricBound: Float = 0x1p17

    /// 2/π in 24-bit pieces: piece k is `twoOverPiPieces[k]` · 2^(−24(k+1)) (216 bits; a float argument is below
    /// 2^128, so the pieces past 2^-216 move x·2/π by less than 2^-88).
    static let twoOverPiPieces: [Double] = [
        0xa2f983, 0x6e4e44, 0x1529fc, 0x2757d1, 0xf534dd, 0xc0db62, 0x95993c, 0x439041, 0xfe5163,
    ]

    /// |x| = q·π/2 + r for |x| ≤ `trigonometricBound` (q = 0 and r = 0 elsewhere), with r = hi + lo exact to
    /// about 2^-48 relative: π/2 in three parts; the first product is subtracted exactly (one fma), the second is
    /// split exactly (product and fma residual) and added with an exact two-sum, the third only enters lo.
    /// Larger finite arguments are reduced by `reduceHuge`; infinities and NaNs get q = 0, r = 0.
    private static func reduce<S: TranscendentalSteps>(_ s: S, _ x: S.Real) -> (quadrant: S.Integer, hi: S.Real, lo: S.Real) {
        let magnitude = s.abs(x)
        let inRange = s.lessEqual(magnitude, s.real(trigonometricBound))
        let a = s.select(inRange, magnitude, s.real(0))
        let q = s.roundEven(s.mul(a, s.real(0.636_619_746_685_028_1)))
        let first = s.fma(q, s.real(-1.570_796_370_506_286_6), a)
        let second = s.mul(q, s.real(4.371_138_828_673_793e-8))
        let secondError = s.fma(q, s.real(4.371_138_828_673_793e-8), s.negate(second))
        let hi = s.add(first, second)
        let secondPart = s.sub(hi, first)
        let sumError = s.add(s.sub(first, s.sub(hi, secondPart)), s.sub(second, secondPart))
        let lo = s.add(sumError, s.fma(q, s.real(1.715_124_510_005_881_9e-15), secondError))
        let small = (s.integer(q), hi, lo)
        let huge = s.and(s.not(inRange), s.isFinite(x))
        let large = s.rarely(huge, input: magnitude, { reduceHuge(s, $0) }, otherwise: small)
        return (s.select(huge, large.0, small.0), s.select(huge, large.1, small.1), s.select(huge, large.2, small.2))
    }

    /// |x| = q·π/2 + r for a finite |x| > 2^17 (Payne–Hanek): |x| is a float, so each product of |x| with a 24-bit
    /// piece of 2/π is exact in double, and so is its remainder modulo 4 (the pieces whose products are
    /// multiples of 4 give 0). The remainders are summed with exact two-sums into S + E; q is S rounded, and
    /// r = (S − q + E)·π/2 with π/2 in two doubles, which leaves r accurate to about 2^-100 of a quadrant, ample
    /// where x is close to a multiple of π/2.
    private static func reduceHuge<S: TranscendentalSteps>(_ s: S, _ magnitude: S.Real) -> (S.Integer, S.Real, S.Real) {
        let a = s.widen(magnitude)
        var sum = s.wide(0), error = s.wide(0)
        for (k, piece) in twoOverPiPieces.enumerated() {
            let product = s.mul(a, s.wide(piece * pow2(-24 * (k + 1))))
            let remainder = s.fma(s.wide(-4), s.roundEven(s.mul(product, s.wide(0.25))), product)
            let (total, rounding) = twoSum(s, sum, remainder)
            sum = total
            error = s.add(error, rounding)
        }
        let q = s.roundEven(sum)
        let (fraction, fractionError) = twoSum(s, s.sub(sum, q), error)
        let halfPi = 1.570_796_326_794_896_6, halfPiLow = 6.123_233_995_736_766e-17
        let product = s.mul(fraction, s.wide(halfPi))
        let productError = s.fma(fraction, s.wide(halfPi), s.mul(product, s.wide(-1)))
        let tail = s.add(productError, s.fma(fraction, s.wide(halfPiLow), s.mul(fractionError, s.wide(halfPi))))
        let r = s.add(product, tail)
        let hi = s.narrow(r)
        return (s.integer(q), hi, s.narrow(s.sub(r, s.widen(hi))))
    }

    /// a + b = total + rounding exactly (Knuth's two-sum).
    private static func twoSum<S: TranscendentalSteps>(_ s: S, _ a: S.Wide, _ b: S.Wide) -> (S.Wide, S.Wide) {
        let total = s.add(a, b)
        let bPart = s.sub(total, a)
        return (total, s.add(s.sub(a, s.sub(total, bPart)), s.sub(b, bPart)))
    }

    /// 2^n as a double, for the exponents of the pieces of 2/π.
    private static func pow2(_ n: Int) -> Double { Double(sign: .plus, exponent: n, significand: 1) }

    /// sin r and cos r for r = hi + lo, |r| ≤ π/4 (a little beyond still accurate): lo enters to first order.
    /// The polynomials here and in tan and atan2 are our own minimax fits of the relative error (to |r| ≤ 0.8, and
    /// |t| ≤ 1/2 for atan).
    /// cos r = 1 − r²/2 + r⁴·P(r²) is summed as w = 1 − r²/2 rounded plus the exact error of that rounding and
    /// of r², so that only the final addition rounds at full weight.
    private static func sinCos<S: TranscendentalSteps>(_ s: S, _ hi: S.Real, _ lo: S.Real)
        -> (sin: S.Real, cos: S.Real) {
        let z = s.mul(hi, hi)
        let sinP = s.polynomial(z, [-0.166_666_537_523_269_65, 0.008_332_070_894_539_356,
                                    -0.000_195_030_646_864_324_8])
        let sin = s.add(hi, s.fma(s.mul(hi, z), sinP, lo))
        let cosP = s.polynomial(z, [0.041_666_641_831_398_01, -0.001_388_719_421_811_401_8,
                                    2.441_918_877_593_707_3e-5])
        let squareError = s.fma(hi, hi, s.negate(z))
        let halfSquare = s.mul(s.real(0.5), z)
        let w = s.sub(s.real(1), halfSquare)
        var tail = s.sub(s.sub(s.real(1), w), halfSquare)
        tail = s.fma(s.real(-0.5), squareError, tail)
        tail = s.fma(s.negate(lo), hi, tail)
        tail = s.fma(s.mul(z, z), cosP, tail)
        return (sin, s.add(w, tail))
    }

    /// NaN for infinities and NaNs (x − x keeps a NaN's payload), `y` elsewhere.
    private static func finiteOnly<S: TranscendentalSteps>(_ s: S, _ x: S.Real, _ y: S.Real) -> S.Real {
        s.select(s.isFinite(x), y, s.sub(x, x))
    }

    /// The sine: sin|x| from the quadrant (±sin r or ±cos r), with the sign of x.
    static func sin<S: TranscendentalSteps>(_ s: S, _ x: S.Real) -> S.Real {
        let (q, hi, lo) = reduce(s, x)
        let (sinR, cosR) = sinCos(s, hi, lo)
        let odd = s.equal(s.and(q, s.integer(1)), s.integer(1))
        let sign = s.xor(s.shiftLeft(s.and(q, s.integer(2)), 30), s.signBit(x))
        let y = s.flipSign(s.select(odd, cosR, sinR), sign)
        return finiteOnly(s, x, y)
    }

    /// The cosine: cos|x| from the quadrant.
    static func cos<S: TranscendentalSteps>(_ s: S, _ x: S.Real) -> S.Real {
        let (q, hi, lo) = reduce(s, x)
        let (sinR, cosR) = sinCos(s, hi, lo)
        let odd = s.equal(s.and(q, s.integer(1)), s.integer(1))
        let sign = s.shiftLeft(s.and(s.add(q, s.integer(1)), s.integer(2)), 30)
        let y = s.flipSign(s.select(odd, sinR, cosR), sign)
        return finiteOnly(s, x, y)
    }

    /// The tangent: tan r, or −1 / tan r in odd quadrants, with the sign of x.
    static func tan<S: TranscendentalSteps>(_ s: S, _ x: S.Real) -> S.Real {
        let (q, hi, lo) = reduce(s, x)
        let z = s.mul(hi, hi)
        let p = s.polynomial(z, [0.333_333_551_883_697_5, 0.133_324_578_404_426_57, 0.054_083_608_090_877_53,
                                 0.021_158_071_234_822_273, 0.011_161_553_673_446_178, -0.000_327_802_117_681_130_77,
                                 0.004_583_998_583_257_198])
        let u = s.fma(s.mul(hi, z), p, s.fma(lo, z, lo))
        let t = s.add(hi, u)
        let tLow = s.sub(u, s.sub(t, hi))
        // −1 / (t + tLow) = y0 + y0·(ρ + tLow·y0) with y0 = −1/t rounded and ρ = 1 + y0·t exactly.
        let y0 = s.div(s.real(-1), t)
        let residual = s.fma(y0, t, s.real(1))
        let cotangent = s.fma(y0, s.fma(tLow, y0, residual), y0)
        let odd = s.equal(s.and(q, s.integer(1)), s.integer(1))
        let y = s.flipSign(s.select(odd, cotangent, t), s.signBit(x))
        return finiteOnly(s, x, y)
    }

    // MARK: - atan2

    /// The angle of (x, y) in [−π, π]. With a = |x| and b = |y|: t = b/a when b ≤ a/2, a/b when b ≥ 2a,
    /// (b − a)/(b + a) between (b − a exact there), so |t| ≤ 1/2 and atan t is an odd polynomial; the rounding
    /// errors of b + a and of the division are recovered exactly (two-sum, fma residual) and enter to first
    /// order. The angle is B ± atan t with B in {0, π/4, π/2, 3π/4, π} in two parts, added last. Signed zeros and
    /// infinities follow C99 (atan2(±0, −0) = ±π, atan2(±∞, −∞) = ±3π/4, ...); a NaN operand gives a NaN.
    static func atan2<S: TranscendentalSteps>(_ s: S, _ y: S.Real, _ x: S.Real) -> S.Real {
        var a = s.abs(x), b = s.abs(y)
        let infinity = s.real(.infinity)
        // Infinite operands become the finite pair with the same angle (1, 0), (0, 1) or (1, 1).
        let aInfinite = s.equal(a, infinity), bInfinite = s.equal(b, infinity)
        a = s.select(aInfinite, s.real(1), s.select(bInfinite, s.real(0), a))
        b = s.select(bInfinite, s.real(1), s.select(aInfinite, s.real(0), b))
        // Scaled so that b + a, 2a and 2b cannot overflow and the fma residual below does not underflow.
        let huge = s.or(s.greater(a, s.real(0x1p125)), s.greater(b, s.real(0x1p125)))
        let tiny = s.and(s.less(a, s.real(0x1p-24)), s.less(b, s.real(0x1p-24)))
        let scale = s.select(huge, s.real(0.25), s.select(tiny, s.real(0x1p64), s.real(1)))
        a = s.mul(a, scale)
        b = s.mul(b, scale)
        let low = s.lessEqual(s.mul(b, s.real(2)), a)
        let high = s.and(s.not(low), s.lessEqual(s.mul(a, s.real(2)), b))
        let sum = s.add(b, a)
        let larger = s.select(s.less(b, a), a, b), smaller = s.select(s.less(b, a), b, a)
        let sumError = s.sub(smaller, s.sub(sum, larger))
        let numerator = s.select(low, b, s.select(high, a, s.sub(b, a)))
        var denominator = s.select(low, a, s.select(high, b, sum))
        denominator = s.select(s.equal(denominator, s.real(0)), s.real(1), denominator)
        let denominatorError = s.select(s.or(low, high), s.real(0), sumError)
        let t = s.div(numerator, denominator)
        let residual = s.fma(s.negate(t), denominator, numerator)
        let correction = s.div(s.fma(s.negate(t), denominatorError, residual), denominator)
        let z = s.mul(t, t)
        let p = s.polynomial(z, [-0.333_333_283_662_796, 0.199_994_891_881_942_75, -0.142_720_773_816_108_7,
                                 0.109_409_756_958_484_65, -0.079_840_384_423_732_76, 0.038_722_928_613_424_3])
        let atanTail = s.fma(s.mul(t, z), p, s.fma(s.negate(z), correction, correction))
        let negative = s.less(s.bits(x), s.integer(0))
        // B: 0 or π (low), π/4 or 3π/4 (between), π/2 (high); atan t is subtracted for x < 0 xor high.
        let baseHigh = s.select(low, s.select(negative, s.real(3.141_592_741_012_573_2), s.real(0)),
                                s.select(high, s.real(1.570_796_370_506_286_6),
                                         s.select(negative, s.real(2.356_194_496_154_785),
                                                  s.real(0.785_398_185_253_143_3))))
        let baseLow = s.select(low, s.select(negative, s.real(-8.742_277_657_347_586e-8), s.real(0)),
                               s.select(high, s.real(-4.371_138_828_673_793e-8),
                                        s.select(negative, s.real(-5.962_440_319_251_527e-9),
                                                 s.real(-2.185_569_414_336_896_4e-8))))
        let subtract = s.xor(negative, high)
        let sign = s.select(subtract, s.integer(Int32.min), s.integer(0))
        let term = s.flipSign(t, sign)
        // baseHigh + term exactly as head + error (|baseHigh| ≥ |term| or baseHigh = 0), the rest added to it.
        let head = s.add(baseHigh, term)
        let headError = s.sub(term, s.sub(head, baseHigh))
        let angle = s.add(head, s.add(headError, s.add(baseLow, s.flipSign(atanTail, sign))))
        let signed = s.real(bits: s.or(s.bits(angle), s.signBit(y)))
        return s.select(s.isNaN(y), s.add(y, y), s.select(s.isNaN(x), s.add(x, x), signed))
    }

    // MARK: - pow

    /// x^y = e^(y·ln|x|) in double precision (ln from the bits and a series in ((m−1)/(m+1))², e^v by n·ln 2 + r
    /// and a Taylor polynomial), rounded once to float; then the C99 special cases: x^±0 = 1 and 1^y = 1 even for
    /// NaNs, a negative finite x with a non-integer finite y gives NaN, an odd integer y keeps the sign of x,
    /// (−1)^±∞ = 1, and 0, ∞ and the limits |x| < 1, |x| > 1 at y = ±∞ come out of ln|x| = ±∞.
    static func pow<S: TranscendentalSteps>(_ s: S, _ x: S.Real, _ y: S.Real) -> S.Real {
        let magnitude = s.abs(x)
        let infinity = s.real(.infinity)
        let usable = s.and(s.greater(magnitude, s.real(0)), s.less(magnitude, infinity))
        let a = s.select(usable, magnitude, s.real(1))
        let tiny = s.less(a, s.real(Float.leastNormalMagnitude))
        let scaled = s.select(tiny, s.mul(a, s.real(8_388_608)), a)
        var bits = s.add(s.bits(scaled), s.integer(0x3f80_0000 - 0x3f35_04f3))
        let k = s.sub(s.shiftRight(bits, 23), s.select(tiny, s.integer(127 + 23), s.integer(127)))
        bits = s.add(s.and(bits, s.integer(0x007f_ffff)), s.integer(0x3f35_04f3))
        let m = s.widen(s.real(bits: bits))
        let t = s.div(s.sub(m, s.wide(1)), s.add(m, s.wide(1)))
        let z = s.mul(t, t)
        let series = s.polynomial(z, [2, 2.0 / 3, 2.0 / 5, 2.0 / 7, 2.0 / 9, 2.0 / 11, 2.0 / 13, 2.0 / 15, 2.0 / 17])
        var logarithm = s.fma(s.widen(s.real(k)), s.wide(0.693_147_180_559_945_3), s.mul(t, series))
        logarithm = s.select(s.equal(magnitude, s.real(0)), s.wide(-.infinity), logarithm)
        logarithm = s.select(s.equal(magnitude, infinity), s.wide(.infinity), logarithm)

        var v = s.mul(s.widen(y), logarithm)
        v = s.select(s.isNaN(v), s.wide(0), v)
        v = s.select(s.less(s.wide(100), v), s.wide(100), v)
        v = s.select(s.less(v, s.wide(-110)), s.wide(-110), v)
        let n = s.roundEven(s.mul(v, s.wide(1.442_695_040_888_963_4)))
        let hi = s.fma(n, s.wide(-0.693_147_180_559_945_3), v)
        let r = s.fma(n, s.wide(-2.319_046_813_846_299_6e-17), hi)
        let e = s.polynomial(r, [1, 1, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320,
                                 1.0 / 362_880, 1.0 / 3_628_800, 1.0 / 39_916_800])
        let exponent = s.integer(n)
        let half = s.shiftRight(exponent, 1)
        let scale = s.mul(s.widen(s.powerOfTwo(half)), s.widen(s.powerOfTwo(s.sub(exponent, half))))
        var result = s.narrow(s.mul(e, scale))

        let yInteger = s.equal(s.truncate(y), y)
        let halfY = s.mul(y, s.real(0.5))
        let yOdd = s.and(yInteger, s.not(s.equal(s.truncate(halfY), halfY)))
        result = s.flipSign(result, s.select(yOdd, s.signBit(x), s.integer(0)))
        let negativeFinite = s.and(s.less(x, s.real(0)), s.greater(x, s.real(-.infinity)))
        let invalid = s.and(negativeFinite, s.and(s.not(yInteger), s.isFinite(y)))
        result = s.select(invalid, s.real(.nan), result)
        result = s.select(s.and(s.equal(magnitude, s.real(1)), s.equal(s.abs(y), infinity)), s.real(1), result)
        result = s.select(s.isNaN(y), s.add(y, y), result)
        result = s.select(s.isNaN(x), s.add(x, x), result)
        return s.select(s.or(s.equal(y, s.real(0)), s.equal(x, s.real(1))), s.real(1), result)
    }
}
