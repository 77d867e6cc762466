// Ray queries against all shapes of a scene: the nearest hit with its surface record, and shadow-ray visibility.
import Tracer

extension Scene {
    /// The nearest hit of each active ray over all shapes.
    /// `allSurfaceCoordinates` computes uv on every shape, not only where the BSDF reads it (the `aov` integrator).
    public func intersect(_ ray: RayArray, active: BoolArray, allSurfaceCoordinates: Bool = false) -> SurfaceInteraction {
        intersect(ray, active: active, allSurfaceCoordinates: allSurfaceCoordinates, queries: nil)
    }

    /// `intersect(_:active:allSurfaceCoordinates:)`, with the mesh query logged or replayed by `queries`.
    func intersect(_ ray: RayArray, active: BoolArray, allSurfaceCoordinates: Bool = false,
                   queries: ReplayQueries?) -> SurfaceInteraction {
        let context = ray.maxT.context
        // Phase 1: the nearest distance and which shape it belongs to.
        var nearest = FloatArray(repeating: .infinity, count: 1, context: context)
        var index = UInt32Array(repeating: 0, count: 1, context: context)
        var anyHit = BoolArray(repeating: false, count: 1, context: context)
        var primitive: UInt32Array? = nil, instance: UInt32Array? = nil
        // Copies of shape groups' analytic members name the instance that placed them, as Mitsuba's hits do.
        let placesAnalyticCopies = shapes.contains { $0.placedBy != nil }
        if placesAnalyticCopies { instance = UInt32Array(repeating: .max, context: context) }
        // The surface dispatch numbers its cases by analytic shape; among meshes that number is not the index.
        let analytic = analyticShapeIndices
        var analyticCase: UInt32Array? = nil
        if analytic.count >= 2 && analytic.count < shapes.count {
            analyticCase = UInt32Array(repeating: 0, count: 1, context: context)
        }
        for (number, i) in analytic.enumerated() {
            let entry = shapes[i]
            let (t, hit) = entry.analyticShape!.intersect(ray, active: active)
            let closer = hit & (t .< nearest)
            nearest = select(closer, t, nearest)
            index = select(closer, UInt32Array(repeating: UInt32(i), context: context), index)
            if let chosen = analyticCase {
                analyticCase = select(closer, UInt32Array(repeating: UInt32(number), context: context), chosen)
            }
            if let placed = instance {
                let placer = entry.placedBy.map { UInt32($0) } ?? .max
                instance = select(closer, UInt32Array(repeating: placer, context: context), placed)
            }
            anyHit = anyHit | hit
        }
        // Phase 2: the surface of the shape that was hit (each shape's formula, on the lanes that hit it).
        var surface = analyticSurface(ray, t: nearest, index: index, analyticCase: analyticCase,
                                      analytic: analytic, hit: anyHit & active,
                                      allSurfaceCoordinates: allSurfaceCoordinates)
        if let meshes {
            // The meshes' closest hit (one Embree query) replaces the analytic one where it is nearer.
            let query = queries?.intersect(meshes, ray, active: active) ?? meshes.intersect(ray, active: active)
            // Curve hits seen from inside drop out here (Mitsuba's culling); the log keeps Embree's answer.
            let (hit, meshSurface) = meshes.resolve(query, ray: ray)
            let closer = hit.isHit & (hit.t .< nearest)
            surface = hasAnalyticShapes ? select(closer, meshSurface, surface) : meshSurface
            nearest = select(closer, hit.t, nearest)
            index = select(closer, meshes.shapeIndex(of: hit), index)
            primitive = select(closer, hit.primitive, UInt32Array(repeating: 0, context: context))
            instance = select(closer, meshes.sceneInstance(of: hit),
                              instance ?? UInt32Array(repeating: .max, context: context))
            anyHit = anyHit | hit.isHit
        }
        return SurfaceInteraction(isValid: anyHit & active, t: nearest, p: surface.p, n: surface.n,
                                  frame: surface.frame, uv: surface.uv, dpdu: surface.dpdu, dpdv: surface.dpdv,
                                  wi: surface.frame.toLocal(-ray.direction), shapeIndex: index,
                                  primitiveIndex: primitive, instanceIndex: instance)
    }

