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
    /// An analytic shape of shape group `group`, in the group's own space. It is never intersected itself: each
    /// instance of the group adds a world-space copy (`SceneShape.placedBy`), the same surface Mitsuba finds by
    /// intersecting the group in the instance's space.
    case groupAnalytic(any Shape, group: Int)
    /// Curves (Mitsuba's `linearcurve`, `bsplinecurve`) in world space, intersected through Embree.
    case curves(CurveSet)

    /// The analytic shape, or nil for a mesh.
    public var analytic: (any Shape)? {
        if case .analytic(let shape) = self { return shape }
        return nil
    }
}

/// A shape of the scene together with its material and its name (Mitsuba's `id`).
public struct SceneShape {
    /// The shape's id (Mitsuba's `id()`, which names hits).
    public var id: String
    /// The prefix of its parameter keys: its id, or for a member of a shape group `GROUP.ID` (unnamed members
    /// `GROUP.shape`, `GROUP.shape_1`, ...), as `mi.traverse` names them.
    public var keyPrefix: String
    /// For the world-space copy of a shape group's analytic member, the index of the instance that placed it
    /// (`Scene.instances`); nil otherwise. Copies list no parameters of their own: their member does.
    public var placedBy: Int?
    /// Its geometry.
    public var geometry: ShapeGeometry
    /// Its material.
    public var bsdf: any BSDF
    /// Shapes with the same non-nil key share one material: one case of the per-lane material dispatch and one
    /// set of parameters under the key (Mitsuba's `<ref id="..."/>` to a named BSDF). Nil: the shape's own.
    public var bsdfKey: String?
    /// Its area light, if it emits.
    public var emitter: AreaEmitter?
    /// The indices in `Scene.media` of the media inside and outside its surface (nil: vacuum). A shape with either
    /// marks a medium transition for `volpath`: rays leaving it enter the one on their side.
    public var interiorMedium: Int?
    public var exteriorMedium: Int?

    /// A shape with an analytic geometry.
    public init(id: String, shape: any Shape, bsdf: any BSDF, bsdfKey: String? = nil, emitter: AreaEmitter? = nil) {
        self.init(id: id, geometry: .analytic(shape), bsdf: bsdf, bsdfKey: bsdfKey, emitter: emitter)
    }

    /// A shape of either kind.
    public init(id: String, geometry: ShapeGeometry, bsdf: any BSDF, bsdfKey: String? = nil,
                emitter: AreaEmitter? = nil) {
        self.id = id
        keyPrefix = id
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

    /// The analytic shape and group of a shape group's member, or nil.
    public var groupAnalytic: (shape: any Shape, group: Int)? {
        if case .groupAnalytic(let shape, let group) = geometry { return (shape, group) }
        return nil
    }

    /// The curves, or nil for any other shape.
    public var curves: CurveSet? {
        if case .curves(let curves) = geometry { return curves }
        return nil
    }

    /// The mesh and group of a shape group's member, or nil.
    public var groupMesh: (mesh: TriangleMesh, group: Int)? {
        if case .groupMesh(let mesh, let group) = geometry { return (mesh, group) }
        return nil
    }

    /// An axis-aligned box containing the shape, in world space (nil for a mesh without vertices, and for a
    /// group's member, which is only where its instances place it).
    public var bounds: (min: Vector3f, max: Vector3f)? {
        switch geometry {
        case .analytic(let shape): return shape.bounds
        case .mesh(let mesh): return mesh.bounds
        case .curves(let curves): return curves.bounds
        case .groupMesh, .groupAnalytic: return nil
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
