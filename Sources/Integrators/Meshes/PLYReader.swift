// PLYReader: Stanford PLY bytes (ASCII or binary, either byte order) to a TriangleMesh as Mitsuba's ply plugin.

/// Reads the `vertex` and `face` elements of a PLY file and skips every other element, list properties
/// included. Vertex properties are converted to floats by Mitsuba 3.9.1's rules (see `mitsubaFloat`).
struct PLYReader {
    let name: String
    let options: MeshLoadOptions

    /// Where each wanted vertex property sits among the element's properties.
    private enum Slot: Int { case x, y, z, nx, ny, nz, u, v, r, g, b }

    func read(_ buffer: UnsafeRawBufferPointer) throws -> TriangleMesh {
        let bytes = buffer.bindMemory(to: UInt8.self)
        let header = try PLYHeader(bytes: bytes, fileName: name)
        guard let base = bytes.baseAddress else { throw MeshLoadError(fileName: name, reason: "empty file") }
        var reader = PLYValueReader(base: base, end: bytes.count, offset: header.dataOffset, format: header.format)

        var vertices: VertexBuffers?
        var indices: [UInt32] = []
        var faceAttributes: [MeshAttributeBuffer] = []
        var sawFaces = false
        for element in header.elements {
            switch element.name {
            case "vertex":
                guard vertices == nil else { throw fail("vertex", nil, "a second vertex element") }
                vertices = try readVertices(element, &reader)
            case "face":
                guard !sawFaces else { throw fail("face", nil, "a second face element") }
                sawFaces = true
                (indices, faceAttributes) = try readFaces(element, vertexCount: vertices?.count, &reader)
            default:
                try skip(element, &reader)
            }
        }
        guard reader.atEnd() else {
            throw MeshLoadError(fileName: name, reason: header.format == .ascii
                                    ? "unexpected text after the last element"
                                    : "\(reader.remaining) bytes of trailing data after the last element")
        }
        guard var vertices else { throw MeshLoadError(fileName: name, reason: "no vertex element") }
        // A face element before the vertex element could not be checked while it was read.
        if let bad = indices.firstIndex(where: { Int($0) >= vertices.count }) {
            throw fail("face", nil, "triangle \(bad / 3) uses vertex \(indices[bad]), but there are \(vertices.count) vertices")
        }
        try MeshVertexFinisher(name: name, options: options).finish(
            positions: &vertices.positions, normals: &vertices.normals, texcoords: &vertices.texcoords,
            colors: vertices.colors)
        var normals = vertices.normals
        if !options.faceNormals && normals == nil {
            normals = TriangleMesh.vertexNormals(positions: vertices.positions, indices: indices)
        }
        var mesh = TriangleMesh(name: name, positions: vertices.positions, normals: normals,
                                texcoords: vertices.texcoords, colors: vertices.colors, indices: indices,
                                flipsNormals: options.flipNormals)
        mesh.attributes = vertices.attributes + faceAttributes
        return mesh
    }

    private struct VertexBuffers {
        var count: Int
        var positions: [Float]
        var normals: [Float]?
        var texcoords: [Float]?
        var colors: [Float]?
        var attributes: [MeshAttributeBuffer]
    }

    private func fail(_ element: String, _ index: Int?, _ reason: String) -> MeshLoadError {
        MeshLoadError(fileName: name, location: index.map { "\(element) \($0)" } ?? "element \(element)",
                      reason: reason)
    }

    private func describe(_ error: PLYValueError, expected: String) -> String {
        switch error {
        case .truncated: return "the file ends early (expected \(expected))"
        case let .malformed(token): return "expected \(expected), found '\(token)'"
        case let .outOfRange(token, type): return "'\(token)' does not fit the property's type \(type)"
        }
    }

    /// The fewest bytes one record can take, so that a count can be checked against the bytes left.
    private func minimumRecordSize(_ element: PLYElement, _ format: PLYHeader.Format) -> Int {
        element.properties.reduce(0) { total, property in
            if format == .ascii { return total + 2 }
            switch property.kind {
            case let .scalar(type): return total + type.size
            case let .list(countType, _): return total + countType.size
            }
        }
    }

    /// Refuses counts that the rest of the file cannot hold, before anything is reserved for them.
    private func checkCount(_ element: PLYElement, _ reader: PLYValueReader) throws {
        let minimum = minimumRecordSize(element, reader.format)
        let (needed, overflow) = element.count.multipliedReportingOverflow(by: minimum)
        // An ASCII file's last value needs no separator after it.
        let available = reader.remaining + (reader.format == .ascii ? 1 : 0)
        if overflow || needed > available {
            throw fail(element.name, nil, "\(element.count) records need at least \(minimum) bytes each, "
                           + "but only \(reader.remaining) bytes are left")
        }
    }

