// A traced orthonormal shading frame (s, t, n): the local coordinate system of BSDFs, z along the normal.
import Tracer

/// An orthonormal basis per lane; local z is `n`.
public struct Frame {
    /// First tangent (local x).
    public var s: Vector3Array
    /// Second tangent (local y).
    public var t: Vector3Array
    /// Normal (local z).
    public var n: Vector3Array

    /// A frame from three given axes (assumed orthonormal).
    public init(s: Vector3Array, t: Vector3Array, n: Vector3Array) {
        self.s = s
        self.t = t
        self.n = n
    }

    /// The frame Mitsuba builds around a unit normal (`coordinate_system`; Duff et al. 2017, "Building an
    /// Orthonormal Basis, Revisited"), so that local directions match Mitsuba's.
    public init(normal n: Vector3Array) {
        let sign = Self.copysignOne(n.z)
        let a = -1 / (sign + n.z)
        let b = n.x * n.y * a
        let xxa = n.x * n.x * a
        let yya = n.y * n.y * a
        let s = Vector3Array(x: 1 + sign * xxa, y: sign * b, z: -(sign * n.x))
        let t = Vector3Array(x: b, y: sign + yya, z: -n.y)
        self.init(s: s, t: t, n: n)
    }

    /// World direction `v` in this frame's coordinates: (v·s, v·t, v·n).
    public func toLocal(_ v: Vector3Array) -> Vector3Array {
        Vector3Array(x: v.dot(s), y: v.dot(t), z: v.dot(n))
    }

    /// Local direction `v` in world coordinates: s·v.x + t·v.y + n·v.z.
    public func toWorld(_ v: Vector3Array) -> Vector3Array {
        let alongS = s * v.x
        let alongT = t * v.y
        let alongN = n * v.z
        return alongS + alongT + alongN
    }

    /// ±1 with the sign bit of `x` (so −0 gives −1, as `copysign`).
    static func copysignOne(_ x: FloatArray) -> FloatArray {
        let signBit = UInt32Array(bitPattern: x) & 0x8000_0000
        return FloatArray(bitPattern: signBit | Float(1).bitPattern)
    }
}

extension Frame: TraversableStruct {
    /// Visits s, t and n, in that order.
    public mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        s.traverse(&visitor)
        t.traverse(&visitor)
        n.traverse(&visitor)
    }
}
