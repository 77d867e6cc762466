// A spatially constant RGB texture (what Mitsuba makes of a `reflectance` given as rgb or float).
import Tracer

/// The same RGB value everywhere. The value lives in a `ParameterSlot` of shape [3], exposed as "value" like
/// Mitsuba's `srgb` texture, so that it can be replaced or differentiated.
public struct ConstantTexture: Texture {
    /// The RGB value, shape [3].
    public let value: ParameterSlot

    /// A constant RGB texture.
    public init(_ rgb: Vector3f) {
        value = ParameterSlot(value: FloatArray([rgb.x, rgb.y, rgb.z]), shape: [3])
    }

    /// A constant gray texture (v, v, v).
    public init(gray: Float) {
        self.init(Vector3f(repeating: gray))
    }

    /// The value, broadcast (size-1 components); lanes where `active` is false read 0.
    public func eval(_ uv: Point2Array, active: BoolArray, bindings: RenderBindings) -> Vector3Array {
        let channels = (0..<3).map { channel in
            bindings.value(of: value).gather(UInt32Array(repeating: UInt32(channel)), mask: active)
        }
        return Vector3Array(x: channels[0], y: channels[1], z: channels[2])
    }

    /// The mean of the three channels (Mitsuba's `eval_1` of an RGB constant is its mean, not its luminance).
    public func evalScalar(_ uv: Point2Array, active: BoolArray, bindings: RenderBindings) -> FloatArray {
        let rgb = eval(uv, active: active, bindings: bindings)
        return (rgb.x + rgb.y + rgb.z) / 3
    }

    /// The current value, read back from the slot.
    public var rgb: Vector3f {
        let v = value.value.values
        return Vector3f(v[0], v[1], v[2])
    }

    /// The value, under "value" (Mitsuba's key for an `srgb` texture).
    public var parameters: [(key: String, slot: ParameterSlot)] { [("value", value)] }

    /// False: the same value everywhere.
    public var readsSurfaceCoordinates: Bool { false }

    /// The average of the three channels (Mitsuba's `srgb` texture in RGB mode).
    public var mean: Float { (rgb.x + rgb.y + rgb.z) / 3 }
}
