// Mitsuba's `checkerboard` texture: two textures alternating over a 2 x 2 grid of squares per unit of uv.
import Tracer

/// A checkerboard over (u', v') = to_uv · (u, v): with a = frac(u') > 0.5 and b = frac(v') > 0.5, `color0` where
/// a == b and `color1` elsewhere.
///
/// `evalScalar` picks the other way round (color0 where a != b): Mitsuba 3.9.1's `eval_1` tests the opposite
/// condition from its `eval`, and a mask or blend weighted by a checkerboard follows `eval_1`.
public struct CheckerboardTexture: Texture {
    /// The colour of the squares where both fractional parts lie on the same side of 0.5.
    public let color0: any Texture
    /// The colour of the other squares.
    public let color1: any Texture
    /// The affine map applied to uv.
    public let toUV: UVTransform
    /// `toUV` as `mi.traverse` lists it.
    private let toUVListing: ParameterSlot

    /// A checkerboard of two textures; `toUV` row-major 2 x 3 (default identity).
    public init(color0: any Texture, color1: any Texture, toUV: [Float] = [1, 0, 0, 0, 1, 0]) {
        self.color0 = color0
        self.color1 = color1
        self.toUV = UVTransform(toUV)
        toUVListing = self.toUV.listing()
    }

    /// Per lane, whether (a == b): the squares of color0 in `eval`.
    private func sameHalf(_ uv: Point2Array) -> BoolArray {
        let mapped = toUV.apply(uv)
        let a = (mapped.x - floor(mapped.x)) .> 0.5
        let b = (mapped.y - floor(mapped.y)) .> 0.5
        return (a & b) | (!a & !b)
    }

    /// color0 where a == b, color1 elsewhere; 0 where inactive.
    public func eval(_ uv: Point2Array, active: BoolArray, bindings: RenderBindings) -> Vector3Array {
        let first = sameHalf(uv)
        let value0 = color0.eval(uv, active: active & first, bindings: bindings)
        let value1 = color1.eval(uv, active: active & !first, bindings: bindings)
        return select(active, select(first, value0, value1), .constant(.zero))
    }

    /// color0's scalar where a != b, color1's elsewhere (Mitsuba's `eval_1`); 0 where inactive.
    public func evalScalar(_ uv: Point2Array, active: BoolArray, bindings: RenderBindings) -> FloatArray {
        let first = !sameHalf(uv)
        let value0 = color0.evalScalar(uv, active: active & first, bindings: bindings)
        let value1 = color1.evalScalar(uv, active: active & !first, bindings: bindings)
        return select(active, select(first, value0, value1), .constant(0))
    }

    /// The colours' values under "color0." and "color1." (e.g. "color0.value").
    public var parameters: [(key: String, slot: ParameterSlot)] {
        [("to_uv", toUVListing)] + color0.parameters.map { ("color0." + $0.key, $0.slot) }
            + color1.parameters.map { ("color1." + $0.key, $0.slot) }
    }

    /// True: the value depends on uv.
    public var readsSurfaceCoordinates: Bool { true }

    /// The average of the two colours' means (Mitsuba's `checkerboard::mean`).
    public var mean: Float { 0.5 * (color0.mean + color1.mean) }
}

extension CheckerboardTexture {
    /// From `<texture type="checkerboard">`: `color0` (default 0.4) and `color1` (default 0.2), each an rgb or float
    /// value or a nested texture, and the transform `to_uv` (default identity), of which Mitsuba keeps the 2D part:
    /// rows and columns x, y and the translation.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.texture, type: "checkerboard", description)
        try description.requireKnownProperties(["color0", "color1", "to_uv"])
        try PluginFactory.rejectUnnamedChildren(description, expected: "<texture name=\"color0\"> or \"color1\"")
        let color0 = try PluginFactory.colorTexture(description, "color0", default: 0.4, document: document)
        let color1 = try PluginFactory.colorTexture(description, "color1", default: 0.2, document: document)
        self.init(color0: color0, color1: color1, toUV: try UVTransform(description).entries)
    }
}
