// Area-light sampling on the sphere: uniform area from inside, uniform over the visible cone from outside.
import Tracer

extension SphereShape: AreaSampling {
    /// Mitsuba's `math::RayEpsilon` for float32 (1500 · 2⁻²⁴): the relative shell within which a reference point
    /// counts as inside for `sampleDirection`.
    static let samplingRayEpsilon: Float = 1500 * 0x1p-24

    /// The surface area 4π r².
    public var surfaceArea: Float { Float(4 * Double.pi) * radius * radius }

    /// Mitsuba's `sample_position`: a uniform direction on the unit sphere placed by `toWorld`, pdf = 1/area, uv of
    /// the local direction. n is the world normal (p − c)/r; Mitsuba returns the local direction there, which is
    /// the same unless `toWorld` rotates.
    public func samplePosition(_ sample: Point2Array, active: BoolArray) -> PositionSample {
        let local = squareToUniformSphere(sample)
        let p = toWorld.applyPoint(local)
        let n = toWorld.applyVector(local) * (1 / radius)
        return PositionSample(p: p, n: n, uv: Self.sphericalUV(local),
                              pdf: uniformDensity(1 / surfaceArea, lanes: sample.count, active: active))
    }

    /// 1/area wherever active.
    public func pdfPosition(_ position: PositionSample, active: BoolArray) -> FloatArray {
        uniformDensity(1 / surfaceArea, lanes: position.p.count, active: active)
    }

    /// Mitsuba's `Sphere::sample_direction`. From outside (|c − x|² > (r (1 − ε))²), a direction uniform in the
    /// cone of half-angle θ_max (sin θ_max = r/|c − x|) that the sphere subtends, turned into the point it hits
    /// through the angle α at the centre (akalin.com/sampling-visible-sphere), with pdf 1/(2π (1 − cos θ_max));
    /// below sin² θ_max = sin² 1.5° a Taylor expansion avoids cancellation. From inside, a uniform point on the
    /// sphere with its area pdf converted to solid angle. uv is that of p (Mitsuba leaves it 0).
    public func sampleDirection(from reference: Vector3Array, sample: Point2Array, active: BoolArray)
        -> DirectionSample {
        let c = Vector3Array.constant(center)
        let r = FloatArray.constant(radius)
        let one = FloatArray.constant(1)
        let toCenter = c - reference
        let centerDistanceSquared = toCenter.squaredLength
        let adjustedRadius = radius * (1 - Self.samplingRayEpsilon)
        let outside = centerDistanceSquared .> adjustedRadius * adjustedRadius

        // Outside: the cone toward the centre.
        let inverseCenterDistance = rsqrt(centerDistanceSquared)
        let sinThetaMax = r * inverseCenterDistance
        let sinThetaMaxSquared = sinThetaMax * sinThetaMax
        let inverseSinThetaMax = rcp(sinThetaMax)
        let cosThetaMax = safeSqrt(1 - sinThetaMaxSquared)
        let sinThetaSquared = select(sinThetaMaxSquared .> 0.00068523,
                                     1 - square(fma(cosThetaMax - 1, sample.x, one)),
                                     sinThetaMaxSquared * sample.x)
        let cosTheta = safeSqrt(1 - sinThetaSquared)
        let cosAlpha = sinThetaSquared * inverseSinThetaMax
            + cosTheta * safeSqrt(fma(-sinThetaSquared, square(inverseSinThetaMax), one))
        let sinAlpha = safeSqrt(fma(-cosAlpha, cosAlpha, one))
        let phi = sample.y * Float(2 * Double.pi)
        let cosPhi = cos(phi), sinPhi = sin(phi)
        let coneFrame = Frame(normal: toCenter * -inverseCenterDistance)
        let coneDirection = coneFrame.toWorld(Vector3Array(x: cosPhi * sinAlpha, y: sinPhi * sinAlpha, z: cosAlpha))
        let conePdf = uniformConePdf(cosCutoff: cosThetaMax)

        // Inside: uniform over the whole sphere.
        let sphereDirection = squareToUniformSphere(sample)

        let n = select(outside, coneDirection, sphereDirection)
        let p = fma(n, r, c)
        let offset = p - reference
        let distSquared = offset.squaredLength
        let dist = sqrt(distSquared)
        let d = offset / dist
        let insidePdf = (1 / surfaceArea) * distSquared / abs(d.dot(n))
        let outsidePdf = select(dist .== 0, .constant(0), conePdf)
        let pdf = select(outside, outsidePdf, insidePdf)
        let local = toWorld.inverted.applyVector(n) * radius
        return DirectionSample(p: p, n: n, uv: Self.sphericalUV(local), d: d, dist: dist,
                               pdf: select(active, pdf, .constant(0)))
    }

    /// Mitsuba's `Sphere::pdf_direction`: the cone pdf 1/(2π (1 − cos α)) while sin α = r/|c − x| < 1 − 2⁻²⁴
    /// (outside), else the area pdf converted to solid angle. Mitsuba does not check that p lies in the cone.
    public func pdfDirection(from reference: Vector3Array, to p: Vector3Array, n: Vector3Array, active: BoolArray)
        -> FloatArray {
        let sinAlpha = radius * rcp((Vector3Array.constant(center) - reference).length)
        let cosAlpha = safeSqrt(1 - sinAlpha * sinAlpha)
        let offset = p - reference
        let dist = offset.length
        let d = offset / dist
        let insidePdf = (1 / surfaceArea) * (dist * dist) / abs(d.dot(n))
        let pdf = select(sinAlpha .< Float(1).nextDown, uniformConePdf(cosCutoff: cosAlpha), insidePdf)
        return select(active, pdf, .constant(0))
    }

    /// The uv of a unit local direction: (φ/2π with φ ∈ [0, 2π), θ/π), as the sphere's hits.
    static func sphericalUV(_ local: Vector3Array) -> Point2Array {
        let phi = atan2(local.y, local.x)
        let twoPi = Float(2 * Double.pi)
        let wrapped = select(phi .< 0, phi + twoPi, phi)
        let theta = atan2(sqrt(local.x * local.x + local.y * local.y), local.z)
        return Point2Array(x: wrapped * Float(1 / (2 * Double.pi)), y: theta * Float(1 / Double.pi))
    }
}

/// √max(x, 0) (Dr.Jit's `safe_sqrt`).
func safeSqrt(_ x: FloatArray) -> FloatArray { sqrt(max(x, .constant(0))) }

/// x² per lane.
func square(_ x: FloatArray) -> FloatArray { x * x }
