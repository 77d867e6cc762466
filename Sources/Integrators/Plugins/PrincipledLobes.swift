// The building blocks of the principled BSDF: Schlick terms, GTR1, the clearcoat's shadowing, side tests.
import Tracer

/// Burley's clearcoat distribution GTR1 (Generalized Trowbridge–Reitz with exponent 1), isotropic, of roughness α:
/// D(m) = (α² − 1) / (π ln(α²) (1 + (α² − 1) cos²θm)), as Mitsuba's `GTR1Isotropic`.
struct GTR1Distribution {
    var alpha: FloatArray

    /// D(m); 0 where D cos θm ≤ 1e-20 (below the horizon, or underflow).
    func eval(_ m: Vector3Array) -> FloatArray {
        let cosTheta = m.z
        let alpha2 = square(alpha)
        let result = (alpha2 - 1) / (Float.pi * log(alpha2) * (1 + (alpha2 - 1) * square(cosTheta)))
        return select(result * cosTheta .> 1e-20, result, .constant(0))
    }

    /// The density of `sample`'s normals, D(m) cos θm (0 below the horizon).
    func pdf(_ m: Vector3Array) -> FloatArray {
        select(m.z .< 0, .constant(0), m.z * eval(m))
    }

    /// A normal with density D(m) cos θm: φ = 2π u.x, cos²θ = (1 − (α²)^(1 − u.y)) / (1 − α²).
    func sample(_ u: Point2Array) -> Vector3Array {
        let phi = Float(2 * Double.pi) * u.x
        let alpha2 = square(alpha)
        let cosTheta2 = (1 - pow(alpha2, 1 - u.y)) / (1 - alpha2)
        let sinTheta = sqrt(max(.constant(0), 1 - cosTheta2))
        let cosTheta = sqrt(max(.constant(0), cosTheta2))
        return Vector3Array(x: cos(phi) * sinTheta, y: sin(phi) * sinTheta, z: cosTheta)
    }
}

/// Pieces of Mitsuba's `principledhelpers.h`, restated on traced arrays.
enum PrincipledMath {
    /// Dr.Jit's `lerp(a, b, t)` (`Core/Lerp.swift`).
    static func lerp(_ a: FloatArray, _ b: FloatArray, _ t: FloatArray) -> FloatArray {
        Integrators.lerp(a, b, t)
    }

    /// `lerp` per channel of a colour `t`.
    static func lerp(_ a: FloatArray, _ b: FloatArray, _ t: Vector3Array) -> Vector3Array {
        Vector3Array(x: lerp(a, b, t.x), y: lerp(a, b, t.y), z: lerp(a, b, t.z))
    }

    /// `lerp` per channel of a colour `b`.
    static func lerp(_ a: FloatArray, _ b: Vector3Array, _ t: FloatArray) -> Vector3Array {
        Vector3Array(x: lerp(a, b.x, t), y: lerp(a, b.y, t), z: lerp(a, b.z, t))
    }

    /// Schlick's weight (1 − cos)⁵, with 1 − cos clamped to [0, 1].
    static func schlickWeight(_ cosine: FloatArray) -> FloatArray {
        let m = min(max(1 - cosine, .constant(0)), .constant(1))
        return square(square(m)) * m
    }

    /// Schlick's Fresnel with normal reflectance R0 for a microfacet at cosine `cosThetaI` (its sign says the side):
    /// the weight uses the incident angle when light goes into the denser medium, else the transmitted angle (0
    /// past the critical angle), so that total internal reflection gives 1.
    static func schlick(_ r0: FloatArray, cosThetaI: FloatArray, eta: FloatArray) -> FloatArray {
        let weight = schlickSideWeight(cosThetaI: cosThetaI, eta: eta)
        return lerp(weight, .constant(1), r0)
    }

    /// `schlick` per channel of a colour R0.
    static func schlick(_ r0: Vector3Array, cosThetaI: FloatArray, eta: FloatArray) -> Vector3Array {
        let weight = schlickSideWeight(cosThetaI: cosThetaI, eta: eta)
        return lerp(weight, .constant(1), r0)
    }

