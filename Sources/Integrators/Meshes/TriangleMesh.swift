// A triangle mesh in host memory: the buffers that the obj, ply and serialized loaders fill (Mitsuba's Mesh).

/// A triangle mesh in flat structure-of-arrays buffers, as Mitsuba's `Mesh` holds it: `positions` (3 floats per
/// vertex), optional per-vertex `normals` (3), `texcoords` (2) and `colors` (3), and `indices` (3 vertex indices
/// per triangle, counter-clockwise seen from the side the geometric normal points to).
public struct TriangleMesh: Sendable, Equatable {
    /// The mesh's name (the file name, or the object's name inside the file), for messages.
    public var name: String
    /// x, y, z of each vertex.
    public var positions: [Float]
    /// Unit shading normal of each vertex, or nil (then the geometric normal shades, Mitsuba's `face_normals`).
    public var normals: [Float]?
    /// u, v of each vertex, or nil (then a hit's uv is its barycentric coordinates, as in Mitsuba).
    public var texcoords: [Float]?
    /// Linear RGB colour of each vertex (Mitsuba's `vertex_color` attribute), or nil.
    public var colors: [Float]?
    /// Other named attributes (PLY's extra vertex and face properties), per vertex or per triangle.
    public var attributes: [MeshAttributeBuffer] = []
    /// Three vertex indices per triangle.
    public var indices: [UInt32]
    /// When true, geometric and shading normals point the other way (Mitsuba's `flip_normals`).
    public var flipsNormals: Bool

    public init(name: String, positions: [Float], normals: [Float]? = nil, texcoords: [Float]? = nil,
                colors: [Float]? = nil, indices: [UInt32], flipsNormals: Bool = false) {
        self.name = name
        self.positions = positions
        self.normals = normals
        self.texcoords = texcoords
        self.colors = colors
        self.indices = indices
        self.flipsNormals = flipsNormals
    }

    /// The number of vertices.
    public var vertexCount: Int { positions.count / 3 }
    /// The number of triangles.
    public var triangleCount: Int { indices.count / 3 }

    /// Vertex `i`'s position.
    public func position(_ i: Int) -> Vector3f {
        Vector3f(positions[3 * i], positions[3 * i + 1], positions[3 * i + 2])
    }
}
