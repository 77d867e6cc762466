// Sampling uv in proportion to a bitmap's texels (Mitsuba's bitmap `sample_position`/`pdf_position`), for area lights.
import Foundation
import Tracer

extension BitmapTexture {
    /// A uv drawn in proportion to the texels' scalar values (luminance, or a gray texture's values), as Mitsuba
    /// 3.9.1's bitmap does: a texel from a `DiscreteDistribution2D` over the values, then, with bilinear filtering,
    /// its center plus a tent of one texel each way (wrapped back into [0, 1] by the wrap mode; clamp and mirror
    /// both reflect at the borders), with nearest filtering a uniform point of the texel. The density is
    /// `pdfPosition` at the point. `to_uv` is not applied (Mitsuba's neither). Density 0 where inactive or when
    /// the texels sum to 0.
    public func samplePosition(_ sample: Point2Array, active: BoolArray,
                               bindings: RenderBindings) -> (uv: Point2Array, pdf: FloatArray) {
        guard let distribution = texelDistribution(bindings) else {
            let lanes = Swift.max(sample.x.count, sample.y.count)
            return (sample, FloatArray(repeating: 0, count: lanes, context: sample.x.context))
        }
        let cell = distribution.sample(sample, active: active)
        let inverseWidth = 1 / Float(width), inverseHeight = 1 / Float(height)
        let column = FloatArray(cell.column), row = FloatArray(cell.row)
        var uv: Point2Array
        switch filter {
        case .nearest:
            uv = Point2Array(x: (column + cell.reused.x) * inverseWidth, y: (row + cell.reused.y) * inverseHeight)
        case .bilinear:
            let tent = squareToTent(cell.reused)
            uv = Point2Array(x: (column + 0.5 + tent.x) * inverseWidth, y: (row + 0.5 + tent.y) * inverseHeight)
            uv = Point2Array(x: foldIntoUnitInterval(uv.x), y: foldIntoUnitInterval(uv.y))
        }
        return (uv, pdfPosition(uv, active: true, bindings: bindings))
    }

    /// The density of `samplePosition` per unit uv area: with bilinear filtering the texels' normalised masses
    /// around uv (wrapped as lookups are) interpolated bilinearly, with nearest filtering the mass of the texel
    /// containing uv, times W·H. 0 where inactive or when the texels sum to 0.
    public func pdfPosition(_ uv: Point2Array, active: BoolArray, bindings: RenderBindings) -> FloatArray {
        guard let distribution = texelDistribution(bindings) else {
            return FloatArray(repeating: 0, count: Swift.max(uv.x.count, uv.y.count), context: uv.x.context)
        }
        let texelCount = Float(width * height)
        guard filter == .bilinear else {
            let column = wrap(Int32Array(floor(uv.x * Float(width))), size: width)
            let row = wrap(Int32Array(floor(uv.y * Float(height))), size: height)
            return distribution.pdf(column: UInt32Array(column), row: UInt32Array(row), active: active) * texelCount
        }
        let x = fma(uv.x, .constant(Float(width)), .constant(-0.5))
        let y = fma(uv.y, .constant(Float(height)), .constant(-0.5))
        let column0 = Int32Array(floor(x)), row0 = Int32Array(floor(y))
        let fx = x - FloatArray(column0), fy = y - FloatArray(row0)
        let gx = 1 - fx, gy = 1 - fy
        func mass(_ column: Int32Array, _ row: Int32Array) -> FloatArray {
            distribution.pdf(column: UInt32Array(wrap(column, size: width)), row: UInt32Array(wrap(row, size: height)),
                             active: active)
        }
        let v00 = mass(column0, row0), v10 = mass(column0 + 1, row0)
        let v01 = mass(column0, row0 + 1), v11 = mass(column0 + 1, row0 + 1)
        let v0 = fma(gx, v00, fx * v10), v1 = fma(gx, v01, fx * v11)
        return fma(gy, v0, fy * v1) * texelCount
    }

    /// A tent-displaced coordinate brought back into [0, 1]: shifted by one period for `repeat`, reflected at the
    /// borders otherwise (Mitsuba's two cases, applied one after the other).
    private func foldIntoUnitInterval(_ value: FloatArray) -> FloatArray {
        switch wrapMode {
        case .repeat:
            let raised = select(value .< 0, value + 1, value)
            return select(raised .> 1, raised - 1, raised)
        case .clamp, .mirror:
            let reflected = select(value .< 0, -value, value)
            return select(reflected .> 1, 2 - reflected, reflected)
        }
    }

    /// The distribution of the texel values `bindings` gives the texture, or nil when they sum to 0.
    private func texelDistribution(_ bindings: RenderBindings) -> DiscreteDistribution2D? {
        distributionCache.distribution(of: bindings.value(of: data), initial: data, width: width, height: height,
                                       channels: channelCount)
    }
}

/// The sampling distribution of one bitmap texture, built from its texel values when first needed and again when
/// they change (Mitsuba rebuilds it when the texture's data is updated). It carries no derivative.
final class TexelDistributionCache: @unchecked Sendable {
    private let lock = NSLock()
    /// The values the distribution was built from, and the distribution (nil: they sum to 0).
    private var built: (values: [Float], distribution: DiscreteDistribution2D?)?

    /// The distribution of `value` when it holds one image's evaluated texels; otherwise (a pending computation, or
    /// a batch of images) the distribution last built, or that of `initial`'s first value when there is none.
    func distribution(of value: FloatArray, initial slot: ParameterSlot, width: Int, height: Int,
                      channels: Int) -> DiscreteDistribution2D? {
        lock.withLock {
            let count = width * height * channels
            let source: FloatArray
            if value.count == count && value.isEvaluated {
                source = value.detached()
            } else if let built {
                return built.distribution
            } else {
                source = slot.value.detached()
            }
            let unchanged = built.map { built in
                source.withUnsafeElements { $0.count == built.values.count && $0.elementsEqual(built.values) }
            } ?? false
            if unchanged { return built!.distribution }
            var values = source.values
            if values.count > count { values.removeLast(values.count - count) }
            let masses = BitmapTexture.texelValues(values, channels: channels)
            let distribution = DiscreteDistribution2D(masses, width: width, height: height)
            built = (values, distribution)
            return distribution
        }
    }
}
