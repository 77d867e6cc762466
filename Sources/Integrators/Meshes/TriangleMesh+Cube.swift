// Mitsuba's `cube` shape as a triangle mesh: 24 vertices (4 per face, so normals and uv stay per face), 12 triangles.

extension TriangleMesh {
    /// The corners of each face, in Mitsuba's order (faces −y, +y, +x, +z, −x, −z).
    private static let cubePositions: [Vector3f] = [
        Vector3f(1, -1, -1), Vector3f(1, -1, 1), Vector3f(-1, -1, 1), Vector3f(-1, -1, -1),
        Vector3f(1, 1, -1), Vector3f(-1, 1, -1), Vector3f(-1, 1, 1), Vector3f(1, 1, 1),
        Vector3f(1, -1, -1), Vector3f(1, 1, -1), Vector3f(1, 1, 1), Vector3f(1, -1, 1),
        Vector3f(1, -1, 1), Vector3f(1, 1, 1), Vector3f(-1, 1, 1), Vector3f(-1, -1, 1),
        Vector3f(-1, -1, 1), Vector3f(-1, 1, 1), Vector3f(-1, 1, -1), Vector3f(-1, -1, -1),
        Vector3f(1, 1, -1), Vector3f(1, -1, -1), Vector3f(-1, -1, -1), Vector3f(-1, 1, -1),
    ]

    /// The outward normal of each face, one per group of four vertices.
    private static let cubeFaceNormals: [Vector3f] = [
        Vector3f(0, -1, 0), Vector3f(0, 1, 0), Vector3f(1, 0, 0), Vector3f(0, 0, 1), Vector3f(-1, 0, 0),
        Vector3f(0, 0, -1),
    ]

    /// The texture coordinates of a face's four vertices (the same for every face).
    private static let cubeFaceTexcoords: [Float] = [0, 1, 1, 1, 1, 0, 0, 0]

    /// Two triangles per face, counter-clockwise seen from outside.
    private static let cubeIndices: [UInt32] = [
        0, 1, 2, 3, 0, 2, 4, 5, 6, 7, 4, 6,
        8, 9, 10, 11, 8, 10, 12, 13, 14, 15, 12, 14,
        16, 17, 18, 19, 16, 18, 20, 21, 22, 23, 20, 22,
    ]

    /// Mitsuba's `cube`: the box [−1, 1]³ with per-face normals and uv covering [0, 1]² on each face, placed by
    /// `toWorld` as Mitsuba places mesh vertices (positions as points, normals by the inverse transpose and then
    /// normalised). `flipNormals` only sets `flipsNormals`: the buffers keep the outward normals, as in Mitsuba.
    public static func cube(toWorld: Transform4 = .identity, flipNormals: Bool = false) -> TriangleMesh {
        var positions: [Float] = [], normals: [Float] = [], texcoords: [Float] = []
        for (vertex, corner) in cubePositions.enumerated() {
            let p = toWorld.applyPoint(corner)
            let n = toWorld.applyNormal(cubeFaceNormals[vertex / 4]).normalized
            positions += [p.x, p.y, p.z]
            normals += [n.x, n.y, n.z]
            texcoords += cubeFaceTexcoords[(2 * (vertex % 4))..<(2 * (vertex % 4) + 2)]
        }
        return TriangleMesh(name: "cube", positions: positions, normals: normals, texcoords: texcoords,
                            indices: cubeIndices, flipsNormals: flipNormals)
    }
}
