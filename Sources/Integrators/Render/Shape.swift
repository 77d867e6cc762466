// The interface every shape plugin implements: ray intersection and the surface record at a hit.
import Tracer

/// The geometry of a hit: what `Shape.surface` computes once the nearest hit is known.
public struct SurfaceGeometry {
    /// Hit point p.
    public var p: Vector3Array
    /// Unit geometric normal (outward / +z local), never flipped toward the ray.
    public var n: Vector3Array
    /// Shading frame.
    public var frame: Frame
    /// Surface coordinates.
    public var uv: Point2Array
    /// The partial derivatives of p with respect to u and v (Mitsuba's `dp_du`, `dp_dv`), for texture filtering
    /// and anisotropic BSDFs.
    public var dpdu: Vector3Array
    public var dpdv: Vector3Array

    public init(p: Vector3Array, n: Vector3Array, frame: Frame, uv: Point2Array, dpdu: Vector3Array,
                dpdv: Vector3Array) {
        self.p = p
        self.n = n
        self.frame = frame
        self.uv = uv
        self.dpdu = dpdu
        self.dpdv = dpdv
    }
}

/// A shape in the scene (Mitsuba's `rectangle`, `sphere`). Shapes are immutable values; their BSDF is attached
/// by the scene.
public protocol Shape {
    /// The distance to the nearest valid hit of each ray (meaningful where `hit`), following Mitsuba's rules for
    /// the shape (SCENE-SPEC section 4). Lanes where `active` is false report no hit.
    func intersect(_ ray: RayArray, active: BoolArray) -> (t: FloatArray, hit: BoolArray)
    /// The surface at distance `t` along `ray` (called with the nearest hit distance of this shape).
    func surface(_ ray: RayArray, t: FloatArray) -> SurfaceGeometry
    /// An axis-aligned box containing the shape, in world space.
    var bounds: (min: Vector3f, max: Vector3f) { get }
    /// The placement of the shape's local form in the world (Mitsuba's `to_world`, which `mi.traverse` lists).
    var toWorld: Transform4 { get }
    /// The shape placed by an instance: its `toWorld` preceded by `instanceToWorld` (invertible). Throws where the
    /// result is not a shape of this kind (a sphere scaled unevenly would be an ellipsoid).
    func placed(by instanceToWorld: Transform4) throws -> any Shape
}

extension SurfaceGeometry: TraversableStruct {
    /// Visits p, n, the frame, uv, dp/du and dp/dv, in that order.
    public mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        p.traverse(&visitor)
        n.traverse(&visitor)
        frame.traverse(&visitor)
        uv.traverse(&visitor)
        dpdu.traverse(&visitor)
        dpdv.traverse(&visitor)
    }
}
