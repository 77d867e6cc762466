// MeshTransformer: a Transform4 unpacked for transforming whole vertex buffers with Mitsuba's arithmetic.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `to_world` unpacked into scalars for bulk use. Points and normals are computed with the fused multiply-adds
/// in the order Mitsuba's `Transform4f::operator*` uses (translation first, then columns 0, 1, 2), so positions
/// come out as Mitsuba stores them; normals use the inverse transpose and are then normalized, as Mitsuba's
/// loaders do with `dr::normalize(to_world * n)`.
struct MeshTransformer {
    let isIdentity: Bool
    let isAffine: Bool
    private let m: SIMD16<Float>   // row-major 4x4 matrix
    private let it: SIMD16<Float>  // row-major inverse transpose

    init(_ transform: Transform4) {
        isIdentity = transform.isIdentity
        m = transform.matrix.elements
        it = transform.inverse.transposed.elements
        isAffine = m[12] == 0 && m[13] == 0 && m[14] == 0 && m[15] == 1
    }

    /// `to_world * p` for a point, divided by w when the transform is projective.
    @inline(__always)
    func point(_ x: Float, _ y: Float, _ z: Float) -> (Float, Float, Float) {
        if isIdentity { return (x, y, z) }
        var r0 = m[3], r1 = m[7], r2 = m[11]
        r0 = Self.fmadd(m[0], x, r0); r1 = Self.fmadd(m[4], x, r1); r2 = Self.fmadd(m[8], x, r2)
        r0 = Self.fmadd(m[1], y, r0); r1 = Self.fmadd(m[5], y, r1); r2 = Self.fmadd(m[9], y, r2)
        r0 = Self.fmadd(m[2], z, r0); r1 = Self.fmadd(m[6], z, r1); r2 = Self.fmadd(m[10], z, r2)
        if isAffine { return (r0, r1, r2) }
        var w = m[15]
        w = Self.fmadd(m[12], x, w); w = Self.fmadd(m[13], y, w); w = Self.fmadd(m[14], z, w)
        return (r0 / w, r1 / w, r2 / w)
    }

    /// `normalize(to_world * n)` for a normal (inverse transpose, no translation).
    @inline(__always)
    func normal(_ x: Float, _ y: Float, _ z: Float) -> (Float, Float, Float) {
        var r0 = x, r1 = y, r2 = z
        if !isIdentity {
            r0 = it[0] * x; r1 = it[4] * x; r2 = it[8] * x
            r0 = Self.fmadd(it[1], y, r0); r1 = Self.fmadd(it[5], y, r1); r2 = Self.fmadd(it[9], y, r2)
            r0 = Self.fmadd(it[2], z, r0); r1 = Self.fmadd(it[6], z, r1); r2 = Self.fmadd(it[10], z, r2)
        }
        return Self.normalized(r0, r1, r2)
    }

    /// `v * rsqrt(|v|^2)` (Dr.Jit's `normalize`); a zero vector gives NaNs, which callers refuse.
    @inline(__always)
    static func normalized(_ x: Float, _ y: Float, _ z: Float) -> (Float, Float, Float) {
        let scale = 1 / sqrtf(dot(x, y, z, x, y, z))
        return (x * scale, y * scale, z * scale)
    }

    /// `a . b` as Dr.Jit sums a 3-vector's products: `(ax bx + ay by) + az bz`, without fused multiply-adds.
    @inline(__always)
    static func dot(_ ax: Float, _ ay: Float, _ az: Float, _ bx: Float, _ by: Float, _ bz: Float) -> Float {
        (ax * bx + ay * by) + az * bz
    }

    /// Dr.Jit's `fmadd(a, b, c)`: one rounding when Mitsuba's build fuses it (see `fusesMultiplyAdd`).
    @inline(__always)
    static func fmadd(_ a: Float, _ b: Float, _ c: Float) -> Float {
        fusesMultiplyAdd ? c.addingProduct(a, b) : a * b + c
    }

    /// Whether the Mitsuba 3.9.1 build that the fixtures come from fuses `a * b + c` (Dr.Jit does when built
    /// with FMA instructions); the transform and cross products follow it so positions match bit for bit.
    static let fusesMultiplyAdd = true
}
