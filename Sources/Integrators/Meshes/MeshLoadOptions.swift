// MeshLoadOptions: the shape parameters of Mitsuba's obj, ply and serialized plugins that change what is loaded.

/// How a mesh file becomes a `TriangleMesh`: the parameters that Mitsuba 3's `obj`, `ply` and `serialized` shapes
/// apply while loading. The plugin defaults differ only in `flipTexCoords`, so use `.obj`, `.ply` or `.serialized`
/// as a starting point.
public struct MeshLoadOptions: Sendable, Equatable {
    /// Discard the file's vertex normals and do not compute any: the geometric normal shades (Mitsuba's
    /// `face_normals`, default false).
    public var faceNormals: Bool
    /// Mark the mesh as inside out (Mitsuba's `flip_normals`, default false). Stored normals are not changed;
    /// the renderer flips them, as Mitsuba does at shading time.
    public var flipNormals: Bool
    /// Replace each texture coordinate v by 1 - v (Mitsuba's `flip_tex_coords`: true for obj, false for ply;
    /// Mitsuba's serialized plugin has no such parameter, so it is false there).
    public var flipTexCoords: Bool
    /// Object-to-world transform applied to positions (as points) and normals (by the inverse transpose, then
    /// normalized) while loading (Mitsuba's `to_world`).
    public var toWorld: Transform4
    /// Bytes that loading may take; a file whose estimated mesh is larger is refused before it is parsed, with the
    /// estimate and the limit in the message. Nil: no limit.
    public var memoryLimit: Int? = nil

    /// Options with every parameter spelled out.
    public init(faceNormals: Bool = false, flipNormals: Bool = false, flipTexCoords: Bool,
                toWorld: Transform4 = .identity) {
        self.faceNormals = faceNormals
        self.flipNormals = flipNormals
        self.flipTexCoords = flipTexCoords
        self.toWorld = toWorld
    }

    /// Mitsuba's defaults for `obj` (texture coordinates flipped, "for consistency with Mitsuba 1").
    public static let obj = MeshLoadOptions(flipTexCoords: true)
    /// Mitsuba's defaults for `ply`.
    public static let ply = MeshLoadOptions(flipTexCoords: false)
    /// Mitsuba's defaults for `serialized`.
    public static let serialized = MeshLoadOptions(flipTexCoords: false)
}
