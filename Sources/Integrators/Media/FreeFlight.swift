// Free-flight sampling in a homogeneous medium: where along a ray the next collision happens (Mitsuba's
// `Medium::sample_interaction` for a homogeneous medium in an RGB variant).
import Tracer

/// A sampled collision along each lane's ray.
struct FreeFlight {
    /// Distance to the collision, ∞ where it lies beyond the ray's end (or the lane was inactive).
    var t: FloatArray
    /// The collision point (the ray's origin where there is none).
    var p: Vector3Array
    /// True where a collision was sampled within the ray.
    var isValid: BoolArray

    /// Samples t = −log(1 − u) / σt[channel] with the extinction of the channel the path follows; valid where
    /// active and t ≤ the ray's maxT. A channel without extinction never collides.
    static func sample(_ ray: RayArray, u: FloatArray, channel: UInt32Array, sigmaT: Vector3Array,
                       active: BoolArray) -> FreeFlight {
        let majorant = MediumTable.component(sigmaT, channel)
        let sampled = -log(1 - u) / majorant
        let valid = active & (sampled .<= ray.maxT)
        let infinity = FloatArray(repeating: .infinity)
        return FreeFlight(t: select(valid, sampled, infinity),
                          p: select(valid, ray.at(select(valid, sampled, FloatArray(repeating: 0))), ray.origin),
                          isValid: valid)
    }

    /// The homogeneous medium's transmittance weight for a path that sampled `self` with the extinction of
    /// `channel` and met a surface at `surfaceT` (∞: none): tr / pdf[channel] with tr = exp(−σt t) per channel over
    /// t = min(collision, surface, `limit`), and pdf = tr where no collision happens before the surface or the limit,
    /// tr σt where one does (0 where that pdf is 0), as Mitsuba's `volpath` weighs media of spectral extinction.
    static func spectralWeight(collisionT: FloatArray, surfaceT: FloatArray, limit: FloatArray? = nil,
                               channel: UInt32Array, sigmaT: Vector3Array) -> Vector3Array {
        var t = min(collisionT, surfaceT)
        var passes = surfaceT .< collisionT
        if let limit {
            t = min(limit, t)
            passes = passes | (collisionT .> limit)
        }
        let tr = Vector3Array(x: exp(-t * sigmaT.x), y: exp(-t * sigmaT.y), z: exp(-t * sigmaT.z))
        let pdf = select(passes, tr, tr * sigmaT)
        let trPDF = MediumTable.component(pdf, channel)
        return select(trPDF .> 0, tr / trPDF, .constant(.zero))
    }
}
