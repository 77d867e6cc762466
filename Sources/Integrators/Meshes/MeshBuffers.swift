// The host-side concatenation of many meshes' vertex data, as MeshGeometry uploads it.

/// The vertex and index data of several meshes, one after the other, split into one array per component.
/// Normals and texture coordinates are empty when no mesh has any, and zero for the meshes without them.
struct MeshBuffers {
    var px: [Float] = [], py: [Float] = [], pz: [Float] = []
    var nx: [Float] = [], ny: [Float] = [], nz: [Float] = []
    var tu: [Float] = [], tv: [Float] = []
    /// Three indices per triangle, into the concatenated vertices.
    var faces: [UInt32] = []
    /// Per mesh: the index of its first triangle.
    var firstTriangle: [UInt32] = []

    init(_ meshes: [TriangleMesh], vertexCount: Int, triangleCount: Int) {
        let anyNormals = meshes.contains { $0.normals != nil }
        let anyTexcoords = meshes.contains { $0.texcoords != nil }
        px.reserveCapacity(vertexCount); py.reserveCapacity(vertexCount); pz.reserveCapacity(vertexCount)
        if anyNormals { nx.reserveCapacity(vertexCount); ny.reserveCapacity(vertexCount); nz.reserveCapacity(vertexCount) }
        if anyTexcoords { tu.reserveCapacity(vertexCount); tv.reserveCapacity(vertexCount) }
        faces.reserveCapacity(3 * triangleCount)
        var vertexOffset: UInt32 = 0, triangleOffset: UInt32 = 0
        for mesh in meshes {
            let count = mesh.vertexCount
            Self.split(mesh.positions, count: count, into: &px, &py, &pz)
            if anyNormals {
                Self.split(mesh.normals ?? [Float](repeating: 0, count: 3 * count), count: count, into: &nx, &ny, &nz)
            }
            if anyTexcoords {
                let uv = mesh.texcoords ?? [Float](repeating: 0, count: 2 * count)
                for i in 0..<count {
                    tu.append(uv[2 * i])
                    tv.append(uv[2 * i + 1])
                }
            }
            faces.append(contentsOf: mesh.indices.lazy.map { $0 + vertexOffset })
            firstTriangle.append(triangleOffset)
            vertexOffset += UInt32(count)
            triangleOffset += UInt32(mesh.triangleCount)
        }
    }

    /// Appends the x, y and z components of `count` packed 3-vectors.
    private static func split(_ packed: [Float], count: Int, into x: inout [Float], _ y: inout [Float],
                              _ z: inout [Float]) {
        for i in 0..<count {
            x.append(packed[3 * i])
            y.append(packed[3 * i + 1])
            z.append(packed[3 * i + 2])
        }
    }
}
