// Per-lane material evaluation: each lane runs the BSDF of the shape it hit, through the Tracer's dispatch.
//
// A vector of lanes runs only the materials some lane of it hit (`dispatch`), so a scene of hundreds of
// materials costs what the ones actually hit cost, in the PRB adjoint pass too: the dispatch is differentiable,
// and gradients reach the BSDF parameters its cases capture.
import Tracer

/// The arguments of BSDF evaluations in several directions, each with its active lanes.
private struct MaterialQueries: TraversableStruct {
    var interaction: SurfaceInteraction
    var wo: [Vector3Array]
    var active: [BoolArray]

    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        interaction.traverse(&visitor)
        wo.traverse(&visitor)
        active.traverse(&visitor)
    }
}

/// The arguments of BSDF sampling.
private struct MaterialSampleQuery: TraversableStruct {
    var interaction: SurfaceInteraction
    var u1: FloatArray
    var u2: Point2Array

    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        interaction.traverse(&visitor)
        u1.traverse(&visitor)
        u2.traverse(&visitor)
    }
}

/// The arguments of a BSDF evaluation in one direction fused with sampling another.
private struct MaterialEvalSampleQuery: TraversableStruct {
    var interaction: SurfaceInteraction
    var wo: Vector3Array
    var u1: FloatArray
    var u2: Point2Array

    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        interaction.traverse(&visitor)
        wo.traverse(&visitor)
        u1.traverse(&visitor)
        u2.traverse(&visitor)
    }
}

/// What `Scene.evalPDFSampleBSDF` computes: the value and pdf in the given direction, a sampled direction, and
/// when asked the value in the sampled direction.
struct BSDFEvalAndSample: TraversableStruct {
    var evaluated: ValueAndPDF
    var sample: BSDFSample
    /// f(wi, wo) |cos θo| of the sampled direction (nil unless asked for).
    var sampledValue: Vector3Array?

    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        evaluated.traverse(&visitor)
        sample.traverse(&visitor)
        sampledValue?.traverse(&visitor)
    }
}

extension Scene {
    /// The material index of each lane's hit shape.
    func materialIndex(_ si: SurfaceInteraction) -> UInt32Array {
        if shapeMaterials.allSatisfy({ $0 == shapeMaterials.first }) {
            return UInt32Array(repeating: UInt32(shapeMaterials.first ?? 0), context: si.t.context)
        }
        if shapeMaterials == Array(shapeMaterials.indices) { return si.shapeIndex }
        return shapeTables.material.gather(si.shapeIndex)
    }

    /// The lanes whose hit shape uses material `material`.
    func lanes(onMaterial material: Int, _ si: SurfaceInteraction, _ active: BoolArray) -> BoolArray {
        let shapesOfMaterial = shapeMaterials.indices.filter { shapeMaterials[$0] == material }
        var mine = BoolArray(repeating: false, context: si.t.context)
        for shape in shapesOfMaterial { mine = mine | (si.shapeIndex .== UInt32(shape)) }
        return active & si.isValid & mine
    }

    /// True where the hit material has a smooth (non-Dirac) lobe, so next event estimation applies.
    func hasSmoothBSDF(_ si: SurfaceInteraction, active: BoolArray) -> BoolArray {
        let smooth = materials.indices.filter { materials[$0].bsdf.flags.hasSmooth }
        if smooth.count == materials.count { return active & si.isValid }
        var result = BoolArray(repeating: false, count: 1, context: si.t.context)
        for material in smooth { result = result | lanes(onMaterial: material, si, active) }
        return result
    }

    /// The null transmission of each lane's hit material (Mitsuba's `eval_null_transmission`): 1 for `null`, what
    /// passes straight through for `thindielectric`, `mask` and `blendbsdf`, 0 for materials without a null lobe
    /// (those are not evaluated) and where inactive.
    func nullTransmission(_ si: SurfaceInteraction, active: BoolArray, bindings: RenderBindings) -> Vector3Array {
        var result = Vector3Array.constant(.zero)
        for (material, entry) in materials.enumerated() where entry.bsdf.flags.contains(.null) {
            let mine = lanes(onMaterial: material, si, active)
            result = select(mine, entry.bsdf.nullTransmission(si, active: mine, bindings: bindings), result)
        }
        return result
    }

