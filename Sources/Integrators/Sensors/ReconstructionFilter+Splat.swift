// What a film keeps per sample so that the lanes of neighbouring pixels can form the sample's weight on them.
import Tracer

extension ReconstructionFilter {
    /// Per sample at u = 0.5 − (its position within its pixel) along one axis, the arrays from which
    /// `weight(splatTerms:offset:)` forms f(d + u) for any pixel offset d: the gaussian's two factors
    /// (`gaussianFactors`), for the other filters u itself.
    func splatTerms(_ u: FloatArray) -> [FloatArray] {
        if case .gaussian = self {
            let factors = gaussianFactors(u)
            return [factors.square, factors.ratio]
        }
        return [u]
    }

    /// f(d + u) from `splatTerms(u)`. For filters other than the gaussian, d + u is exact: u is 0.5 minus a
    /// multiple of the position's spacing in [0, 1], so d + u (|d + u| below reach + 1) is that multiple too, and it
    /// equals Mitsuba's (pixel centre − position) stepped one pixel at a time.
    func weight(splatTerms terms: [FloatArray], offset d: Int) -> FloatArray {
        if case .gaussian = self {
            return weight(factors: (terms[0], terms[1]), offset: d)
        }
        return weight(d == 0 ? terms[0] : terms[0] + Float(d))
    }
}
