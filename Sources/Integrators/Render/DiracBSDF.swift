// BSDFs whose every lobe is a Dirac delta (or null): eval and pdf are 0 for any pair of directions.
import Tracer

/// A BSDF whose lobes are all Dirac deltas or null lobes (`conductor`, `dielectric`, `thindielectric`, `null`):
/// no direction has a density, so `eval` and `pdf` are 0 and only `sample` carries light.
public protocol DiracBSDF: BSDF {}

extension DiracBSDF {
    /// 0: every lobe is a Dirac delta.
    public func eval(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                     bindings: RenderBindings) -> Vector3Array {
        Vector3Array(repeating: .zero, count: Swift.max(si.wi.count, wo.count))
    }

    /// 0: every lobe is a Dirac delta.
    public func pdf(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                    bindings: RenderBindings) -> FloatArray {
        FloatArray(repeating: 0, count: Swift.max(si.wi.count, wo.count))
    }
}
