// The interface of textures: RGB and scalar values looked up by a hit or by surface coordinates.
import Tracer

/// A texture: a spatially varying RGB value looked up by surface coordinates. Lookups read the texture's values
/// from `bindings` (the render's, `RenderBindings.value(of:)`), never from its slots.
public protocol Texture {
    /// The value at `uv`, RGB.
    func eval(_ uv: Point2Array, active: BoolArray, bindings: RenderBindings) -> Vector3Array
    /// The value at `uv` as one number (Mitsuba's `eval_1`, what `mask` and `blendbsdf` read): by default the
    /// luminance of `eval`, as Mitsuba's bitmap computes it.
    func evalScalar(_ uv: Point2Array, active: BoolArray, bindings: RenderBindings) -> FloatArray
    /// The differentiable values of this texture, under keys relative to it (e.g. "data").
    var parameters: [(key: String, slot: ParameterSlot)] { get }
    /// True when the value depends on `uv`.
    var readsSurfaceCoordinates: Bool { get }
    /// The texture's mean value, one number (Mitsuba's `Texture::mean`: the average of the channels of a constant,
    /// the mean luminance of a bitmap's texels), read on the host: BSDFs weigh their lobes' sampling by it.
    var mean: Float { get }
    /// The value at a hit, RGB: by default `eval(si.uv)`; textures that read more of the hit (`mesh_attribute`)
    /// replace it. Plugins look textures up through this.
    func eval(_ si: SurfaceInteraction, active: BoolArray, bindings: RenderBindings) -> Vector3Array
    /// The scalar value at a hit: by default `evalScalar(si.uv)`.
    func evalScalar(_ si: SurfaceInteraction, active: BoolArray, bindings: RenderBindings) -> FloatArray
    /// True when `evalGradient` is defined (Mitsuba implements `eval_1_grad` for `bitmap` and uniform values only).
    var hasGradient: Bool { get }
    /// The gradient (∂f/∂u, ∂f/∂v) of the scalar value at a hit (Mitsuba's `eval_1_grad`); nil when the texture has
    /// none (`hasGradient` is false).
    func evalGradient(_ si: SurfaceInteraction, active: BoolArray, bindings: RenderBindings) -> Point2Array?
    /// True when the value varies over a surface (Mitsuba's `is_spatially_varying`): by default
    /// `readsSurfaceCoordinates`. An area light samples its surface by the texture when it is.
    var isSpatiallyVarying: Bool { get }
    /// A point of uv space drawn from the uniform `sample` in [0, 1)², with its density per unit uv area
    /// (Mitsuba's `sample_position`): by default the sample itself, density 1. Area lights with a spatially
    /// varying radiance sample their surface through it.
    func samplePosition(_ sample: Point2Array, active: BoolArray,
                        bindings: RenderBindings) -> (uv: Point2Array, pdf: FloatArray)
    /// The density of `samplePosition` at `uv` (Mitsuba's `pdf_position`): by default 1.
    func pdfPosition(_ uv: Point2Array, active: BoolArray, bindings: RenderBindings) -> FloatArray
    /// The size in texels (Mitsuba's `Texture::resolution`): by default 1 x 1; a bitmap's is its image size. A
    /// projector takes its image's aspect ratio from it.
    var resolution: (width: Int, height: Int) { get }
}

extension Texture {
    /// `eval(si.uv)`.
    public func eval(_ si: SurfaceInteraction, active: BoolArray, bindings: RenderBindings) -> Vector3Array {
        eval(si.uv, active: active, bindings: bindings)
    }
    /// `evalScalar(si.uv)`.
    public func evalScalar(_ si: SurfaceInteraction, active: BoolArray, bindings: RenderBindings) -> FloatArray {
        evalScalar(si.uv, active: active, bindings: bindings)
    }
    /// False: no gradient unless the texture defines one.
    public var hasGradient: Bool { false }
    /// nil: no gradient unless the texture defines one.
    public func evalGradient(_ si: SurfaceInteraction, active: BoolArray,
                             bindings: RenderBindings) -> Point2Array? { nil }
    /// `readsSurfaceCoordinates`.
    public var isSpatiallyVarying: Bool { readsSurfaceCoordinates }
    /// Uniform over the unit square: the sample, density 1 (Mitsuba's `Texture::sample_position`).
    public func samplePosition(_ sample: Point2Array, active: BoolArray,
                               bindings: RenderBindings) -> (uv: Point2Array, pdf: FloatArray) {
        (sample, FloatArray(repeating: 1, context: sample.x.context))
    }
    /// 1 (Mitsuba's `Texture::pdf_position`).
    public func pdfPosition(_ uv: Point2Array, active: BoolArray, bindings: RenderBindings) -> FloatArray {
        FloatArray(repeating: 1, context: uv.x.context)
    }
    /// 1 x 1 (Mitsuba's `Texture::resolution`).
    public var resolution: (width: Int, height: Int) { (1, 1) }
}

extension Texture {
    /// The luminance of the RGB value: 0.212671 R + 0.715160 G + 0.072169 B (Mitsuba's `luminance`).
    public func evalScalar(_ uv: Point2Array, active: BoolArray, bindings: RenderBindings) -> FloatArray {
        let rgb = eval(uv, active: active, bindings: bindings)
        return rgb.x * Float(0.212671) + rgb.y * Float(0.715160) + rgb.z * Float(0.072169)
    }
}
