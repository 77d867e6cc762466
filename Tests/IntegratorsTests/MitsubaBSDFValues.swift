// What the fixture scripts store of Mitsuba's BSDF evaluations, and ours at the same inputs, for the value tests.
import Tracer
@testable import Integrators

/// Mitsuba's eval, pdf and sample of one BSDF configuration at the script's directions and samples. Fields a
/// script does not write are nil.
struct MitsubaBSDFRecord: Decodable {
    var eval: [[Float]]
    var pdf: [Float]
    var sample_wo: [[Float]]
    var sample_pdf: [Float]
    var sample_weight: [[Float]]
    var sample_delta: [Bool]?
    var sample_eta: [Float]?
    /// The directions of this configuration where they are not the shared ones (`_flip` in the scripts).
    var wi: [[Float]]?
    var wo: [[Float]]?
    /// mi.traverse's keys of the configuration.
    var keys: [String]?
}

/// A script's shared directions and samples and its records by configuration name.
struct MitsubaBSDFValues: Decodable {
    var wi: [[Float]]
    var wo: [[Float]]
    var u1: [Float]
    var u2: [[Float]]
    var bsdfs: [String: MitsubaBSDFRecord]
}

/// Our BSDF's answers at a record's inputs, per lane in the layout of `MitsubaBSDFRecord`.
struct OurBSDFValues {
    var eval: [[Float]]
    var pdf: [Float]
    var sampleWo: [[Float]]
    var samplePdf: [Float]
    var sampleWeight: [[Float]]
    var sampleEta: [Float]
    var sampleDelta: [Bool]
}

extension MitsubaBSDFValues {
    /// `bsdf` evaluated, its pdf taken and sampled at `record`'s directions (the shared ones where it has none of
    /// its own) and the shared samples, in the current trace context.
    func ours(_ bsdf: any BSDF, at record: MitsubaBSDFRecord) -> OurBSDFValues {
        func vectors(_ rows: [[Float]]) -> [Vector3f] { rows.map { Vector3f($0[0], $0[1], $0[2]) } }
        func rows(_ v: [Vector3f]) -> [[Float]] { v.map { [$0.x, $0.y, $0.z] } }
        let si = PluginFixtures.interaction(wi: vectors(record.wi ?? wi))
        let directions = Vector3Array(vectors(record.wo ?? wo))
        let sample = bsdf.sample(si, u1: FloatArray(u1), u2: Point2Array(u2.map { SIMD2($0[0], $0[1]) }), active: true)
        return OurBSDFValues(eval: rows(bsdf.eval(si, wo: directions, active: true).values),
                             pdf: bsdf.pdf(si, wo: directions, active: true).values,
                             sampleWo: rows(sample.wo.values), samplePdf: sample.pdf.values,
                             sampleWeight: rows(sample.weight.values), sampleEta: sample.eta.values,
                             sampleDelta: sample.isDelta.values)
    }
}