    /// The surface of the analytic shape `index` at distance `t` along each ray, on the lanes of `hit` (elsewhere
    /// unspecified); `analyticCase` numbers that shape among the analytic ones, whose indices `analytic` lists (nil
    /// where every shape is analytic: the index is the number). The uv of a shape whose BSDF and area light do not
    /// read it is left out: it is never evaluated (lanes on that shape keep another shape's uv or 0, which nothing
    /// reads there).
    ///
    /// With several analytic shapes and an untracked ray, a dispatch over them computes each shape's surface only
    /// in vectors with a lane on it (a sphere's record costs three square roots and three divisions); the
    /// arithmetic of every lane is that of its shape's formula either way.
    func analyticSurface(_ ray: RayArray, t: FloatArray, index: UInt32Array, analyticCase: UInt32Array?,
                         analytic: [Int], hit: BoolArray, allSurfaceCoordinates: Bool = false) -> SurfaceGeometry {
        let context = t.context
        let arguments = RayDistance(ray: ray, t: t)
        guard analytic.count >= 2, !(context.isRecordingGradients && arguments.requiresGradient) else {
            return selectedAnalyticSurface(ray, t: t, index: index, allSurfaceCoordinates: allSurfaceCoordinates)
        }
        return dispatch(analyticCase ?? index, count: analytic.count, arguments: arguments, mask: hit) { number, arguments in
            let entry = self.shapes[analytic[number]]
            var surface = entry.analyticShape!.surface(arguments.ray, t: arguments.t)
            if !Self.readsSurfaceCoordinates(entry, all: allSurfaceCoordinates) {
                surface.uv = Point2Array(repeating: 0, 0)
            }
            return surface
        }
    }

    /// The indices in `shapes` of the analytic shapes, in order.
    var analyticShapeIndices: [Int] { shapes.indices.filter { shapes[$0].analyticShape != nil } }

    /// Whether a hit on `entry` needs its uv: its BSDF or area light reads it, or every shape's is asked for.
    private static func readsSurfaceCoordinates(_ entry: SceneShape, all: Bool) -> Bool {
        all || entry.bsdf.readsSurfaceCoordinates || (entry.emitter?.readsSurfaceCoordinates ?? false)
    }

    /// `analyticSurface` with every shape's formula computed on every lane and selected per lane.
    private func selectedAnalyticSurface(_ ray: RayArray, t: FloatArray, index: UInt32Array,
                                         allSurfaceCoordinates: Bool) -> SurfaceGeometry {
        var geometry: SurfaceGeometry? = nil
        var uvRead = false
        for (i, entry) in shapes.enumerated() {
            guard let shape = entry.analyticShape else { continue }
            let surface = shape.surface(ray, t: t)
            let readsUV = Self.readsSurfaceCoordinates(entry, all: allSurfaceCoordinates)
            guard let previous = geometry else {
                geometry = surface
                uvRead = readsUV
                continue
            }
            let mine = index .== UInt32(i)
            let uv = !readsUV ? previous.uv : (uvRead ? select(mine, surface.uv, previous.uv) : surface.uv)
            uvRead = uvRead || readsUV
            var chosen = select(mine, surface, previous)
            chosen.uv = uv
            geometry = chosen
        }
        let zero = Vector3Array(Vector3f(0, 0, 0), count: 1)
        return geometry ?? SurfaceGeometry(p: zero, n: zero, frame: Frame(s: zero, t: zero, n: zero),
                                           uv: Point2Array(repeating: 0, 0), dpdu: zero, dpdv: zero)
    }

    /// Whether any shape is analytic (not a triangle mesh).
    var hasAnalyticShapes: Bool { shapes.contains { $0.analyticShape != nil } }

    /// True where an active shadow ray reaches its end without hitting any shape; the mesh query logged or replayed
    /// by `queries` when given.
    public func isUnoccluded(_ ray: RayArray, active: BoolArray) -> BoolArray {
        isUnoccluded(ray, active: active, queries: nil)
    }

    func isUnoccluded(_ ray: RayArray, active: BoolArray, queries: ReplayQueries?) -> BoolArray {
        var blocked = BoolArray(repeating: false, count: 1, context: ray.maxT.context)
        for entry in shapes {
            guard let shape = entry.analyticShape else { continue }
            blocked = blocked | shape.intersect(ray, active: active).hit
        }
        if let meshes {
            blocked = blocked | (queries?.isOccluded(meshes, ray, active: active) ?? meshes.isOccluded(ray, active: active))
        }
        return active & !blocked
    }
}

/// The arguments of a surface record: each lane's ray and hit distance.
private struct RayDistance: TraversableStruct {
    var ray: RayArray
    var t: FloatArray

    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        ray.traverse(&visitor)
        t.traverse(&visitor)
    }
}
