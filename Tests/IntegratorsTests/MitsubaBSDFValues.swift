// What the fixture scripts store of Mitsuba's BSDF evaluations, decoded the same way by every value test.

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
