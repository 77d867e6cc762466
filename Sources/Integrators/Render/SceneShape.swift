// A shape of a scene: its id, its geometry (analytic or a triangle mesh) and its material.
import Tracer

/// What a scene shape is made of.
public enum ShapeGeometry {
    /// An analytic shape (sphere, rectangle, disk, cylinder), intersected by its own traced code.
    case analytic(any Shape)
    /// A triangle mesh in world space, intersected through Embree.
    case mesh(TriangleMesh)
    /// A triangle mesh of shape group `group` (Mitsuba's `shapegroup`), in the group's own space: it is seen only
    /// where a `SceneInstance` places the group.
    case groupMesh(TriangleMesh, group: Int)

    /// The analytic shape, or nil for a mesh.
    public var analytic: (any Shape)? {
        if case .analytic(let shape) = self { return shape }
        return nil
    }
}

/// A shape of the scene together with its material and its name (Mitsuba's `id`).
public struct SceneShape {
    /// The shape's id (the prefix of its parameter keys).
    public var id: String
    /// Its geometry.
    public var geometry: ShapeGeometry
    /// Its material.
    public var bsdf: any BSDF
    /// Shapes with the same non-nil key share one material: one case of the per-lane material dispatch and one
    /// set of parameters under the key (Mitsuba's `<ref id="..."/>` to a named BSDF). Nil: the shape's own.
    public var bsdfKey: String?
    /// Its area light, if it emits.
    public var emitter: AreaEmitter?

    /// A shape with an analytic geometry.
    public init(id: String, shape: any Shape, bsdf: any BSDF, bsdfKey: String? = nil, emitter: AreaEmitter? = nil) {
        self.init(id: id, geometry: .analytic(shape), bsdf: bsdf, bsdfKey: bsdfKey, emitter: emitter)
    }

    /// A shape of either kind.
    public init(id: String, geometry: ShapeGeometry, bsdf: any BSDF, bsdfKey: String? = nil,
                emitter: AreaEmitter? = nil) {
        self.id = id
        self.geometry = geometry
        self.bsdf = bsdf
        self.bsdfKey = bsdfKey
        self.emitter = emitter
    }

    /// A triangle mesh, in world space.
    public init(id: String, mesh: TriangleMesh, bsdf: any BSDF, bsdfKey: String? = nil, emitter: AreaEmitter? = nil) {
        self.init(id: id, geometry: .mesh(mesh), bsdf: bsdf, bsdfKey: bsdfKey, emitter: emitter)
    }

    /// The analytic shape, or nil for a mesh.
    public var analyticShape: (any Shape)? { geometry.analytic }

    /// The world-space mesh, or nil for an analytic shape or a group's mesh.
    public var mesh: TriangleMesh? {
        if case .mesh(let mesh) = geometry { return mesh }
        return nil
    }

    /// The mesh and group of a shape group's member, or nil.
    public var groupMesh: (mesh: TriangleMesh, group: Int)? {
        if case .groupMesh(let mesh, let group) = geometry { return (mesh, group) }
        return nil
    }

    /// An axis-aligned box containing the shape, in world space (nil for a mesh without vertices, and for a
    /// group's mesh, which is only where its instances place it).
    public var bounds: (min: Vector3f, max: Vector3f)? {
        switch geometry {
        case .analytic(let shape): return shape.bounds
        case .mesh(let mesh): return mesh.bounds
        case .groupMesh: return nil
        }
    }
}

/// One placement of a shape group (Mitsuba's `instance`): the group's meshes drawn through `toWorld`.
public struct SceneInstance {
    /// The instance's id.
    public var id: String
    /// The group placed: the `group` of the shapes whose geometry is `.groupMesh(_, group:)`.
    public var group: Int
    /// The group-to-world transform (affine and invertible).
    public var toWorld: Transform4

    public init(id: String, group: Int, toWorld: Transform4) {
        self.id = id
        self.group = group
        self.toWorld = toWorld
    }
}
