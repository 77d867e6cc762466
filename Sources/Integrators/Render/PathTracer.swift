// The primal path tracer (Mitsuba's `path`, and the primal pass of `prb`): camera samples to radiance per lane.
import Tracer

/// Camera samples of a render: one lane per sample, the spp samples of a pixel in consecutive lanes.
struct CameraSamples {
    /// Continuous film positions (column + jitter, row + jitter), in pixels.
    var positions: Point2Array
    /// The camera rays.
    var rays: RayArray
    var laneCount: Int

    /// Draws the camera's samples in Mitsuba's order (the pixel jitter, then a point on the aperture where the
    /// sensor has one, then the time where the shutter stays open) and generates the rays.
    init(scene: Scene, samplesPerPixel spp: Int, sampler: inout Sampler) {
        let sensor = scene.sensor
        let film = sensor.film
        laneCount = film.laneCount(samplesPerPixel: spp)
        let context = TraceContext.current
        let lane = UInt32Array.arange(laneCount, context: context)
        let (column, row) = film.pixelCoordinates(ofPixel: lane / UInt32(spp))
        let jitter = sampler.next2D()
        positions = Point2Array(x: FloatArray(column) + jitter.x, y: FloatArray(row) + jitter.y)
        let aperture = sensor.projection.needsApertureSample ? sampler.next2D() : nil
        // Scenes are static, so the time moves nothing; it is drawn so that later samples are Mitsuba's.
        if sensor.shutterOpenTime > 0 { _ = sampler.next1D() }
        rays = sensor.sampleRays(position: positions, aperture: aperture)
    }
}

/// Told after each bounce of a wavefront pass: (bounces done, at most how many; -1 when unlimited).
public typealias RenderProgress = (Int, Int) -> Void

/// What the PRB adjoint records at each vertex of a replayed path: given the vertex, the state after it, the
/// caller's carried arrays and the bindings its lookups read (with the lanes' images where the wavefront moved
/// them), it records its work and returns the carried arrays as they are after the vertex.
typealias VertexRecorder = (PathVertex, PathState, [FloatArray], RenderBindings) -> [FloatArray]