    /// Samples the hit material of each lane, its parameters as `bindings` give them.
    func sampleBSDF(_ si: SurfaceInteraction, u1: FloatArray, u2: Point2Array, active: BoolArray,
                    bindings: RenderBindings) -> BSDFSample {
        if materials.count > 1 {
            return dispatch(materialIndex(si), count: materials.count,
                            arguments: MaterialSampleQuery(interaction: si, u1: u1, u2: u2),
                            mask: active & si.isValid) { material, query in
                materials[material].bsdf.sample(query.interaction, u1: query.u1, u2: query.u2,
                                                 active: BoolArray(repeating: true, context: query.u1.context),
                                                 bindings: bindings)
            }
        }
        var combined: BSDFSample? = nil
        for (material, entry) in materials.enumerated() {
            let mine = lanes(onMaterial: material, si, active)
            let sample = entry.bsdf.sample(si, u1: u1, u2: u2, active: mine, bindings: bindings)
            combined = combined.map { select(mine, sample, $0) } ?? sample
        }
        return combined!
    }

    /// f(wi, wo) |cos θo| of each lane's hit material (0 where inactive).
    func evalBSDF(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                  bindings: RenderBindings) -> Vector3Array {
        if materials.count > 1 {
            return dispatch(materialIndex(si), count: materials.count,
                            arguments: SurfaceQuery(interaction: si, direction: wo),
                            mask: active & si.isValid) { material, query in
                materials[material].bsdf.eval(query.interaction, wo: query.direction,
                                               active: BoolArray(repeating: true, context: query.direction.x.context),
                                               bindings: bindings)
            }
        }
        var result = Vector3Array(Vector3f(0, 0, 0), count: 1)
        for (material, entry) in materials.enumerated() {
            let mine = lanes(onMaterial: material, si, active)
            result = select(mine, entry.bsdf.eval(si, wo: wo, active: mine, bindings: bindings), result)
        }
        return result
    }

    /// f(wi, wo) |cos θo| of each lane's hit material for several directions, each with its own active lanes (0
    /// where inactive), in one dispatch: its derivative is then one adjoint dispatch, not one per direction.
    func evalBSDF(_ si: SurfaceInteraction, _ queries: [(wo: Vector3Array, active: BoolArray)],
                  bindings: RenderBindings) -> [Vector3Array] {
        guard materials.count > 1 else {
            return queries.map { evalBSDF(si, wo: $0.wo, active: $0.active, bindings: bindings) }
        }
        let anyActive = queries.dropFirst().reduce(queries[0].active) { $0 | $1.active }
        return dispatch(materialIndex(si), count: materials.count,
                        arguments: MaterialQueries(interaction: si, wo: queries.map(\.wo),
                                                   active: queries.map(\.active)),
                        mask: anyActive & si.isValid) { material, query in
            zip(query.wo, query.active).map { wo, active in
                select(active, materials[material].bsdf.eval(query.interaction, wo: wo, active: active,
                                                             bindings: bindings),
                       Vector3Array(Vector3f(0, 0, 0), count: 1))
            }
        }
    }

    /// The solid-angle pdf of each lane's hit material (0 where inactive).
    func pdfBSDF(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                 bindings: RenderBindings) -> FloatArray {
        if materials.count > 1 {
            return dispatch(materialIndex(si), count: materials.count,
                            arguments: SurfaceQuery(interaction: si, direction: wo),
                            mask: active & si.isValid) { material, query in
                materials[material].bsdf.pdf(query.interaction, wo: query.direction,
                                              active: BoolArray(repeating: true, context: query.direction.x.context),
                                               bindings: bindings)
            }
        }
        var result = FloatArray(repeating: 0, context: si.t.context)
        for (material, entry) in materials.enumerated() {
            let mine = lanes(onMaterial: material, si, active)
            result = select(mine, entry.bsdf.pdf(si, wo: wo, active: mine, bindings: bindings), result)
        }
        return result
    }

    /// The value and the pdf of each lane's hit material in one direction (0 where inactive): Mitsuba's `eval_pdf`,
    /// one dispatch instead of two, so that what both compute (the frame, the cosines) is computed once.
    func evalPDFBSDF(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray,
                     bindings: RenderBindings) -> ValueAndPDF {
        guard materials.count > 1 else {
            return ValueAndPDF(value: evalBSDF(si, wo: wo, active: active, bindings: bindings),
                               pdf: pdfBSDF(si, wo: wo, active: active, bindings: bindings))
        }
        return dispatch(materialIndex(si), count: materials.count,
                        arguments: SurfaceQuery(interaction: si, direction: wo),
                        mask: active & si.isValid) { material, query in
            let all = BoolArray(repeating: true, context: query.direction.x.context)
            let bsdf = materials[material].bsdf
            return ValueAndPDF(value: bsdf.eval(query.interaction, wo: query.direction, active: all, bindings: bindings),
                               pdf: bsdf.pdf(query.interaction, wo: query.direction, active: all, bindings: bindings))
        }
    }

