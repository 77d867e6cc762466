// A colour and a solid-angle density computed together, as one traversable dispatch result.
import Tracer

/// A value and its pdf in one direction: a BSDF's f(wi, wo) |cos θo| with its sampling density (Mitsuba's
/// `eval_pdf`), or an emitter's radiance where a ray arrived with the density of sampling it there.
struct ValueAndPDF: TraversableStruct {
    var value: Vector3Array
    var pdf: FloatArray

    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        value.traverse(&visitor)
        pdf.traverse(&visitor)
    }
}
