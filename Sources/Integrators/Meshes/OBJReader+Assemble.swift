// OBJReader+Assemble: the sequential phases of OBJ loading: vertex deduplication, fan triangulation, gathering.

extension OBJReader {
    /// Phases 4 and 5: number each distinct (v, vt, vn) triple in order of first use, fan-triangulate each face
    /// from its first corner as Mitsuba does ((0, 1, 2), (0, 2, 3), ...), then gather the vertex buffers.
    func assemble(runs: [ParsedRun], counts: RunCounts) throws -> TriangleMesh {
        let positionCount = counts.positions
        let cornerCount = runs.reduce(0) { $0 + $1.corners.count / 3 }
        let faceCornerTotal = runs.reduce(0) { $0 + $1.faceSizes.count }

        // Mitsuba's table: one chain of bindings per position index; a binding's index is its vertex id.
        var chainHead = [Int32](repeating: -1, count: positionCount)
        var bindingPosition: [UInt32] = [], bindingTexcoord: [UInt32] = [], bindingNormal: [UInt32] = []
        var bindingNext: [Int32] = []
        let guess = min(cornerCount, positionCount * 2 + 16)
        bindingPosition.reserveCapacity(guess); bindingTexcoord.reserveCapacity(guess)
        bindingNormal.reserveCapacity(guess); bindingNext.reserveCapacity(guess)
        var triangles: [UInt32] = []
        triangles.reserveCapacity(max(0, cornerCount - 2 * faceCornerTotal) * 3)

        for run in runs {
            var corner = 0
            for size in run.faceSizes {
                var first: UInt32 = 0, previous: UInt32 = 0
                for k in 0..<Int(size) {
                    let v = run.corners[3 * (corner + k)]
                    let t = run.corners[3 * (corner + k) + 1]
                    let n = run.corners[3 * (corner + k) + 2]
                    var binding = chainHead[Int(v)]
                    var last: Int32 = -1
                    while binding >= 0 {
                        let b = Int(binding)
                        if bindingTexcoord[b] == t && bindingNormal[b] == n { break }
                        last = binding
                        binding = bindingNext[b]
                    }
                    if binding < 0 {
                        guard bindingPosition.count < Int(Int32.max) else {
                            throw MeshLoadError(fileName: name, reason: "more than 2^31 - 1 distinct vertices")
                        }
                        binding = Int32(bindingPosition.count)
                        bindingPosition.append(v); bindingTexcoord.append(t)
                        bindingNormal.append(n); bindingNext.append(-1)
                        if last >= 0 { bindingNext[Int(last)] = binding } else { chainHead[Int(v)] = binding }
                    }
                    let id = UInt32(binding)
                    if k == 0 {
                        first = id
                    } else if k >= 2 {
                        triangles.append(first); triangles.append(previous); triangles.append(id)
                    }
                    previous = id
                }
                corner += Int(size)
            }
        }
        chainHead = []

        // Gather: the run buffers concatenated give the file's v, vt and vn lists.
        let filePositions = runs.count == 1 ? runs[0].positions : runs.flatMap(\.positions)
        let fileTexcoords = runs.count == 1 ? runs[0].texcoords : runs.flatMap(\.texcoords)
        let fileNormals = runs.count == 1 ? runs[0].normals : runs.flatMap(\.normals)
        let vertexCount = bindingPosition.count
        let transformer = MeshTransformer(options.toWorld)

        var positions = [Float](repeating: 0, count: vertexCount * 3)
        for id in 0..<vertexCount {
            let v = Int(bindingPosition[id])
            let p = transformer.point(filePositions[3 * v], filePositions[3 * v + 1], filePositions[3 * v + 2])
            guard p.0.isFinite, p.1.isFinite, p.2.isFinite else {
                throw MeshLoadError(fileName: name, location: "vertex \(v + 1)",
                                    reason: "position is not finite after to_world")
            }
            positions[3 * id] = p.0; positions[3 * id + 1] = p.1; positions[3 * id + 2] = p.2
        }

        // Texture coordinates exist when the file has any vt; a vertex without one gets (0, 0) (Mitsuba leaves
        // it uninitialised).
        var texcoords: [Float]? = nil
        if !fileTexcoords.isEmpty {
            var uv = [Float](repeating: 0, count: vertexCount * 2)
            for id in 0..<vertexCount where bindingTexcoord[id] != Self.absent {
                let t = Int(bindingTexcoord[id])
                uv[2 * id] = fileTexcoords[2 * t]; uv[2 * id + 1] = fileTexcoords[2 * t + 1]
            }
            texcoords = uv
        }

        // Normals: the file's (transformed, normalized) where a vertex names one; computed as Mitsuba computes
        // them when the file has none. A vertex without vn in a file that has normals gets the computed normal
        // (Mitsuba leaves it uninitialised).
        var normals: [Float]? = nil
        if !options.faceNormals {
            if fileNormals.isEmpty {
                normals = TriangleMesh.vertexNormals(positions: positions, indices: triangles)
            } else {
                var out = [Float](repeating: 0, count: vertexCount * 3)
                var missing = false
                for id in 0..<vertexCount {
                    let n = bindingNormal[id]
                    if n == Self.absent { missing = true; continue }
                    let k = 3 * Int(n)
                    let m = transformer.normal(fileNormals[k], fileNormals[k + 1], fileNormals[k + 2])
                    guard m.0.isFinite, m.1.isFinite, m.2.isFinite else {
                        throw MeshLoadError(fileName: name, location: "normal \(Int(n) + 1)",
                                            reason: "normal is not finite after to_world")
                    }
                    out[3 * id] = m.0; out[3 * id + 1] = m.1; out[3 * id + 2] = m.2
                }
                if missing {
                    let computed = TriangleMesh.vertexNormals(positions: positions, indices: triangles)
                    for id in 0..<vertexCount where bindingNormal[id] == Self.absent {
                        out[3 * id] = computed[3 * id]; out[3 * id + 1] = computed[3 * id + 1]
                        out[3 * id + 2] = computed[3 * id + 2]
                    }
                }
                normals = out
            }
        }
        return TriangleMesh(name: name, positions: positions, normals: normals, texcoords: texcoords,
                            indices: triangles, flipsNormals: options.flipNormals)
    }
}
