// Emitter sampling and evaluation over all of a scene's emitters, as Mitsuba's Scene does it.
//
// Emitter sampling picks one emitter per lane (uniformly, or by `samplingWeight` when the weights differ) and
// reuses the sample's first coordinate for the emitter's own sampling, as Mitsuba's `sample_emitter` does. Each
// lane then runs only its emitter's code (the Tracer's dispatch), except where emitter values are being
// differentiated, where every emitter is evaluated and the results are selected per lane.
import Tracer

/// The arguments of a per-lane emitter query, as one traversable value for the dispatch.
private struct EmitterQuery: TraversableStruct {
    var reference: Vector3Array
    var sample: Point2Array
    var target: EmitterSample

    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        reference.traverse(&visitor)
        sample.traverse(&visitor)
        target.traverse(&visitor)
    }
}

/// An emitter sample and its weight, as one traversable result.
private struct SampledEmitter: TraversableStruct {
    var sample: EmitterSample
    var weight: Vector3Array

    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        sample.traverse(&visitor)
        weight.traverse(&visitor)
    }
}

/// The arguments of evaluating emission where a ray arrived together with its emitter-sampling density.
private struct ArrivalAndDensityQuery: TraversableStruct {
    var arrival: SurfaceQuery
    var density: EmitterQuery

    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        arrival.traverse(&visitor)
        density.traverse(&visitor)
    }
}

/// What next event estimation sampled at each lane: the emitter chosen, the sample, its weight (radiance / pdf,
/// the choice's probability included, 0 where occluded) and whether the shadow ray was unobstructed.
struct EmitterSampleRecord {
    var emitter: UInt32Array
    var sample: EmitterSample
    var weight: Vector3Array
    var visible: BoolArray
}

/// The arguments of next event estimation at a surface: the interaction, the 2D sample and the lanes sampling.
/// Inside a case `active` holds on every lane the case runs, and passing it keeps the case's operations in the
/// render's context: with a literal mask, an operation on a scene value and that mask alone would be recorded, and
/// evaluated, in the scene's context.
private struct SurfaceSampleQuery: TraversableStruct {
    var interaction: SurfaceInteraction
    var sample: Point2Array
    var active: BoolArray

    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        interaction.traverse(&visitor)
        sample.traverse(&visitor)
        active.traverse(&visitor)
    }
}

extension EmitterSampleRecord: TraversableStruct {
    /// Visits emitter, sample, weight and visible, in that order (a dispatch returns the record).
    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        emitter.traverse(&visitor)
        sample.traverse(&visitor)
        weight.traverse(&visitor)
        visible.traverse(&visitor)
    }
}

extension Scene {
    /// The sphere around the scene's geometry, as emitters at infinity see it.
    var emitterBounds: EmitterSceneBounds {
        EmitterSceneBounds(center: boundingSphere.center, radius: boundingSphere.radius)
    }

    /// Whether any emitter is on a surface (then paths remember their previous vertex for MIS on hits).
    var hasSurfaceEmitters: Bool { shapeEmitters.contains { $0 != nil } }

    /// Whether an area light's radiance varies over its surface (then its density at a hit reads the hit's uv).
    var hasTexturedAreaLights: Bool { shapes.contains { $0.emitter?.readsSurfaceCoordinates ?? false } }

    /// True when emitter values are being differentiated (gradients recorded and some emitter parameter tracked in
    /// `bindings`): then every emitter is evaluated on every lane instead of dispatching.
    func emittersNeedGradients(_ context: TraceContext, bindings: RenderBindings) -> Bool {
        context.isRecordingGradients
            && emitters.contains { $0.emitter.parameters.contains { bindings.value(of: $0.slot).requiresGradient } }
    }

