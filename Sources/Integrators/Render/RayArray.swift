// Rays, one per lane: origin, direction and the largest distance along them that counts.
import Tracer

/// One ray per lane. `direction` need not be normalised for intersection, but every ray the renderer spawns is.
public struct RayArray {
    /// Ray origins o.
    public var origin: Vector3Array
    /// Ray directions d.
    public var direction: Vector3Array
    /// Hits beyond this distance (in units of |d|) are ignored.
    public var maxT: FloatArray

    public init(origin: Vector3Array, direction: Vector3Array, maxT: FloatArray) {
        self.origin = origin
        self.direction = direction
        self.maxT = maxT
    }

    /// The point o + t d.
    public func at(_ t: FloatArray) -> Vector3Array { origin + direction * t }

    /// Per lane: this ray where `mask`, else `other`.
    public func selecting(_ mask: BoolArray, else other: RayArray) -> RayArray {
        RayArray(origin: select(mask, origin, other.origin), direction: select(mask, direction, other.direction),
                 maxT: Tracer.select(mask, maxT, other.maxT))
    }
}

extension RayArray: TraversableStruct {
    /// Visits the origin, the direction, then maxT.
    public mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        origin.traverse(&visitor)
        direction.traverse(&visitor)
        maxT.traverse(&visitor)
    }
}
