// The per-lane record of where rays hit the scene, and how rays leave such points again.
import Tracer

/// Where each lane's ray hit the scene (meaningful only where `isValid`).
public struct SurfaceInteraction {
    /// True where the ray hit a shape.
    public var isValid: BoolArray
    /// Distance along the ray.
    public var t: FloatArray
    /// Hit point p.
    public var p: Vector3Array
    /// Geometric normal n (unit length, never flipped toward the ray).
    public var n: Vector3Array
    /// Shading frame (its n equals the geometric normal for the supported shapes).
    public var frame: Frame
    /// Surface coordinates (u, v).
    public var uv: Point2Array
    /// The partial derivatives of p with respect to u and v.
    public var dpdu: Vector3Array
    public var dpdv: Vector3Array
    /// The direction toward the ray's origin, in the shading frame: toLocal(-d).
    public var wi: Vector3Array
    /// Index of the hit shape in `Scene.shapes`.
    public var shapeIndex: UInt32Array
    /// The triangle's index within its mesh (0 on analytic shapes), Mitsuba's `prim_index`.
    public var primitiveIndex: UInt32Array
    /// The index in `Scene.instances` of the instance hit, or `UInt32.max` where the hit is in none.
    public var instanceIndex: UInt32Array

    public init(isValid: BoolArray, t: FloatArray, p: Vector3Array, n: Vector3Array, frame: Frame, uv: Point2Array,
                dpdu: Vector3Array, dpdv: Vector3Array, wi: Vector3Array, shapeIndex: UInt32Array,
                primitiveIndex: UInt32Array? = nil, instanceIndex: UInt32Array? = nil) {
        self.isValid = isValid
        self.t = t
        self.p = p
        self.n = n
        self.frame = frame
        self.uv = uv
        self.dpdu = dpdu
        self.dpdv = dpdv
        self.wi = wi
        self.shapeIndex = shapeIndex
        self.primitiveIndex = primitiveIndex ?? UInt32Array(repeating: 0, context: t.context)
        self.instanceIndex = instanceIndex ?? UInt32Array(repeating: .max, context: t.context)
    }

    /// Mitsuba's ray epsilon, 1500 * 2^-24.
    public static let rayEpsilon: Float = 1500 * 0x1p-24

    /// The origin offset that keeps a ray leaving p in `direction` off the surface:
    /// p + sign(n . d) (1 + max_i |p_i|) RayEps n.
    public func offsetOrigin(toward direction: Vector3Array) -> Vector3Array {
        let magnitude = (Tracer.max(Tracer.max(abs(p.x), abs(p.y)), abs(p.z)) + 1) * SurfaceInteraction.rayEpsilon
        let side = select(n.dot(direction) .>= 0, FloatArray(repeating: 1, context: magnitude.context),
                          FloatArray(repeating: -1, context: magnitude.context))
        return p + n * (magnitude * side)
    }

    /// A ray leaving p in the world direction `direction`, unbounded.
    public func spawnRay(direction: Vector3Array) -> RayArray {
        RayArray(origin: offsetOrigin(toward: direction), direction: direction,
                 maxT: FloatArray(repeating: .greatestFiniteMagnitude, context: t.context))
    }

    /// A shadow ray from p toward `target`, stopping just short of it: maxt = |q - o'| (1 - 10 RayEps) along the
    /// unit direction.
    public func spawnRay(to target: Vector3Array) -> RayArray {
        let towards = target - p
        let origin = offsetOrigin(toward: towards)
        let offset = target - origin
        let distance = offset.length
        return RayArray(origin: origin, direction: offset / distance,
                        maxT: distance * (1 - 10 * SurfaceInteraction.rayEpsilon))
    }
}

extension SurfaceInteraction: TraversableStruct {
    /// Visits isValid, t, p, n, the frame (s, t, n), uv, dp/du, dp/dv, wi, shapeIndex, primitiveIndex and
    /// instanceIndex, in that order.
    public mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        isValid.traverse(&visitor)
        t.traverse(&visitor)
        p.traverse(&visitor)
        n.traverse(&visitor)
        frame.traverse(&visitor)
        uv.traverse(&visitor)
        dpdu.traverse(&visitor)
        dpdv.traverse(&visitor)
        wi.traverse(&visitor)
        shapeIndex.traverse(&visitor)
        primitiveIndex.traverse(&visitor)
        instanceIndex.traverse(&visitor)
    }
}
