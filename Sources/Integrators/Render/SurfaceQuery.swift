// A surface interaction with one direction at it: the arguments of a per-lane dispatch over materials or emitters.
import Tracer

/// A hit and a direction there (a BSDF's outgoing direction, or the direction a ray arrived from), traversable so
/// that a dispatch can pass it to its cases.
struct SurfaceQuery: TraversableStruct {
    var interaction: SurfaceInteraction
    var direction: Vector3Array

    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        interaction.traverse(&visitor)
        direction.traverse(&visitor)
    }
}