    /// The probability of emitter sampling picking emitter `index` (Mitsuba's `pdf_emitter`).
    func emitterPMF(_ index: UInt32Array) -> FloatArray {
        guard let distribution = emitterDistribution else {
            return FloatArray(repeating: emitters.isEmpty ? 0 : 1 / Float(emitters.count), context: index.context)
        }
        return distribution.evalPMFNormalized(index)
    }

    /// The distribution of emitter choices among `emitters` when their sampling weights differ (nil: uniform). Made
    /// once with the scene (`Scene.emitterDistribution`): a table made by each recording would be a buffer of that
    /// render's, which a frozen path loop cannot keep, and the same table built again for every lookup.
    static func emitterDistribution(of emitters: [SceneEmitter]) -> DiscreteDistribution? {
        let weights = emitters.map(\.emitter.samplingWeight)
        guard emitters.count > 1, weights.contains(where: { $0 != weights[0] }) else { return nil }
        return try? DiscreteDistribution(weights)
    }

    /// Runs `body` for each lane's emitter `index` through the (differentiable) dispatch. Lanes where `mask` is
    /// false get unspecified values.
    private func perEmitter<Arguments: TraversableStruct, Result: TraversableStruct>(
        _ index: UInt32Array, arguments: Arguments, mask: BoolArray,
        _ body: @escaping (any Emitter, Arguments, BoolArray) -> Result
    ) -> Result {
        if emitters.count == 1 { return body(emitters[0].emitter, arguments, mask) }
        let context = index.context
        return dispatch(index, count: emitters.count, arguments: arguments, mask: mask) { number, arguments in
            body(emitters[number].emitter, arguments, BoolArray(repeating: true, context: context))
        }
    }

    /// Next event estimation's emitter sample from each active lane's surface point (Mitsuba's
    /// `sample_emitter_direction` with the visibility test): the weight is 0 and the pdf 0 where the shadow ray is
    /// blocked.
    ///
    /// Where the shadow ray meets analytic shapes, no hit log is kept and nothing it reads is differentiated, the
    /// sample and its shadow ray are one one-case dispatch over `active`, so a vector with no lane sampling an
    /// emitter (all of them on Dirac surfaces, past the depth limit, or ended) skips them; the arithmetic of every
    /// lane is unchanged. Measured: the tutorial's forward 16.1-16.2 -> 17.8-18.0 Ms/s, roughplastic's 7.1-7.3 ->
    /// 7.8-7.9; in scenes of meshes alone nothing to gain (their shadow query, a native call, already skips such
    /// vectors) and 1-3% lost to the dispatch. (A tracked emitter value would make the dispatch differentiate
    /// itself, which the plain code does more cheaply.)
    func sampleEmitterDirection(_ si: SurfaceInteraction, sample: Point2Array, active: BoolArray,
                                bindings: RenderBindings, queries: ReplayQueries? = nil) -> EmitterSampleRecord {
        let context = si.t.context
        let query = SurfaceSampleQuery(interaction: si, sample: sample, active: active)
        let differentiated = context.isRecordingGradients
            && (emittersNeedGradients(context, bindings: bindings) || query.requiresGradient)
        guard hasAnalyticShapes, queries == nil, !differentiated else {
            return sampleVisibleEmitterDirection(si, sample: sample, active: active, bindings: bindings,
                                                 queries: queries)
        }
        return dispatch(UInt32Array(repeating: 0, context: context), count: 1, arguments: query,
                        mask: active) { _, query in
            self.sampleVisibleEmitterDirection(query.interaction, sample: query.sample, active: query.active,
                                               bindings: bindings, queries: nil)
        }
    }

