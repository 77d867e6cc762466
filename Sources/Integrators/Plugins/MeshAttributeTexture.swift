// Mitsuba's `mesh_attribute` texture: a per-vertex or per-face attribute of the mesh that was hit.
import Tracer

/// The attribute `name` of the hit mesh times `scale` (Mitsuba 3.9.1's mesh_attribute.cpp): a `vertex_*`
/// attribute interpolated with the hit's barycentric coordinates (solved from the hit point by least squares, as
/// Mitsuba's `Mesh::barycentric_coordinates` does), a `face_*` attribute read from the hit triangle. The meshes'
/// data is bound when a scene is made (`Scene.init` calls `bind(to:)`), which checks that every shape using the
/// texture is a mesh with the attribute; a texture object therefore serves the last scene made with it. PLY
/// files carry attributes (`vertex_color`, and extra vertex and face properties grouped as Mitsuba groups them);
/// an attribute of one channel is broadcast to RGB, one of other than 1 or 3 channels reads 0, as in Mitsuba.
public final class MeshAttributeTexture: Texture {
    /// The attribute's name, "vertex_..." or "face_...".
    public let name: String
    /// The factor on the attribute (Mitsuba's `scale`, not differentiable).
    public let scale: Float
    /// `scale` as `mi.traverse` lists it (not differentiable, as in Mitsuba).
    private let scaleListing: ParameterSlot
    /// The scene's attribute data; nil until a scene binds it.
    var table: MeshAttributeTable?

    /// The attribute `name` scaled by `scale`; `name` must start with "vertex_" or "face_".
    public init(name: String, scale: Float = 1) {
        precondition(Self.isValidName(name), "MeshAttributeTexture: '\(name)' starts with neither vertex_ nor face_")
        self.name = name
        self.scale = scale
        scaleListing = .listing(scale)
    }

    /// Whether `name` contains "vertex_" or "face_" (Mitsuba's test).
    static func isValidName(_ name: String) -> Bool { name.contains("vertex_") || name.contains("face_") }

    /// The attribute at the hit, RGB, times `scale`; 0 where inactive.
    public func eval(_ si: SurfaceInteraction, active: BoolArray, bindings: RenderBindings) -> Vector3Array {
        guard let table else {
            preconditionFailure("MeshAttributeTexture '\(name)': evaluated outside a scene (no mesh is bound)")
        }
        return table.value(at: si, active: active) * scale
    }

    /// A one-channel attribute at the hit times `scale`; 0 for other attributes (Mitsuba's `eval_1` gives 0 for
    /// them in its JIT variants and throws in its scalar ones).
    public func evalScalar(_ si: SurfaceInteraction, active: BoolArray, bindings: RenderBindings) -> FloatArray {
        guard let table, table.channels == 1 else { return FloatArray(repeating: 0, context: si.t.context) }
        return table.value(at: si, active: active).x * scale
    }

    /// Not defined without a hit: a mesh attribute is looked up through `eval(_ si:active:)`.
    public func eval(_ uv: Point2Array, active: BoolArray, bindings: RenderBindings) -> Vector3Array {
        preconditionFailure("MeshAttributeTexture '\(name)': looked up by uv alone (it needs the hit mesh)")
    }

    /// As `eval(_ uv:active:)`.
    public func evalScalar(_ uv: Point2Array, active: BoolArray, bindings: RenderBindings) -> FloatArray {
        preconditionFailure("MeshAttributeTexture '\(name)': looked up by uv alone (it needs the hit mesh)")
    }

    /// `scale`, Mitsuba's only parameter, listed (not differentiable).
    public var parameters: [(key: String, slot: ParameterSlot)] { [("scale", scaleListing)] }

    /// False: the value comes from the hit point and triangle, not from uv.
    public var readsSurfaceCoordinates: Bool { false }

    /// True: the value varies over the mesh (Mitsuba's `is_spatially_varying`), though not through uv.
    public var isSpatiallyVarying: Bool { true }

    /// 1. Mitsuba's mesh_attribute has no mean (a `plastic` reading it fails there).
    public var mean: Float { 1 }
}

extension MeshAttributeTexture {
    /// From `<texture type="mesh_attribute">`: `name` (required, "vertex_..." or "face_...") and `scale`
    /// (default 1).
    public convenience init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.texture, type: "mesh_attribute", description)
        try description.requireKnownProperties(["name", "scale"])
        try PluginFactory.rejectUnnamedChildren(description, expected: "no nested plugins")
        guard description.has("name") else {
            throw description.error("the property 'name' is required (a mesh attribute such as \"vertex_color\")")
        }
        let name = try description.string("name")
        guard Self.isValidName(name) else {
            throw description.error("'name' must start with \"vertex_\" or \"face_\", got \"\(name)\"", property: "name")
        }
        let scale = try description.float("scale", default: 1)
        guard scale.isFinite else { throw description.error("'scale' must be finite, got \(scale)", property: "scale") }
        self.init(name: name, scale: Float(scale))
    }
}
