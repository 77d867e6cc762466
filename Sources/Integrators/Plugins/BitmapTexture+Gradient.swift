// The uv gradient of a bitmap texture's scalar value (Mitsuba's `eval_1_grad`), what `bumpmap` reads.
import Tracer

extension BitmapTexture {
    /// True: bilinear bitmaps differentiate their interpolant, nearest ones report 0.
    public var hasGradient: Bool { true }

    /// (∂f/∂u, ∂f/∂v) of the scalar value f (luminance, or a gray texture's value) of the bilinear interpolant at
    /// `si.uv`, as Mitsuba 3.9.1 computes it:
    /// with the 4 texels f00, f10, f01, f11 around (x, y) = (u W − ½, v H − ½) (wrapped as by `eval`) and the
    /// fractional parts (fx, fy), ∂f/∂x = (1−fy)(f10−f00) + fy(f11−f01), ∂f/∂y = (1−fx)(f01−f00) + fx(f11−f10),
    /// scaled by (W, H). Nearest filtering gives 0 (the lookup is piecewise constant). 0 where inactive. With a
    /// `to_uv` M the lookup is at M · uv and the partials are multiplied by Mᵀ before the (W, H) scaling, as
    /// Mitsuba does.
    public func evalGradient(_ si: SurfaceInteraction, active: BoolArray, bindings: RenderBindings) -> Point2Array? {
        let uv = toUV.isIdentity ? si.uv : toUV.apply(si.uv)
        guard filter == .bilinear else {
            let zero = FloatArray(repeating: 0, context: uv.x.context)
            return Point2Array(x: zero, y: zero)
        }
        let half = FloatArray.constant(-0.5)
        let x = fma(uv.x, .constant(Float(width)), half)
        let y = fma(uv.y, .constant(Float(height)), half)
        let xFloor = floor(x), yFloor = floor(y)
        let fx = x - xFloor, fy = y - yFloor
        let column0 = Int32Array(xFloor), row0 = Int32Array(yFloor)
        let columns = (wrap(column0, size: width), wrap(column0 + 1, size: width))
        let rows = (wrap(row0, size: height), wrap(row0 + 1, size: height))
        func luminance(_ row: Int32Array, _ column: Int32Array) -> FloatArray {
            let c = texel(row: row, column: column, active: active, bindings: bindings)
            guard channelCount == 3 else { return c.x }
            return fma(c.x, .constant(0.212671), fma(c.y, .constant(0.715160), c.z * Float(0.072169)))
        }
        let f00 = luminance(rows.0, columns.0), f10 = luminance(rows.0, columns.1)
        let f01 = luminance(rows.1, columns.0), f11 = luminance(rows.1, columns.1)
        let dx = fma(1 - fy, f10 - f00, fy * (f11 - f01))
        let dy = fma(1 - fx, f01 - f00, fx * (f11 - f10))
        guard !toUV.isIdentity else { return Point2Array(x: dx * Float(width), y: dy * Float(height)) }
        let m = toUV.entries
        return Point2Array(x: fma(dx, .constant(m[0]), dy * m[3]) * Float(width),
                           y: fma(dx, .constant(m[1]), dy * m[4]) * Float(height))
    }
}
