// The surface of a triangle at barycentric coordinates, as Mitsuba's Mesh::compute_surface_interaction computes it.
import Tracer

/// The vertex data of one triangle per lane, gathered from a mesh's buffers.
struct TriangleCorners {
    var p0, p1, p2: Vector3Array
    /// The corners' texture coordinates, and the lanes whose mesh has them.
    var texcoords: (uv0: Point2Array, uv1: Point2Array, uv2: Point2Array, lanes: BoolArray)?
    /// The corners' shading normals, and the lanes whose mesh has them.
    var normals: (n0: Vector3Array, n1: Vector3Array, n2: Vector3Array, lanes: BoolArray)?

    /// The surface at barycentrics (b1, b2): p re-interpolated from them, the face normal, uv and dp/du, dp/dv
    /// from the texture coordinates where the mesh has them (the barycentric parameterisation otherwise,
    /// `coordinate_system(n)` where the uv mapping is degenerate), the interpolated vertex normal as the shading
    /// normal where the mesh has normals, both normals negated on the lanes `flips`, and the shading frame from
    /// the shading normal and dp/du.
    func surface(b1: FloatArray, b2: FloatArray, flips: BoolArray?) -> SurfaceGeometry {
        let b0 = 1 - b1 - b2
        let p = fma(p0, b0, fma(p1, b1, p2 * b2))
        let dp0 = p1 - p0, dp1 = p2 - p0
        var n = dp0.cross(dp1).normalized()
        var uv = Point2Array(x: b1, y: b2)
        var dpdu = dp0, dpdv = dp1
        if let (uv0, uv1, uv2, textured) = texcoords {
            let interpolated = Point2Array(x: fma(uv2.x, b2, fma(uv1.x, b1, uv0.x * b0)),
                                           y: fma(uv2.y, b2, fma(uv1.y, b1, uv0.y * b0)))
            let duv0 = uv1 - uv0, duv1 = uv2 - uv0
            let det = fma(duv0.x, duv1.y, -(duv0.y * duv1.x))
            let inverse = 1 / det
            let regular = det .!= 0
            let fallback = Frame(normal: n)
            let solvedU = (dp0 * duv1.y - dp1 * duv0.y) * inverse
            let solvedV = (dp1 * duv0.x - dp0 * duv1.x) * inverse
            uv = select(textured, interpolated, uv)
            dpdu = select(textured, select(regular, solvedU, fallback.s), dpdu)
            dpdv = select(textured, select(regular, solvedV, fallback.t), dpdv)
        }
        var shadingNormal = n
        if let (n0, n1, n2, smooth) = normals {
            shadingNormal = select(smooth, fma(n2, b2, fma(n1, b1, n0 * b0)).normalized(), n)
        }
        if let flips {
            n = select(flips, -n, n)
            shadingNormal = select(flips, -shadingNormal, shadingNormal)
        }
        return SurfaceGeometry(p: p, n: n, frame: Frame(normal: shadingNormal, dpdu: dpdu), uv: uv,
                               dpdu: dpdu, dpdv: dpdv)
    }
}