    /// Mitsuba's `eval_pdf_sample`: the value and pdf of each lane's hit material in direction `wo` (0 outside
    /// `evalActive`) and a sample drawn with `u1` and `u2` (where `active`), in one dispatch; with
    /// `evaluatingSample`, also the value in the sampled direction (`sampledBSDFValue`). Why: what these share (the
    /// material's texture lookups, the frame's cosines) is computed once per vertex, and a vector loops over its
    /// materials once. `evalActive` must lie within `active`.
    func evalPDFSampleBSDF(_ si: SurfaceInteraction, wo: Vector3Array, evalActive: BoolArray, u1: FloatArray,
                           u2: Point2Array, active: BoolArray, evaluatingSample: Bool = false,
                           bindings: RenderBindings) -> BSDFEvalAndSample {
        let zero3 = Vector3Array(repeating: Vector3f(0, 0, 0), count: 1)
        let fused: BSDFEvalAndSample
        if materials.count > 1 {
            fused = dispatch(materialIndex(si), count: materials.count,
                             arguments: MaterialEvalSampleQuery(interaction: si, wo: wo, u1: u1, u2: u2),
                             mask: active & si.isValid) { material, query in
                let all = BoolArray(repeating: true, context: query.u1.context)
                let bsdf = materials[material].bsdf
                let value = bsdf.eval(query.interaction, wo: query.wo, active: all, bindings: bindings)
                let sample = bsdf.sample(query.interaction, u1: query.u1, u2: query.u2, active: all, bindings: bindings)
                let pdf = bsdf.pdf(query.interaction, wo: query.wo, active: all, bindings: bindings)
                return BSDFEvalAndSample(
                    evaluated: ValueAndPDF(value: value, pdf: pdf),
                    sample: sample,
                    sampledValue: evaluatingSample
                        ? sampledValue(bsdf, query.interaction, sample, active: all, bindings: bindings) : nil)
            }
        } else {
            let sample = sampleBSDF(si, u1: u1, u2: u2, active: active, bindings: bindings)
            let sampled = evaluatingSample
                ? sampledBSDFValue(si, sample, active: active, bindings: bindings) : nil
            fused = BSDFEvalAndSample(
                evaluated: ValueAndPDF(value: evalBSDF(si, wo: wo, active: evalActive, bindings: bindings),
                                       pdf: pdfBSDF(si, wo: wo, active: evalActive, bindings: bindings)),
                sample: sample, sampledValue: sampled)
        }
        let zero = FloatArray(repeating: 0, context: si.t.context)
        return BSDFEvalAndSample(evaluated: ValueAndPDF(value: select(evalActive, fused.evaluated.value, zero3),
                                                        pdf: select(evalActive, fused.evaluated.pdf, zero)),
                                 sample: fused.sample, sampledValue: fused.sampledValue)
    }

    /// f(wi, wo) |cos θo| of each lane's sampled direction (0 outside `active`), outside a fused dispatch: the
    /// sample's weight times pdf when every material's is its value (no dispatch), else evaluated.
    func sampledBSDFValue(_ si: SurfaceInteraction, _ sample: BSDFSample, active: BoolArray,
                          bindings: RenderBindings) -> Vector3Array {
        guard materials.allSatisfy(\.bsdf.sampleWeightIsValueOverPDF) else {
            return evalBSDF(si, wo: sample.wo, active: active, bindings: bindings)
        }
        let zero = Vector3Array(repeating: Vector3f(0, 0, 0), count: 1)
        return select(active & si.isValid, sample.weight * sample.pdf, zero)
    }

    /// f(wi, wo) |cos θo| of `sample`'s direction: its weight times pdf where that is the value
    /// (`BSDF.sampleWeightIsValueOverPDF`), else evaluated.
    private func sampledValue(_ bsdf: any BSDF, _ si: SurfaceInteraction, _ sample: BSDFSample, active: BoolArray,
                              bindings: RenderBindings) -> Vector3Array {
        guard bsdf.sampleWeightIsValueOverPDF else {
            return bsdf.eval(si, wo: sample.wo, active: active, bindings: bindings)
        }
        return sample.weight * sample.pdf
    }
}
