// The `volpath` integrator's loop: every lane's path through media and surfaces as one symbolic loop.
import Tracer

enum VolumetricPathTracer {
    /// Every lane's radiance from Mitsuba's volumetric path tracer: the path's colour channel is drawn first (the
    /// channel whose extinction samples its free flights), then `VolumetricPathVertex.trace` runs in a symbolic
    /// loop until the lane's path ends. Camera rays start in the sensor's medium. The radiance is evaluated here,
    /// with `companions` (per-lane arrays of the camera samples) in the same kernel; `progress` is told once.
    static func radiance(scene: Scene, rays: RayArray, laneCount: Int, sampler: Sampler, bindings: RenderBindings,
                         progress: RenderProgress?, companions: [FloatArray]) -> Vector3Array {
        trace(scene: scene, rays: rays, laneCount: laneCount, sampler: sampler, bindings: bindings,
              progress: progress, companions: companions, withAlpha: false).radiance
    }

    /// `radiance`, and with `withAlpha` each sample's alpha (1 where Mitsuba's `valid_ray` holds: the path met a
    /// medium event or a surface that is not a null pass, or an environment is shown), evaluated in the same kernel.
    static func trace(scene: Scene, rays: RayArray, laneCount: Int, sampler: Sampler, bindings: RenderBindings,
                      progress: RenderProgress?, companions: [FloatArray], withAlpha: Bool)
        -> (radiance: Vector3Array, alpha: FloatArray?) {
        let context = TraceContext.current
        var sampler = sampler
        let uChannel = sampler.next1D()
        let channel = min(UInt32Array(uChannel * 3), UInt32Array(repeating: 2))
        let medium = UInt32(scene.sensorMedium ?? Int(MediumTable.vacuum))
        let start = VolumetricPathState(
            active: BoolArray(repeating: true, count: laneCount, context: context),
            depth: UInt32Array(repeating: 0, count: laneCount, context: context),
            ray: rays,
            throughput: Vector3Array(repeating: Vector3f(1, 1, 1), count: 1),
            radiance: Vector3Array(repeating: .zero, count: 1),
            eta: FloatArray(repeating: 1, context: context),
            medium: UInt32Array(repeating: medium, count: laneCount, context: context),
            lastScatterPosition: rays.origin,
            lastScatterPDF: FloatArray(repeating: 1, context: context),
            // Mitsuba starts the chain unless emitters are hidden (then nothing seen directly counts).
            specularChain: BoolArray(repeating: !scene.integrator.hideEmitters, count: laneCount, context: context),
            valid: BoolArray(repeating: !scene.integrator.hideEmitters && scene.environmentIndex != nil,
                             count: laneCount, context: context),
            channel: channel, sampler: sampler)
        let media = MediumTable(scene: scene)
        let end = whileLoop(start, mode: .symbolic) { $0.active } body: { state in
            VolumetricPathVertex.trace(state, scene: scene, media: media, bindings: bindings)
        }
        let alpha = withAlpha ? select(end.valid, FloatArray(repeating: 1), FloatArray(repeating: 0)) : nil
        context.evaluate((end.radiance.components + (alpha.map { [$0] } ?? []) + companions).map(\.node))
        let maxDepth = scene.integrator.maxDepth
        progress?(max(maxDepth, 1), maxDepth)
        return (end.radiance, alpha)
    }
}
