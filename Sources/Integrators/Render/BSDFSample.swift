// The result of sampling a BSDF, per lane, and its traversal for loops and dispatch.
import Tracer

/// The result of sampling a BSDF, per lane (meaningful where the sample is valid: weight 0 otherwise).
public struct BSDFSample {
    /// Sampled outgoing direction wo, in the local shading frame.
    public var wo: Vector3Array
    /// Solid-angle density of wo, or the discrete lobe probability for a Dirac lobe (then detached).
    public var pdf: FloatArray
    /// Relative index of refraction along the sampled path (1 for reflection).
    public var eta: FloatArray
    /// BSDF value times |cos θo| divided by pdf (Mitsuba's `bsdf_weight`), RGB.
    public var weight: Vector3Array
    /// True where the sampled lobe is a Dirac delta.
    public var isDelta: BoolArray

    public init(wo: Vector3Array, pdf: FloatArray, eta: FloatArray, weight: Vector3Array, isDelta: BoolArray) {
        self.wo = wo
        self.pdf = pdf
        self.eta = eta
        self.weight = weight
        self.isDelta = isDelta
    }

    /// A sample of a smooth reflection lobe over `lanes` lanes: eta 1, not Dirac, weight 0 outside `valid`.
    static func reflection(wo: Vector3Array, pdf: FloatArray, weight: Vector3Array, valid: BoolArray,
                           lanes: Int) -> BSDFSample {
        BSDFSample(wo: wo, pdf: pdf, eta: FloatArray(repeating: 1, count: lanes),
                   weight: select(valid, weight, .constant(.zero)), isDelta: BoolArray(repeating: false, count: lanes))
    }
}

extension BSDFSample: TraversableStruct {
    /// Visits wo, pdf, eta, weight and isDelta, in that order.
    public mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        wo.traverse(&visitor)
        pdf.traverse(&visitor)
        eta.traverse(&visitor)
        weight.traverse(&visitor)
        isDelta.traverse(&visitor)
    }
}
