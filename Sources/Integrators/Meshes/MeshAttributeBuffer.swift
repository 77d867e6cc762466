// One named per-vertex or per-face attribute of a mesh file (Mitsuba's mesh attributes), as loaded.

/// The values of one mesh attribute: `channels` floats per vertex (name "vertex_…") or per triangle ("face_…"),
/// in vertex or triangle order. PLY files name them as Mitsuba 3.9.1 groups their extra properties
/// (`PLYAttributeGrouping`).
public struct MeshAttributeBuffer: Sendable, Equatable {
    /// "vertex_<prefix>" or "face_<prefix>" ("…_color" for r, g, b fields).
    public var name: String
    /// Values per vertex or triangle (1 or 3 for the ones a texture reads; 4 for a colour with alpha).
    public var channels: Int
    public var values: [Float]

    public init(name: String, channels: Int, values: [Float]) {
        self.name = name
        self.channels = channels
        self.values = values
    }

    /// Whether the attribute has one value per vertex (else one per triangle).
    public var isPerVertex: Bool { name.hasPrefix("vertex_") }
}