    /// `sampleEmitterDirection` on every lane of `active`.
    private func sampleVisibleEmitterDirection(_ si: SurfaceInteraction, sample: Point2Array, active: BoolArray,
                                               bindings: RenderBindings,
                                               queries: ReplayQueries?) -> EmitterSampleRecord {
        var (index, sample, weight) = sampleEmitterDirection(from: si.p, sample: sample, active: active,
                                                             bindings: bindings)
        let candidate = active & (sample.pdf .!= 0)
        let visible = isUnoccluded(si.spawnRay(to: sample.p), active: candidate, queries: queries)
        let zero = Vector3Array.constant(.zero)
        sample.pdf = select(visible, sample.pdf, .constant(0))
        return EmitterSampleRecord(emitter: index, sample: sample, weight: select(visible, weight, zero),
                                   visible: visible)
    }

    /// An emitter sample seen from each active lane's point `reference`, without a visibility test (Mitsuba's
    /// `sample_emitter_direction` with `test_visibility` false): the emitter chosen, the sample (its pdf includes
    /// the choice's probability) and its weight, radiance / pdf.
    func sampleEmitterDirection(from reference: Vector3Array, sample: Point2Array, active: BoolArray,
                                bindings: RenderBindings) -> (emitter: UInt32Array, sample: EmitterSample,
                                                              weight: Vector3Array) {
        let context = reference.x.context
        var sample = sample
        var index = UInt32Array(repeating: 0, context: context)
        var choiceWeight: FloatArray? = nil
        if emitters.count > 1 {
            if let distribution = emitterDistribution {
                let (chosen, reused) = distribution.sampleReuse(sample.x, active: active)
                index = chosen
                choiceWeight = 1 / distribution.evalPMFNormalized(chosen, active: active)
                sample.x = reused
            } else {
                let count = Float(emitters.count)
                let scaled = sample.x * count
                index = min(UInt32Array(scaled), UInt32Array(repeating: UInt32(emitters.count - 1), context: context))
                choiceWeight = FloatArray(repeating: count, context: context)
                sample.x = scaled - FloatArray(index)
            }
        }
        let bounds = emitterBounds
        let placeholder = EmitterSample(p: .constant(.zero), n: .constant(.zero), d: .constant(.zero),
                                        dist: .constant(0), pdf: .constant(0), isDelta: BoolArray(repeating: false))
        let query = EmitterQuery(reference: reference, sample: sample, target: placeholder)
        var sampled = perEmitter(index, arguments: query, mask: active) { emitter, query, mask -> SampledEmitter in
            var (emitterSample, weight) = emitter.sampleDirection(from: query.reference, sample: query.sample,
                                                                   bounds: bounds, active: mask,
                                                                   bindings: bindings)
            // Every case returns the same fields; the sample's uv serves only an emitter's own later lookups.
            emitterSample.uv = nil
            return SampledEmitter(sample: emitterSample, weight: weight)
        }
        if let choiceWeight {
            sampled.sample.pdf = sampled.sample.pdf / choiceWeight
            sampled.weight = sampled.weight * choiceWeight
        }
        return (index, sampled.sample, sampled.weight)
    }

    /// The emitter index seen where each ray arrived: the hit shape's area light, or the environment where the ray
    /// left the scene; `UInt32.max` where there is none.
    func arrivalEmitter(_ si: SurfaceInteraction, active: BoolArray) -> UInt32Array {
        let context = si.t.context
        let none = UInt32Array(repeating: .max, context: context)
        let environment = environmentIndex.map { UInt32Array(repeating: UInt32($0), context: context) } ?? none
        guard hasSurfaceEmitters else { return select(si.isValid, none, environment) }
        return select(si.isValid, shapeTables.emitter.gather(si.shapeIndex, mask: active & si.isValid), environment)
    }

    /// The radiance each ray sees where it arrived (an area light's front side, or the environment in the ray's
    /// direction), 0 where it reached no emitter.
    func arrivalRadiance(_ si: SurfaceInteraction, emitter index: UInt32Array, direction: Vector3Array,
                         active: BoolArray, bindings: RenderBindings) -> Vector3Array {
        let reaches = active & (index .!= UInt32.max)
        let query = SurfaceQuery(interaction: si, direction: direction)
        let radiance = perEmitter(index, arguments: query, mask: reaches) { emitter, query, mask in
            emitter.eval(query.interaction, direction: query.direction, active: mask, bindings: bindings)
        }
        return select(reaches, radiance, .constant(.zero))
    }

