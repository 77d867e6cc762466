// The shading frame Mitsuba derives from a normal and dp/du (`SurfaceInteraction::initialize_sh_frame`).
import Tracer

extension Frame {
    /// Mitsuba's shading frame: s = normalize(dp/du − n (n·dp/du)) (Gram–Schmidt), t = n × s. Where dp/du is the
    /// zero vector (a disk's centre) s falls back to the first axis of `Frame(normal:)`, as Mitsuba's
    /// `coordinate_system`. `n` must be a unit vector.
    public init(normal n: Vector3Array, dpdu: Vector3Array) {
        let projected = fma(n, -n.dot(dpdu), dpdu)
        let degenerate = (dpdu.x .== 0) & (dpdu.y .== 0) & (dpdu.z .== 0)
        let s = select(degenerate, Frame(normal: n).s, projected.normalized())
        self.init(s: s, t: n.cross(s), n: n)
    }
}
