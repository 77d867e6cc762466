// Sampling microfacet normals: all normals by D(m) cos θm, or only those visible from wi (Mitsuba's warps).
import Tracer

extension MicrofacetDistribution {
    /// A microfacet normal m for incident direction `wi` and its density `pdf(wi:m:)` per solid angle, from the
    /// unit-square sample `u`, by the same warps as Mitsuba's `MicrofacetDistribution::sample`.
    public func sample(wi: Vector3Array, u: Point2Array) -> (m: Vector3Array, pdf: FloatArray) {
        sampleVisible ? sampleVisibleNormal(wi: wi, u: u) : sampleAllNormals(u)
    }

    /// m ∝ D(m) cos θm: φ from u.y (uniform, or through the anisotropic ellipse), θ from u.x by inverting the
    /// radial CDF. The pdf is computed in closed form from u, as Mitsuba does.
    private func sampleAllNormals(_ u: Point2Array) -> (m: Vector3Array, pdf: FloatArray) {
        let phase = Float(2 * Double.pi) * u.y
        let sinPhi: FloatArray, cosPhi: FloatArray, alpha2: FloatArray
        if isIsotropic {
            sinPhi = sin(phase)
            cosPhi = cos(phase)
            alpha2 = alphaU * alphaU
        } else {
            let tangent = (alphaV / alphaU) * tan(phase)
            // tan has period π: the quadrant comes from where u.y lies in [0, 1).
            let magnitude = rsqrt(fma(tangent, tangent, .constant(1)))
            cosPhi = copysign(magnitude, abs(u.y - 0.5) - 0.25)
            sinPhi = cosPhi * tangent
            alpha2 = rcp(square(cosPhi / alphaU) + square(sinPhi / alphaV))
        }

        let cosTheta: FloatArray, pdf: FloatArray
        switch type {
        case .beckmann:
            cosTheta = rsqrt(fma(-alpha2, log(1 - u.x), .constant(1)))
            let cosTheta3 = max(square(cosTheta) * cosTheta, .constant(1e-20))
            let normalization = Float.pi * alphaU * alphaV * cosTheta3
            pdf = (1 - u.x) / normalization
        case .ggx:
            let tanTheta2 = alpha2 * u.x / (1 - u.x)
            cosTheta = rsqrt(1 + tanTheta2)
            let temp = 1 + tanTheta2 / alpha2
            let cosTheta3 = max(square(cosTheta) * cosTheta, .constant(1e-20))
            let normalization = Float.pi * alphaU * alphaV * cosTheta3
            pdf = rcp(normalization * square(temp))
        }
        let sinTheta = sqrt(1 - square(cosTheta))
        return (Vector3Array(x: cosPhi * sinTheta, y: sinPhi * sinTheta, z: cosTheta), pdf)
    }

    /// Heitz and d'Eon's visible normals: stretch wi to the unit-roughness configuration, sample a slope there,
    /// rotate it back to wi's azimuth and unstretch it.
    private func sampleVisibleNormal(wi: Vector3Array, u: Point2Array) -> (m: Vector3Array, pdf: FloatArray) {
        let stretched = Vector3Array(x: alphaU * wi.x, y: alphaV * wi.y, z: wi.z).normalized()
        let (sinPhi, cosPhi) = Self.sinCosPhi(stretched)
        let slope = sampleVisibleSlope(cosThetaI: stretched.z, u: u)
        let slopeX = fma(cosPhi, slope.x, -(sinPhi * slope.y)) * alphaU
        let slopeY = fma(sinPhi, slope.x, cosPhi * slope.y) * alphaV
        let m = Vector3Array(x: -slopeX, y: -slopeY, z: FloatArray.constant(1)).normalized()
        let visible = smithG1(wi, m) * abs(wi.dot(m))
        let pdf = eval(m) * visible / wi.z
        return (m, pdf)
    }

    /// A slope of the unit-roughness distribution seen from elevation cos θi (Mitsuba's `sample_visible_11`).
    private func sampleVisibleSlope(cosThetaI: FloatArray, u: Point2Array) -> Point2Array {
        switch type {
        case .beckmann: return beckmannVisibleSlope(cosThetaI: cosThetaI, u: u)
        case .ggx: return ggxVisibleSlope(cosThetaI: cosThetaI, u: u)
        }
    }

    /// Beckmann: the x slope by three Newton steps on the visible-slope CDF in erf space (a numerical inversion
    /// without the discontinuities of the original closed form), the y slope by erf⁻¹(2u.y − 1).
    private func beckmannVisibleSlope(cosThetaI: FloatArray, u: Point2Array) -> Point2Array {
        let tanThetaI = safeSqrt(fma(-cosThetaI, cosThetaI, .constant(1))) / cosThetaI
        let cotThetaI = rcp(tanThetaI)
        let maxValue = erf(cotThetaI)
        let ux = max(min(u.x, .constant(1 - 1e-6)), .constant(1e-6))
        let uy = max(min(u.y, .constant(1 - 1e-6)), .constant(1e-6))
        let invSqrtPi = Float(1 / Double.pi.squareRoot())

        // Start from the exact solution at grazing incidence, the most nonlinear case.
        var x = maxValue - (maxValue + 1) * erf(sqrt(-log(ux)))
        let grazing = invSqrtPi * tanThetaI * exp(-square(cotThetaI))
        let target = ux * (1 + maxValue + grazing)
        for _ in 0..<3 {
            let slope = erfinv(x)
            let shadow = invSqrtPi * tanThetaI * exp(-square(slope))
            let value = 1 + x + shadow - target
            let derivative = 1 - slope * tanThetaI
            x = x - value / derivative
        }
        return Point2Array(x: erfinv(x), y: erfinv(fma(.constant(2), uy, .constant(-1))))
    }

    /// GGX: a point of the concentric disk, squeezed towards the visible half by (1 + cos θi)/2, projected onto
    /// the hemisphere and turned into a slope.
    private func ggxVisibleSlope(cosThetaI: FloatArray, u: Point2Array) -> Point2Array {
        let disk = squareToUniformDiskConcentric(u)
        let s = 0.5 * (1 + cosThetaI)
        let lower = safeSqrt(1 - square(disk.x))
        let y = fma(disk.y, s, fma(-lower, s, lower))
        let x = disk.x
        let z = safeSqrt(1 - (square(x) + square(y)))
        let sinThetaI = safeSqrt(1 - square(cosThetaI))
        let norm = rcp(fma(sinThetaI, y, cosThetaI * z))
        return Point2Array(x: fma(cosThetaI, y, -(sinThetaI * z)) * norm, y: x * norm)
    }

    /// (sin φ, cos φ) of a direction, (0, 1) along the pole (Mitsuba's `Frame3f::sincos_phi`).
    static func sinCosPhi(_ v: Vector3Array) -> (sin: FloatArray, cos: FloatArray) {
        let sinTheta2 = fma(v.x, v.x, square(v.y))
        let inverseSinTheta = rsqrt(sinTheta2)
        let onPole = abs(sinTheta2) .<= 4 * Float(0x1p-24)
        let cosPhi = max(min(v.x * inverseSinTheta, .constant(1)), .constant(-1))
        let sinPhi = max(min(v.y * inverseSinTheta, .constant(1)), .constant(-1))
        return (select(onPole, .constant(0), sinPhi), select(onPole, .constant(1), cosPhi))
    }
}