    private static func schlickSideWeight(cosThetaI: FloatArray, eta: FloatArray) -> FloatArray {
        let outside = cosThetaI .>= 0
        let inverse = rcp(eta)
        let etaIT = select(outside, eta, inverse), etaTI = select(outside, inverse, eta)
        let cosThetaT2 = fma(-fma(-cosThetaI, cosThetaI, .constant(1)), square(etaTI), .constant(1))
        let cosThetaT = sqrt(max(cosThetaT2, .constant(0)))
        return select(etaIT .> 1, schlickWeight(abs(cosThetaI)), schlickWeight(cosThetaT))
    }

    /// R0 of a dielectric interface of relative index η: ((η − 1)/(η + 1))².
    static func schlickR0(eta: FloatArray) -> FloatArray {
        square((eta - 1) / (eta + 1))
    }

    /// The unpolarised Fresnel reflectance of a dielectric for a traced relative index (Mitsuba's `fresnel`):
    /// 0 when η = 1, 1 at grazing incidence; also the signed cos θt and the indices seen from each side.
    static func fresnel(cosThetaI ci: FloatArray, eta: FloatArray)
        -> (reflectance: FloatArray, cosThetaT: FloatArray, etaIT: FloatArray, etaTI: FloatArray) {
        let outside = ci .>= 0
        let inverse = rcp(eta)
        let etaIT = select(outside, eta, inverse), etaTI = select(outside, inverse, eta)
        let one = FloatArray.constant(1)
        let cosThetaT2 = fma(-fma(-ci, ci, one), etaTI * etaTI, one)
        let cosI = abs(ci)
        let cosT = sqrt(max(cosThetaT2, .constant(0)))
        let amplitudeS = fma(-etaIT, cosT, cosI) / fma(etaIT, cosT, cosI)
        let amplitudeP = fma(-etaIT, cosI, cosT) / fma(etaIT, cosI, cosT)
        let general = 0.5 * (square(amplitudeS) + square(amplitudeP))
        let matched = eta .== 1
        let special = select(matched, .constant(0), one)
        let reflectance = select(matched | (cosI .== 0), special, general)
        return (reflectance, mulsignNeg(cosT, ci), etaIT, etaTI)
    }

    /// The clearcoat's masking term for one direction: GGX's Smith G1 of roughness α with the macrosurface
    /// normal, 1 along the normal, 0 where v sees the back of `h`.
    static func smithGGX1(_ v: Vector3Array, _ h: Vector3Array, alpha: Float) -> FloatArray {
        let cosTheta2 = square(abs(v.z))
        let tanTheta2 = (1 - cosTheta2) / cosTheta2
        var result = 2 * rcp(1 + sqrt(1 + (alpha * alpha) * tanTheta2))
        result = select(v.z .== 1, .constant(1), result)
        return select(v.dot(h) * v.z .<= 0, .constant(0), result)
    }

    /// Whether wi and wo lie on the sides of the microfacet normal m that reflection (or refraction) needs, with m
    /// turned to wi's side of the surface.
    static func compatible(m: Vector3Array, wi: Vector3Array, wo: Vector3Array, cosThetaI: FloatArray,
                           reflection: Bool) -> BoolArray {
        let facing = mulsign(m, cosThetaI)
        let away = reflection ? facing : Vector3Array(x: -facing.x, y: -facing.y, z: -facing.z)
        return (wi.dot(facing) .> 0) & (wo.dot(away) .> 0)
    }

    /// The hue of a colour: the colour over its luminance (white where the luminance is 0), which the tinted
    /// Fresnel and sheen terms take.
    static func hue(_ color: Vector3Array, luminance: FloatArray) -> Vector3Array {
        select(luminance .> 0, color / luminance, .constant(Vector3f(1, 1, 1)))
    }

    /// The luminance of an RGB colour (Mitsuba's `luminance`).
    static func luminance(_ c: Vector3Array) -> FloatArray {
        c.x * Float(0.212671) + c.y * Float(0.715160) + c.z * Float(0.072169)
    }

    /// The main lobe's roughnesses (αx, αy) from roughness r and anisotropy a: r² stretched by 1/√(1 − 0.9a) and
    /// √(1 − 0.9a), both at least 0.001.
    static func roughnesses(roughness: FloatArray, anisotropic: FloatArray?) -> (FloatArray, FloatArray) {
        let r2 = square(roughness)
        guard let anisotropic else {
            let a = max(.constant(0.001), r2)
            return (a, a)
        }
        let aspect = sqrt(1 - 0.9 * anisotropic)
        return (max(.constant(0.001), r2 / aspect), max(.constant(0.001), r2 * aspect))
    }
}