    private func readVertices(_ element: PLYElement, _ reader: inout PLYValueReader) throws -> VertexBuffers {
        try checkCount(element, reader)
        func scalar(_ names: String...) -> [Int]? {
            let found = names.compactMap { element.scalarIndex($0) }
            return found.count == names.count ? found : nil
        }
        guard let position = scalar("x", "y", "z") else {
            throw fail("vertex", nil, "expected scalar properties x, y and z")
        }
        let normal = options.faceNormals ? nil : scalar("nx", "ny", "nz")
        let texcoordNames = [["u", "v"], ["texture_u", "texture_v"], ["s", "t"]].first { names in
            names.allSatisfy { element.scalarIndex($0) != nil }
        }
        let texcoord = texcoordNames.map { names in names.map { element.scalarIndex($0)! } }
        let color = scalar("r", "g", "b") ?? scalar("red", "green", "blue")
        let groups = PLYAttributeGrouping.groups(
            of: element, kind: "vertex_", reserved: Set(["x", "y", "z", "nx", "ny", "nz", "u", "v"] + (texcoordNames ?? [])),
            includingColor: false)
        var slots = [Int](repeating: -1, count: element.properties.count)
        for (k, index) in position.enumerated() { slots[index] = Slot.x.rawValue + k }
        for (k, index) in (normal ?? []).enumerated() { slots[index] = Slot.nx.rawValue + k }
        for (k, index) in (texcoord ?? []).enumerated() { slots[index] = Slot.u.rawValue + k }
        for (k, index) in (color ?? []).enumerated() { slots[index] = Slot.r.rawValue + k }
        for (g, group) in groups.enumerated() {
            for (c, index) in group.properties.enumerated() { slots[index] = Self.attributeSlot(group: g, channel: c) }
        }

        let count = element.count
        var positions = [Float](repeating: 0, count: count * 3)
        var normals = [Float](repeating: 0, count: normal == nil ? 0 : count * 3)
        var texcoords = [Float](repeating: 0, count: texcoord == nil ? 0 : count * 2)
        var colors = [Float](repeating: 0, count: color == nil ? 0 : count * 3)
        var attributes = groups.map { [Float](repeating: 0, count: count * $0.properties.count) }
        let properties = element.properties
        for vertex in 0..<count {
            for (index, property) in properties.enumerated() {
                let slot = slots[index]
                do {
                    guard slot >= 0, case let .scalar(type) = property.kind else {
                        try reader.skip(property.kind)
                        continue
                    }
                    let value = Self.mitsubaFloat(try reader.scalar(type), type)
                    switch slot {
                    case 0...2: positions[3 * vertex + slot] = value
                    case 3...5: normals[3 * vertex + slot - 3] = value
                    case 6...7: texcoords[2 * vertex + slot - 6] = value
                    case 8...10: colors[3 * vertex + slot - 8] = value
                    default:
                        let (g, c) = Self.attributeTarget(slot)
                        attributes[g][groups[g].properties.count * vertex + c] = value
                    }
                } catch let error as PLYValueError {
                    throw fail("vertex", vertex, describe(error, expected: "property \(property.name)"))
                }
            }
        }
        return VertexBuffers(count: count, positions: positions, normals: normal == nil ? nil : normals,
                             texcoords: texcoord == nil ? nil : texcoords, colors: color == nil ? nil : colors,
                             attributes: zip(groups, attributes).map {
                                 MeshAttributeBuffer(name: $0.name, channels: $0.properties.count, values: $1)
                             })
    }

    /// The slot of channel `channel` of attribute group `group` (after the fixed slots).
    private static func attributeSlot(group: Int, channel: Int) -> Int { 16 + 4 * group + channel }

    /// The group and channel of an attribute slot.
    private static func attributeTarget(_ slot: Int) -> (group: Int, channel: Int) { ((slot - 16) / 4, (slot - 16) % 4) }