    /// The radiance each ray sees where it arrived (as `arrivalRadiance`) on the lanes of `radianceActive`, and on
    /// those of `pdfActive` the density with which emitter sampling from `reference` would have produced that
    /// arrival (Mitsuba's `pdf_emitter_direction`, the emitter choice included); 0 elsewhere and where no emitter
    /// was reached. One dispatch: each emitter's `eval` and `pdfDirection` run in one case.
    func arrivalRadianceAndPDF(_ si: SurfaceInteraction, emitter index: UInt32Array, from reference: Vector3Array?,
                               direction: Vector3Array, radianceActive: BoolArray, pdfActive: BoolArray,
                               bindings: RenderBindings) -> ValueAndPDF {
        let reached = index .!= UInt32.max
        let radianceLanes = radianceActive & reached, pdfLanes = pdfActive & reached
        let query = ArrivalAndDensityQuery(arrival: SurfaceQuery(interaction: si, direction: direction),
                                           density: densityQuery(si, from: reference, direction: direction))
        let both = perEmitter(index, arguments: query, mask: radianceLanes | pdfLanes) { emitter, query, mask in
            ValueAndPDF(value: emitter.eval(query.arrival.interaction, direction: query.arrival.direction,
                                            active: mask, bindings: bindings),
                        pdf: emitter.pdfDirection(from: query.density.reference, query.density.target,
                                                  active: mask, bindings: bindings))
        }
        return ValueAndPDF(value: select(radianceLanes, both.value, .constant(.zero)),
                           pdf: choiceDensity(both.pdf, emitter: index, reaches: pdfLanes))
    }

    /// The emitter-sampling query whose target is the arrival at `si` (a point on an area light, or the environment
    /// in `direction` where the ray left the scene), seen from `reference`.
    private func densityQuery(_ si: SurfaceInteraction, from reference: Vector3Array?,
                              direction: Vector3Array) -> EmitterQuery {
        let origin = reference ?? .constant(.zero)
        let offset = si.p - origin
        let dist = offset.length
        let d = select(si.isValid, offset / dist, direction)
        let target = EmitterSample(p: si.p, n: si.frame.n, d: d,
                                   dist: select(si.isValid, dist, .constant(.infinity)),
                                   pdf: .constant(0), isDelta: BoolArray(repeating: false),
                                   uv: hasTexturedAreaLights ? si.uv : nil)
        return EmitterQuery(reference: origin, sample: Point2Array(repeating: 0, 0), target: target)
    }

    /// An emitter's directional density times the probability of choosing it, 0 outside `reaches`.
    private func choiceDensity(_ pdf: FloatArray, emitter index: UInt32Array, reaches: BoolArray) -> FloatArray {
        let chosen = select(reaches, index, UInt32Array(repeating: 0, context: index.context))
        return select(reaches, pdf * emitterPMF(chosen), .constant(0))
    }

    /// With `hide_emitters`, camera rays pass through area lights (Mitsuba's `skip_area_emitters`): where an active
    /// lane hit an emitting shape, the ray goes on from the hit in its own direction, up to `limit` emitters deep.
    func skippingAreaEmitters(_ si: SurfaceInteraction, ray: RayArray, active: BoolArray, limit: Int = 4)
        -> SurfaceInteraction {
        let table = shapeTables.emits
        var current = si
        for _ in 0..<limit {
            let onEmitter = active & current.isValid
                & (table.gather(current.shapeIndex, mask: active & current.isValid) .!= 0)
            let beyond = intersect(current.spawnRay(direction: ray.direction), active: onEmitter)
            current = select(onEmitter, beyond, current)
        }
        return current
    }
}
