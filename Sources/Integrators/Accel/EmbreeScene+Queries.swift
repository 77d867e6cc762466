// Ray queries against an Embree scene as native calls: they fuse into the calling kernel, symbolic loops included.
import CEmbree
import Tracer

/// The intersection query's outputs as the C function writes them (see CEmbree.h): misses carry +inf and invalid
/// ids, lanes outside the mask read 0.
private struct RawHit: TraversableStruct {
    var t, u, v: FloatArray
    var primitive, geometry, instance: UInt32Array

    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        t.traverse(&visitor)
        u.traverse(&visitor)
        v.traverse(&visitor)
        primitive.traverse(&visitor)
        geometry.traverse(&visitor)
        instance.traverse(&visitor)
    }

    static var template: RawHit {
        RawHit(t: FloatArray(repeating: 0), u: FloatArray(repeating: 0), v: FloatArray(repeating: 0),
               primitive: UInt32Array(repeating: 0), geometry: UInt32Array(repeating: 0),
               instance: UInt32Array(repeating: 0))
    }
}

extension EmbreeScene {
    /// The closest hit of each ray within (0, `maxT`], on the lanes where `active` is true (the others report a
    /// miss). One native call: it runs in the kernel that computes the rays and uses the hit.
    public func intersect(_ ray: RayArray, active: BoolArray = true) -> EmbreeHit {
        let raw = nativeCall(refract_embree_intersect, context: queryContext(for: ray, active: active),
                             inputs: Self.inputs(of: ray), outputs: RawHit.template, mask: active, keepAlive: self)
        // Lanes outside the mask read 0 from the call, which would look like a hit on mesh 0.
        let isHit = active & (raw.geometry .!= UInt32.max)
        let none = UInt32Array(repeating: .max)
        return EmbreeHit(t: select(isHit, raw.t, FloatArray(repeating: .infinity)), u: raw.u, v: raw.v,
                         primitive: select(isHit, raw.primitive, none), geometry: select(isHit, raw.geometry, none),
                         instance: select(isHit, raw.instance, none), isHit: isHit, scene: self)
    }

    /// Whether anything lies on each ray within (0, `maxT`), on the lanes where `active` is true (false elsewhere).
    /// Cheaper than `intersect`: Embree stops at the first hit it finds. The pending query keeps the scene alive.
    public func isOccluded(_ ray: RayArray, active: BoolArray = true) -> BoolArray {
        let occluded = nativeCall(refract_embree_occluded, context: queryContext(for: ray, active: active),
                                  inputs: Self.inputs(of: ray), outputs: UInt32Array(repeating: 0), mask: active,
                                  keepAlive: self)
        return occluded .!= 0
    }

    /// The seven float inputs of both queries: origin, direction, maxT. Detached: Embree's answer is not
    /// differentiable (a differentiable hit is recomputed from the triangle's ids, as Mitsuba does).
    private static func inputs(of ray: RayArray) -> [FloatArray] {
        [ray.origin.x, ray.origin.y, ray.origin.z, ray.direction.x, ray.direction.y, ray.direction.z, ray.maxT]
            .map { $0.detached() }
    }

    /// The query context for the kernel these arrays will be computed in: that of their trace context's vector
    /// width, which decides the packets the kernel passes (the scalar backend's too, with one lane active). The
    /// context is the one `nativeCall` records into: the first array that is not a literal decides, as there.
    // The C function learns W only from this context (the native-call ABI passes no width), so the width is read
    // when the query is recorded. Changing that trace context's `options.vectorWidth` between recording a query
    // and evaluating it would hand the function packets of another width: nothing in the library does that.
    private func queryContext(for ray: RayArray, active: BoolArray) -> UnsafeMutableRawPointer {
        let nodes = ray.tracedNodes + [active.node]
        let context = nodes.first { !$0.isLiteral }?.context ?? TraceContext.current
        return UnsafeMutableRawPointer(query(width: context.vectorWidth))
    }

    /// The benchmark's baseline: rays `range` of host arrays traced straight from C in packets of 16 (no kernel),
    /// on the calling thread. `rays` are the seven input arrays (ox, oy, oz, dx, dy, dz, maxT) and `hits` the six
    /// output arrays (t, u, v as Float; primitive, geometry, instance as UInt32), each of at least
    /// `range.upperBound` elements.
    public func intersectDirectly(rays: [UnsafePointer<Float>], hits: [UnsafeMutableRawPointer], range: Range<Int>) {
        precondition(rays.count == 7 && hits.count == 6, "EmbreeScene: 7 ray arrays and 6 hit arrays are needed")
        let first = range.lowerBound
        let inputs = rays.map { $0 + first }
        let outputs = hits.map { $0 + MemoryLayout<Float>.stride * first }  // every output has 4-byte elements
        withExtendedLifetime(self) {
            refract_embree_intersect_stream(query(width: 16), range.count, inputs, outputs)
        }
    }
}
