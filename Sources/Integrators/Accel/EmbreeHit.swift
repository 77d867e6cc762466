// What a ray query against an Embree scene returns per lane: distance, barycentrics and the ids of the triangle hit.
import Tracer

/// The closest hit of each lane's ray in an `EmbreeScene` (Mitsuba's preliminary intersection). On lanes that miss
/// or were not active: `isHit` false, `t` = +inf, `u` = `v` = 0 and every id `UInt32.max`.
public struct EmbreeHit: TraversableStruct {
    /// Distance along the ray to the hit, in units of |d|; +inf on a miss.
    public var t: FloatArray
    /// Barycentric coordinates of the hit: p = (1 - u - v) p0 + u p1 + v p2 over the triangle's vertices.
    public var u: FloatArray
    public var v: FloatArray
    /// The triangle's index within its mesh.
    public var primitive: UInt32Array
    /// The mesh: its index in the scene's `meshes` for a top-level hit; for a hit inside an instance, the index of
    /// the mesh within the instance's group.
    public var geometry: UInt32Array
    /// The index in the scene's `instances` of the instance hit, or `UInt32.max` when the hit is not in one.
    public var instance: UInt32Array
    /// Whether the ray hit anything before its `maxT`.
    public var isHit: BoolArray
    /// The scene queried: kept alive while the hit exists, since the query runs only when the hit is evaluated.
    let scene: EmbreeScene?

    /// A hit from its arrays (for templates and tests; queries return hits made by `EmbreeScene.intersect`).
    public init(t: FloatArray, u: FloatArray, v: FloatArray, primitive: UInt32Array, geometry: UInt32Array,
                instance: UInt32Array, isHit: BoolArray) {
        self.init(t: t, u: u, v: v, primitive: primitive, geometry: geometry, instance: instance, isHit: isHit,
                  scene: nil)
    }

    init(t: FloatArray, u: FloatArray, v: FloatArray, primitive: UInt32Array, geometry: UInt32Array,
         instance: UInt32Array, isHit: BoolArray, scene: EmbreeScene?) {
        self.t = t
        self.u = u
        self.v = v
        self.primitive = primitive
        self.geometry = geometry
        self.instance = instance
        self.isHit = isHit
        self.scene = scene
    }

    /// Visits t, u, v, primitive, geometry, instance, then isHit.
    public mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        t.traverse(&visitor)
        u.traverse(&visitor)
        v.traverse(&visitor)
        primitive.traverse(&visitor)
        geometry.traverse(&visitor)
        instance.traverse(&visitor)
        isHit.traverse(&visitor)
    }
}
