// The hit record of a query that may land on a curve: Mitsuba's curve surface, and its culling of hits from inside.
import Tracer

extension MeshGeometry {
    /// The hit and the surface at it, for a scene that may hold curves. A curve hit whose normal faces along the
    /// ray (a ray leaving the tube from inside) becomes a miss, as Mitsuba 3.9.1's curves cull it in
    /// `compute_surface_interaction` (`Shape::cull_backface`: t = ∞, and nothing behind it is looked for); shadow
    /// rays are not culled, as Mitsuba's `ray_test` is not. Without curves this is `surface(of:)`.
    public func resolve(_ hit: EmbreeHit, ray: RayArray) -> (hit: EmbreeHit, surface: SurfaceGeometry) {
        guard let curves else { return (hit, surface(of: hit)) }
        let onCurve = curves.contains(hit)
        let curveSurface = curves.surface(of: hit, ray: ray, lanes: onCurve)
        let surface = triangleCount == 0 ? curveSurface
            : select(onCurve, curveSurface, triangleSurface(of: hit, lanes: hit.isHit & !onCurve))
        let culled = onCurve & (curveSurface.n.dot(ray.direction) .> 0)
        var resolved = hit
        resolved.isHit = hit.isHit & !culled
        resolved.t = select(culled, FloatArray(repeating: .infinity), hit.t)
        return (resolved, surface)
    }
}
