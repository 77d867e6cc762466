// A spatially constant scalar texture (what Mitsuba makes of a float given for a texture: `UniformSpectrum`).
import Tracer

/// The same number everywhere, in a `ParameterSlot` of shape [1] under "value" (Mitsuba's `opacity.value`,
/// `weight.value`), so that it can be replaced or differentiated. Its RGB value is the number in every channel.
public struct UniformTexture: Texture {
    /// The value, shape [1].
    public let value: ParameterSlot

    /// A uniform texture of value `value`.
    public init(_ value: Float) {
        self.value = ParameterSlot(value: FloatArray([value]), shape: [1])
    }

    /// The value, broadcast; lanes where `active` is false read 0.
    public func evalScalar(_ uv: Point2Array, active: BoolArray, bindings: RenderBindings) -> FloatArray {
        bindings.value(of: value).gather(UInt32Array(repeating: 0), mask: active)
    }

    /// (v, v, v).
    public func eval(_ uv: Point2Array, active: BoolArray, bindings: RenderBindings) -> Vector3Array {
        let v = evalScalar(uv, active: active, bindings: bindings)
        return Vector3Array(x: v, y: v, z: v)
    }

    /// The value, under "value".
    public var parameters: [(key: String, slot: ParameterSlot)] { [("value", value)] }

    /// False: the same value everywhere.
    public var readsSurfaceCoordinates: Bool { false }

    /// The value.
    public var mean: Float { value.value.values[0] }
}

extension UniformTexture {
    /// True: the gradient of a constant is 0 (Mitsuba's uniform `eval_1_grad`).
    public var hasGradient: Bool { true }

    /// (0, 0).
    public func evalGradient(_ si: SurfaceInteraction, active: BoolArray, bindings: RenderBindings) -> Point2Array? {
        let zero = FloatArray(repeating: 0, context: si.uv.x.context)
        return Point2Array(x: zero, y: zero)
    }
}
