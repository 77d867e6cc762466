// MeshVertexFinisher: the per-vertex work every binary loader ends with: finiteness checks, to_world, flips.

import Foundation

/// Applies `to_world` to positions (as points) and normals (inverse transpose, normalized), flips texture
/// coordinates when asked, and refuses non-finite values, naming the first bad vertex (0-based). Works in
/// parallel chunks; the reported vertex is the first in file order whatever chunk finds it.
struct MeshVertexFinisher {
    let name: String
    let options: MeshLoadOptions

    func finish(positions: inout [Float], normals: inout [Float]?, texcoords: inout [Float]?,
                colors: [Float]?) throws {
        let count = positions.count / 3
        let transformer = MeshTransformer(options.toWorld)
        let flip = options.flipTexCoords
        let chunk = 1 << 16
        let chunks = (count + chunk - 1) / chunk
        var failures = [(Int, String)?](repeating: nil, count: chunks)
        let hasNormals = normals != nil, hasTexcoords = texcoords != nil
        // Moved out of the optionals so that writing them does not copy them.
        var normalBuffer = normals ?? [], texcoordBuffer = texcoords ?? []
        normals = nil
        texcoords = nil
        defer {
            if hasNormals { normals = normalBuffer }
            if hasTexcoords { texcoords = texcoordBuffer }
        }
        let colorBuffer = colors ?? []
        positions.withUnsafeMutableBufferPointer { p in
            normalBuffer.withUnsafeMutableBufferPointer { n in
                texcoordBuffer.withUnsafeMutableBufferPointer { t in
                    failures.withUnsafeMutableBufferPointer { failed in
                        OBJReader.forEach(chunks) { c in
                            for i in (c * chunk)..<min(count, (c + 1) * chunk) {
                                if let reason = finishVertex(i, p, n, t, colorBuffer, transformer, flip) {
                                    failed[c] = (i, reason)
                                    return
                                }
                            }
                        }
                    }
                }
            }
        }
        if let (vertex, reason) = failures.lazy.compactMap({ $0 }).first {
            throw MeshLoadError(fileName: name, location: "vertex \(vertex)", reason: reason)
        }
    }

    /// Finishes vertex `i`; returns what is wrong with it, or nil.
    @inline(__always)
    private func finishVertex(_ i: Int, _ p: UnsafeMutableBufferPointer<Float>, _ n: UnsafeMutableBufferPointer<Float>,
                              _ t: UnsafeMutableBufferPointer<Float>, _ colors: [Float],
                              _ transformer: MeshTransformer, _ flip: Bool) -> String? {
        let x = p[3 * i], y = p[3 * i + 1], z = p[3 * i + 2]
        guard x.isFinite, y.isFinite, z.isFinite else { return "position (\(x), \(y), \(z)) is not finite" }
        let q = transformer.point(x, y, z)
        guard q.0.isFinite, q.1.isFinite, q.2.isFinite else { return "position is not finite after to_world" }
        p[3 * i] = q.0; p[3 * i + 1] = q.1; p[3 * i + 2] = q.2
        if n.count > 0 {
            let a = n[3 * i], b = n[3 * i + 1], c = n[3 * i + 2]
            guard a.isFinite, b.isFinite, c.isFinite else { return "normal (\(a), \(b), \(c)) is not finite" }
            let m = transformer.normal(a, b, c)
            guard m.0.isFinite, m.1.isFinite, m.2.isFinite else {
                return "normal (\(a), \(b), \(c)) cannot be normalized"
            }
            n[3 * i] = m.0; n[3 * i + 1] = m.1; n[3 * i + 2] = m.2
        }
        if t.count > 0 {
            let u = t[2 * i], v = t[2 * i + 1]
            guard u.isFinite, v.isFinite else { return "texture coordinate (\(u), \(v)) is not finite" }
            if flip { t[2 * i + 1] = 1 - v }
        }
        if !colors.isEmpty {
            let r = colors[3 * i], g = colors[3 * i + 1], b = colors[3 * i + 2]
            guard r.isFinite, g.isFinite, b.isFinite else { return "colour (\(r), \(g), \(b)) is not finite" }
        }
        return nil
    }
}