    /// The triangles (polygons as fans) and the face attributes, repeated for each triangle of a polygon.
    private func readFaces(_ element: PLYElement, vertexCount: Int?,
                           _ reader: inout PLYValueReader) throws -> ([UInt32], [MeshAttributeBuffer]) {
        try checkCount(element, reader)
        // Mitsuba looks for vertex_index first, then vertex_indices.
        let listIndex = element.properties.firstIndex { $0.name == "vertex_index" }
            ?? element.properties.firstIndex { $0.name == "vertex_indices" }
        guard let listIndex, case let .list(countType, itemType) = element.properties[listIndex].kind else {
            throw fail("face", nil, "expected a list property vertex_indices or vertex_index")
        }
        guard itemType.isInteger else {
            throw fail("face", nil, "vertex index type \(itemType) is not an integer type")
        }
        var indices: [UInt32] = []
        let listName = element.properties[listIndex].name
        let groups = PLYAttributeGrouping.groups(of: element, kind: "face_",
                                                 reserved: ["vertex_index", "vertex_indices", listName],
                                                 includingColor: true)
        var target = [(group: Int, channel: Int)?](repeating: nil, count: element.properties.count)
        for (g, group) in groups.enumerated() {
            for (c, index) in group.properties.enumerated() { target[index] = (g, c) }
        }
        var attributes = groups.map { _ in [Float]() }
        var faceValues = groups.map { [Float](repeating: 0, count: $0.properties.count) }
        // A face needs its count and three indices; the header's count alone is not trusted.
        let smallestFace = reader.format == .ascii ? 8 : countType.size + 3 * itemType.size
        indices.reserveCapacity(min(element.count, reader.remaining / smallestFace + 1) * 3)
        let limit = Int64(vertexCount ?? Int(UInt32.max) + 1)
        for face in 0..<element.count {
            let trianglesBefore = indices.count / 3
            for (index, property) in element.properties.enumerated() {
                do {
                    if let (g, c) = target[index], case let .scalar(type) = property.kind {
                        faceValues[g][c] = Self.mitsubaFloat(try reader.scalar(type), type)
                        continue
                    }
                    guard index == listIndex else {
                        try reader.skip(property.kind)
                        continue
                    }
                    let corners = try reader.integer(countType)
                    guard corners >= 3 else {
                        throw fail("face", face, "expected at least 3 vertex indices, found \(corners)")
                    }
                    // A lying count runs out of bytes; check first so the loop below stays short.
                    let minimum = reader.format == .ascii ? 2 : itemType.size
                    guard corners <= Int64(reader.remaining / minimum + 1) else { throw PLYValueError.truncated }
                    var first: UInt32 = 0, previous: UInt32 = 0
                    for k in 0..<Int(corners) {
                        let value = try reader.integer(itemType)
                        guard value >= 0, value < limit else {
                            let bound = vertexCount.map { "there are \($0) vertices" } ?? "indices must fit 32 bits"
                            throw fail("face", face, "vertex index \(value) is out of range (\(bound))")
                        }
                        let id = UInt32(value)
                        if k == 0 {
                            first = id
                        } else if k >= 2 {
                            indices.append(first); indices.append(previous); indices.append(id)
                        }
                        previous = id
                    }
                } catch let error as PLYValueError {
                    throw fail("face", face, describe(error, expected: "property \(property.name)"))
                }
            }
            // The face's attribute values, once per triangle it became.
            let triangles = indices.count / 3 - trianglesBefore
            for g in groups.indices {
                for _ in 0..<triangles { attributes[g] += faceValues[g] }
            }
        }
        let buffers = zip(groups, attributes).map {
            MeshAttributeBuffer(name: $0.name, channels: $0.properties.count, values: $1)
        }
        return (indices, buffers)
    }

    private func skip(_ element: PLYElement, _ reader: inout PLYValueReader) throws {
        try checkCount(element, reader)
        if reader.format != .ascii, let size = element.fixedRecordSize {
            reader.offset += element.count * size  // checkCount proved this fits
            return
        }
        guard !element.properties.isEmpty else { return }
        for record in 0..<element.count {
            for property in element.properties {
                do {
                    try reader.skip(property.kind)
                } catch let error as PLYValueError {
                    throw fail(element.name, record, describe(error, expected: "property \(property.name)"))
                }
            }
        }
    }

    /// A property value as Mitsuba 3.9.1 stores it in a float buffer (its struct converter with the
    /// `Normalized | Gamma` flags the PLY header gives integer properties), as observed with Mitsuba itself:
    /// float types are converted; `uchar` and `long` values are kept as they are (so 8-bit colours arrive as
    /// 0...255); every other integer type is divided by its largest value and then decoded from sRGB to linear.
    static func mitsubaFloat(_ raw: Double, _ type: PLYScalarType) -> Float {
        let scale: Double
        switch type {
        case .float16, .float32, .float64, .uint8, .int64: return Float(raw)
        case .int8: scale = 127
        case .int16: scale = 32767
        case .uint16: scale = 65535
        case .int32: scale = 2147483647
        case .uint32: scale = 4294967295
        case .uint64: scale = 0x1p64  // 2^64 - 1 rounds to 2^64 in Double anyway
        }
        let x = Float(raw / scale)
        return x <= 0.04045 ? x / 12.92 : powf((x + 0.055) / 1.055, 2.4)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
