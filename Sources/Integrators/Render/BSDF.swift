// The interface every BSDF plugin implements: sampling, evaluation and pdf in the local shading frame.
import Tracer

/// A BSDF plugin (`diffuse`, `twosided`, `dielectric`). Directions are in the local shading frame (`si.wi`),
/// radiance transport mode, all components. Every lookup reads its parameters' values from `bindings` (the render's,
/// `RenderBindings.value(of:)`), never from the slots, and hands the same bindings to the textures and BSDFs it
/// nests.
public protocol BSDF {
    /// The union of the lobes' flags.
    var flags: BSDFFlags { get }
    /// Samples wo given the 1D sample `u1` (lobe choice) and 2D sample `u2` (direction).
    func sample(_ si: SurfaceInteraction, u1: FloatArray, u2: Point2Array, active: BoolArray,
                bindings: RenderBindings) -> BSDFSample
    /// f(wi, wo) |cos θo|, RGB (0 for Dirac lobes).
    func eval(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray, bindings: RenderBindings) -> Vector3Array
    /// The solid-angle pdf of sampling wo (0 for Dirac lobes).
    func pdf(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray, bindings: RenderBindings) -> FloatArray
    /// The differentiable values of this BSDF, under keys relative to it (e.g. "reflectance.data").
    var parameters: [(key: String, slot: ParameterSlot)] { get }
    /// True when its values depend on the surface coordinates `si.uv` (a textured parameter). Shapes whose BSDF
    /// does not read them skip computing them (a sphere's uv costs two atan2 per hit).
    var readsSurfaceCoordinates: Bool { get }
    /// True when `sample`'s weight times its pdf is the value of the sampled direction, f(wi, wo) |cos θo| (up to
    /// rounding): every lobe smooth, and the weight the ratio of the value and pdf of all lobes together (not of
    /// the lobe drawn). The PRB adjoint then reads the value from the sample instead of evaluating it again.
    var sampleWeightIsValueOverPDF: Bool { get }
    /// How much light passes straight through a null lobe, RGB (Mitsuba's `eval_null_transmission`; 0 without one).
    func nullTransmission(_ si: SurfaceInteraction, active: BoolArray, bindings: RenderBindings) -> Vector3Array
    /// The albedo of its diffuse part, RGB (Mitsuba's `eval_diffuse_reflectance`, the `aov` integrator's albedo).
    func diffuseReflectance(_ si: SurfaceInteraction, active: BoolArray, bindings: RenderBindings) -> Vector3Array
}

extension BSDF {
    /// False: the sampled direction's value is evaluated (the default).
    public var sampleWeightIsValueOverPDF: Bool { false }

    /// How much light passes the surface unchanged through a null lobe (Mitsuba's `eval_null_transmission`), RGB:
    /// what `volpath`'s shadow rays carry through the surface. 0 for a BSDF without one (the default).
    public func nullTransmission(_ si: SurfaceInteraction, active: BoolArray, bindings: RenderBindings) -> Vector3Array {
        Vector3Array(repeating: Vector3f(0, 0, 0), count: 1)
    }

    /// 0: no diffuse part (the default).
    public func diffuseReflectance(_ si: SurfaceInteraction, active: BoolArray,
                                   bindings: RenderBindings) -> Vector3Array {
        Vector3Array(repeating: Vector3f(0, 0, 0), count: 1)
    }
}
