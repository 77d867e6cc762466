// The alpha of a camera sample (Mitsuba's `valid` flag of an integrator's sample): what an RGBA film develops.
import Tracer

extension Scene {
    /// Per camera ray, 1 where the integrator `settings` counts the sample as valid and 0 elsewhere, as Mitsuba
    /// 3.9.1's integrators return `valid` for the film's alpha channel:
    /// - `path`: everywhere when an environment is shown (`hide_emitters` off); otherwise where the camera ray
    ///   meets a surface (behind hidden area lights), at depth 1 only an emitting one, at depth 0 nowhere;
    /// - `prb`, `prb_basic` and `direct`: where the camera ray meets a surface;
    /// - `aov` and `moment`: their first nested integrator's (0 without one);
    /// - `volpath` is not handled here: its alpha comes out of its path loop (`VolumetricPathTracer.trace`).
    /// `firstHits`, the camera rays' intersections where the caller has them, saves tracing them again.
    func cameraSampleAlpha(rays: RayArray, settings: IntegratorSettings,
                           firstHits: SurfaceInteraction? = nil) -> FloatArray {
        let context = rays.maxT.context
        let lanes = rays.maxT.count
        let one = FloatArray(repeating: 1, count: lanes, context: context)
        let zero = FloatArray(repeating: 0, count: lanes, context: context)
        switch settings.kind {
        case .aov, .moment:
            guard let first = settings.nested.first else { return zero }
            return cameraSampleAlpha(rays: rays, settings: first.settings, firstHits: firstHits)
        case .path where environmentIndex != nil && !settings.hideEmitters:
            return one
        case .path where settings.maxDepth == 0:
            return zero
        default:
            break
        }
        let all = BoolArray(repeating: true, count: lanes, context: context)
        var si = firstHits ?? intersect(rays, active: all)
        if settings.hideEmitters && hasSurfaceEmitters { si = skippingAreaEmitters(si, ray: rays, active: all) }
        var valid = si.isValid
        if settings.kind == .path && settings.maxDepth == 1 {
            // The path ends at its first vertex, which counts only where it emits (and emitters are shown).
            let emits = shapeTables.emits
            valid = settings.hideEmitters ? BoolArray(repeating: false, count: lanes, context: context)
                : valid & (emits.gather(si.shapeIndex, mask: valid) .!= 0)
        }
        return select(valid, one, zero)
    }
}
