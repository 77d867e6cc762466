// TriangleMesh+Geometry: whole-mesh geometry: transforming, the bounding box and the surface area.

extension TriangleMesh {
    /// The mesh with positions transformed as points and normals by the inverse transpose, then normalized
    /// (Mitsuba's `to_world` applied to a mesh). Texture coordinates, colours and indices are unchanged.
    public func transformed(by transform: Transform4) -> TriangleMesh {
        let transformer = MeshTransformer(transform)
        var copy = self
        for i in 0..<vertexCount {
            let p = transformer.point(positions[3 * i], positions[3 * i + 1], positions[3 * i + 2])
            copy.positions[3 * i] = p.0; copy.positions[3 * i + 1] = p.1; copy.positions[3 * i + 2] = p.2
        }
        if let normals {
            var out = normals
            for i in 0..<(normals.count / 3) {
                let n = transformer.normal(normals[3 * i], normals[3 * i + 1], normals[3 * i + 2])
                out[3 * i] = n.0; out[3 * i + 1] = n.1; out[3 * i + 2] = n.2
            }
            copy.normals = out
        }
        return copy
    }

    /// The smallest axis-aligned box holding every vertex, or nil for a mesh without vertices.
    public var bounds: (min: Vector3f, max: Vector3f)? {
        guard vertexCount > 0 else { return nil }
        var low = position(0), high = low
        for i in 1..<vertexCount {
            let p = position(i)
            low = low.min(p)
            high = high.max(p)
        }
        return (low, high)
    }

    /// The total area of the triangles, `sum |(p1 - p0) x (p2 - p0)| / 2` (Mitsuba's `surface_area`),
    /// summed in `Double` so that large meshes do not lose small triangles.
    public var surfaceArea: Float {
        var total = 0.0
        var t = 0
        while t + 2 < indices.count {
            let i0 = Int(indices[t]), i1 = Int(indices[t + 1]), i2 = Int(indices[t + 2])
            t += 3
            guard i0 < vertexCount, i1 < vertexCount, i2 < vertexCount else { continue }
            let p0 = position(i0)
            let area = 0.5 * (position(i1) - p0).cross(position(i2) - p0).length
            total += Double(area)
        }
        return Float(total)
    }
}
