// Per-shape lookup tables of a scene (its area lights and materials by shape index), made once with the scene.
import Tracer

/// A scene's shape-indexed tables, for lookups by a hit's shape index. Made once with the scene, as its emitter
/// distribution is: a table made by each recording would be a buffer of that render's (`FrozenPathLoops`).
struct ShapeTables {
    /// Per shape: the index of its area light among the scene's emitters, `UInt32.max` for none.
    let emitter: UInt32Array
    /// Per shape: 1 when it emits (has an area light), else 0.
    let emits: UInt32Array
    /// Per shape: the index of its material among the scene's materials.
    let material: UInt32Array

    init(shapeEmitters: [Int?], shapeMaterials: [Int], context: TraceContext = .current) {
        emitter = UInt32Array(shapeEmitters.map { $0.map(UInt32.init) ?? .max }, context: context)
        emits = UInt32Array(shapeEmitters.map { $0 == nil ? 0 : 1 }, context: context)
        material = UInt32Array(shapeMaterials.map(UInt32.init), context: context)
    }
}
