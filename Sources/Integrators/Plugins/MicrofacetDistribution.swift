// Mitsuba's microfacet normal distributions (Beckmann, GGX): density, Smith shadowing and their pdf.
import Tracer

/// The shape of the distribution of microfacet normals (Mitsuba's `MicrofacetType`).
public enum MicrofacetType: String, CaseIterable, Sendable {
    /// Beckmann: a Gaussian distribution of slopes.
    case beckmann
    /// GGX (Trowbridge–Reitz): heavier tails than Beckmann.
    case ggx
}

/// An anisotropic microfacet distribution in the local shading frame, per lane (Mitsuba's
/// `MicrofacetDistribution`). Roughnesses below 1e-4 are clamped to 1e-4, as Mitsuba does. The formulas follow
/// Mitsuba's `microfacet.h` step by step, so that the same inputs give the same values and sampled normals.
public struct MicrofacetDistribution {
    /// Beckmann or GGX.
    public var type: MicrofacetType
    /// Roughness αu along the local x axis.
    public var alphaU: FloatArray
    /// Roughness αv along the local y axis.
    public var alphaV: FloatArray
    /// Whether `sample` draws from the distribution of visible normals (else from D(m) cos θm).
    public var sampleVisible: Bool
    /// True when αu and αv are one value: the non-visible sampler then draws φ uniformly, as Mitsuba's does when
    /// both roughnesses are the same variable.
    public var isIsotropic: Bool

    /// An isotropic distribution of roughness α.
    public init(type: MicrofacetType, alpha: FloatArray, sampleVisible: Bool = true) {
        self.type = type
        let clamped = max(alpha, .constant(1e-4))
        alphaU = clamped
        alphaV = clamped
        self.sampleVisible = sampleVisible
        isIsotropic = true
    }

    /// An anisotropic distribution of roughnesses αu (along x) and αv (along y).
    public init(type: MicrofacetType, alphaU: FloatArray, alphaV: FloatArray, sampleVisible: Bool = true) {
        self.type = type
        self.alphaU = max(alphaU, .constant(1e-4))
        self.alphaV = max(alphaV, .constant(1e-4))
        self.sampleVisible = sampleVisible
        isIsotropic = false
    }

    /// The microfacet density D(m) per projected area. Beckmann:
    /// exp(−((mx/αu)² + (my/αv)²)/cos²θ) / (π αu αv cos⁴θ); GGX: 1/(π αu αv ((mx/αu)² + (my/αv)² + mz²)²).
    /// 0 where D cos θ ≤ 1e-20 (below the horizon, or underflow).
    public func eval(_ m: Vector3Array) -> FloatArray {
        let alphaUV = alphaU * alphaV
        let cosTheta = m.z
        let cosTheta2 = square(cosTheta)
        let slopes = square(m.x / alphaU) + square(m.y / alphaV)
        let result: FloatArray
        switch type {
        case .beckmann:
            let normalization = Float.pi * alphaUV * square(cosTheta2)
            result = exp(-slopes / cosTheta2) / normalization
        case .ggx:
            let ellipse = slopes + square(m.z)
            result = rcp(Float.pi * alphaUV * square(ellipse))
        }
        return select(result * cosTheta .> 1e-20, result, .constant(0))
    }

    /// The density of `sample`'s normals per solid angle: D(m) G1(wi, m) |wi·m| / cos θi for visible normals,
    /// D(m) cos θm otherwise.
    public func pdf(wi: Vector3Array, m: Vector3Array) -> FloatArray {
        let density = eval(m)
        if sampleVisible {
            let visible = smithG1(wi, m) * abs(wi.dot(m))
            return density * visible / wi.z
        }
        return density * m.z
    }

    /// Smith's masking G1(v, m): Beckmann through Walter et al.'s rational fit in a = 1/(α tan θ) (exact 1 for
    /// a ≥ 1.6), GGX in closed form; 1 along the normal, 0 where v sees the back of the microfacet.
    public func smithG1(_ v: Vector3Array, _ m: Vector3Array) -> FloatArray {
        let xyAlpha2 = square(alphaU * v.x) + square(alphaV * v.y)
        let tanThetaAlpha2 = xyAlpha2 / square(v.z)
        var result: FloatArray
        switch type {
        case .beckmann:
            let a = rsqrt(tanThetaAlpha2)
            let aSquared = square(a)
            let numerator = fma(a, .constant(3.535), 2.181 * aSquared)
            let denominator = 1 + fma(a, .constant(2.276), 2.577 * aSquared)
            let fit = numerator / denominator
            result = select(a .>= 1.6, .constant(1), fit)
        case .ggx:
            result = 2 / (1 + sqrt(1 + tanThetaAlpha2))
        }
        result = select(xyAlpha2 .== 0, .constant(1), result)
        // A direction cannot see the back of a microfacet from the front, nor the reverse.
        return select(v.dot(m) * v.z .<= 0, .constant(0), result)
    }

    /// The separable shadowing-masking G(wi, wo, m) = G1(wi, m) G1(wo, m).
    public func G(wi: Vector3Array, wo: Vector3Array, m: Vector3Array) -> FloatArray {
        smithG1(wi, m) * smithG1(wo, m)
    }
}

/// The mirror image of `wi` about `m`: 2(wi·m)m − wi (Mitsuba's `reflect(wi, m)`).
func reflect(_ wi: Vector3Array, about m: Vector3Array) -> Vector3Array {
    let twiceCos = 2 * wi.dot(m)
    return fma(m, twiceCos, -wi)
}