/// The path-tracing loop: a wavefront run by the host, or one symbolic loop (`IntegratorSettings.pathLoop`).
enum PathTracer {
    /// Traces every lane's path and returns its radiance; lookups read the parameter values `bindings` give, and
    /// `progress` is told after each bounce how many of at most `maxDepth` bounces are done.
    ///
    /// `carried` are per-lane arrays of the caller's that follow the paths (the PRB adjoint's radiance still to come
    /// and adjoint radiance): `onVertex` sees each bounce with them, records its own work (scatters included) and
    /// returns them as they are after the bounce, to evaluate in the kernel of the path state.
    ///
    /// Once few paths remain, the wavefront is compacted (`WavefrontCompaction`): later bounces trace only the live
    /// lanes, the carried arrays included. Unless `IntegratorSettings.freezesBounces` is off, a bounce that records
    /// the same kernel as the one before it is not recorded at all: the previous bounce's launch is frozen
    /// (`TraceContext.evaluateFreezing`) and launched again on the new arrays, compacted ones too.
    ///
    /// With `IntegratorSettings.pathLoop` symbolic, every bounce runs in one kernel instead (`symbolicRadiance`),
    /// the PRB adjoint replay's too: its per-vertex `backward` is recorded in the loop body. There `hitLog` logs the
    /// mesh queries of a primal replay, or replays them in its adjoint pass (a wavefront has none: see
    /// `ReplayHitLog`). `companions` (per-lane arrays of the camera samples, such as the film's splat terms) are
    /// evaluated in the symbolic loop's kernel with the radiance, instead of in a kernel of their own.
    /// `onVertexFreezes`: `onVertex` records the same work for every render of the scene (`symbolicRadiance`).
    static func radiance(scene: Scene, rays: RayArray, laneCount: Int, sampler: Sampler,
                         bindings: RenderBindings, progress: RenderProgress? = nil, carried: [FloatArray] = [],
                         hitLog: ReplayHitLog.Use? = nil, onVertex: VertexRecorder? = nil,
                         onVertexFreezes: Bool = false, companions: [FloatArray] = []) -> Vector3Array {
        if scene.integrator.kind == .volpath {
            precondition(onVertex == nil && carried.isEmpty,
                         "render: the volpath integrator renders forward only (no gradients through media)")
            return VolumetricPathTracer.radiance(scene: scene, rays: rays, laneCount: laneCount, sampler: sampler,
                                                 bindings: bindings, progress: progress, companions: companions)
        }
        if scene.integrator.kind == .direct && onVertex == nil && carried.isEmpty {
            return DirectIntegrator.radiance(scene: scene, rays: rays, laneCount: laneCount, sampler: sampler,
                                             bindings: bindings)
        }
        if scene.integrator.pathLoop == .symbolic && scene.integrator.maxDepth != 0
            && scene.integrator.kind != .direct {
            return symbolicRadiance(scene: scene, rays: rays, laneCount: laneCount, sampler: sampler,
                                    bindings: bindings, progress: progress, carried: carried, hitLog: hitLog,
                                    onVertex: onVertex, onVertexFreezes: onVertexFreezes, companions: companions)
        }
        var arrays = LoopArrays(state: PathState(ray: rays, lanes: laneCount, tracksPosition: scene.hasSurfaceEmitters),
                                sampler: sampler, carried: carried,
                                laneImages: bindings.originalLaneImages(lanes: laneCount))
        var compaction = WavefrontCompaction(laneCount: laneCount)
        let context = TraceContext.current
        var frozen: FrozenBounce?
        var bounce = 0
        let maxDepth = scene.integrator.maxDepth
        while maxDepth < 0 || bounce < maxDepth {
            let outputs: [Node]
            if let launched = frozen?.launch(on: arrays, in: context) {
                outputs = launched
            } else {
                // Recorded in a function of its own, so that the vertex's expressions are released before the
                // evaluation: a freeze refuses steps that leave work pending on their arrays.
                func record() -> [Node] {
                    // Batched lookups read each lane's image from the loop's arrays (compacted with the rest).
                    let placed = bindings.placingLanes(arrays.laneImages)
                    var next = arrays
                    let (vertex, state) = PathVertex.trace(arrays.state, scene: scene, bindings: placed,
                                                           sampler: &next.sampler, recordsGradients: onVertex != nil)
                    next.state = state
                    next.carried = onVertex?(vertex, state, arrays.carried, placed) ?? arrays.carried
                    // How many lanes go on is a reduction computed by the same kernel as the state; the mask as
                    // words is what a compaction reads.
                    let activeWords = UInt32Array(state.active)
                    return next.nodes + [activeWords.node, activeWords.sum().node]
                }
                let stepStart = context.lastNodeID
                let launchesBefore = context.statistics.kernelsLaunched
                let recorded = record()
                // The first bounce (camera rays) records a kernel of its own; later ones freeze.
                frozen = bounce > 0 && scene.integrator.freezesBounces
                    ? FrozenBounce(evaluating: recorded, recordedAfter: stepStart, launchesBefore: launchesBefore,
                                   from: arrays, in: context) : nil
                if frozen == nil { context.evaluate(recorded) }
                outputs = recorded
            }
            arrays = arrays.replacing(outputs)
            let activeWords = UInt32Array(node: outputs[outputs.count - 2])
            let active = Int(UInt32Array(node: outputs[outputs.count - 1]).first)
            bounce += 1
            progress?(bounce, maxDepth)
            if active == 0 { break }
            let lastBounce = maxDepth >= 0 && bounce == maxDepth
            if !lastBounce && WavefrontCompaction.worthCompacting(activeLanes: active, of: activeWords.count,
                                                                  threshold: scene.integrator.compactionThreshold) {
                let index = WavefrontCompaction.activeIndices(activeWords, count: active)
                compaction.compact(arrays.state, to: index)
                arrays = arrays.keepingLanes(index)
                // The gathers run as a kernel of their own: inside the next bounce they would be a dependency across
                // sizes, which keeps that bounce's scatters out of its kernel. A frozen bounce goes on with the
                // compacted arrays (the lane images among them), fewer lanes.
                context.evaluate(arrays.nodes)
            }
        }
        return compaction.radiance(with: arrays.state.radiance)
    }
}
