// SerializedReader: Mitsuba's binary "serialized" mesh format (versions 3 and 4) to a TriangleMesh.
//
// Layout, little-endian: each shape is a 2-byte format tag 0x041C, a 2-byte version (3 or 4) and a zlib stream
// holding: u32 flags, (v4) a NUL-terminated shape name, u64 vertex count, u64 triangle count, positions,
// [normals], [texcoords], [colours] as float32 or float64 arrays, then u32 vertex indices. The file ends with a
// dictionary: one offset per shape (u64 in v4, u32 in v3) followed by the u32 shape count.

/// Reads shape `shapeIndex` of a serialized file, as Mitsuba's serialized plugin does.
struct SerializedReader {
    let name: String
    let shapeIndex: Int
    let options: MeshLoadOptions

    static let formatTag: UInt16 = 0x041C
    /// Flag bits of the shape header (Mitsuba's `TriMeshFlags`).
    enum Flag {
        static let normals: UInt32 = 0x0001
        static let texcoords: UInt32 = 0x0002
        static let colors: UInt32 = 0x0008
        static let faceNormals: UInt32 = 0x0010
        static let doublePrecision: UInt32 = 0x2000
    }
    /// The most a deflate stream can expand (zlib's limit is about 1032:1); counts that would need more than
    /// this from the compressed bytes left are lies and are refused before anything is allocated.
    static let maximumExpansion = 1032

    private var location: String { "shape \(shapeIndex)" }

    private func fail(_ reason: String) -> MeshLoadError {
        MeshLoadError(fileName: name, location: location, reason: reason)
    }

    func read(_ bytes: UnsafeRawBufferPointer) throws -> TriangleMesh {
        guard shapeIndex >= 0 else { throw fail("the shape index must be 0 or more") }
        let (start, version) = try locateShape(bytes)
        let compressed = UnsafeRawBufferPointer(rebasing: bytes[start...])
        let stream = try MeshInflater(source: compressed, fileName: name, location: location)

        let flags = try stream.read(UInt32.self, what: "the flags")
        var shapeName = ""
        if version == 4 {
            var nameBytes: [UInt8] = []
            while true {
                let byte = try stream.read(UInt8.self, what: "the shape name")
                if byte == 0 { break }
                guard nameBytes.count < 65536 else { throw fail("the shape name is not terminated") }
                nameBytes.append(byte)
            }
            shapeName = String(decoding: nameBytes, as: UTF8.self)
        }
        let vertexCount64 = try stream.read(UInt64.self, what: "the vertex count")
        let triangleCount64 = try stream.read(UInt64.self, what: "the triangle count")

        // Check the counts against what the compressed bytes could possibly hold.
        let scalarSize = flags & Flag.doublePrecision != 0 ? 8 : 4
        var perVertex = 3
        if flags & Flag.normals != 0 { perVertex += 3 }
        if flags & Flag.texcoords != 0 { perVertex += 2 }
        if flags & Flag.colors != 0 { perVertex += 3 }
        let capacity = compressed.count.multipliedReportingOverflow(by: Self.maximumExpansion)
        guard vertexCount64 <= UInt64(UInt32.max), triangleCount64 <= UInt64(UInt32.max) else {
            throw fail("\(vertexCount64) vertices and \(triangleCount64) triangles exceed 32-bit indices")
        }
        let vertexCount = Int(vertexCount64), triangleCount = Int(triangleCount64)
        let needed = vertexCount * perVertex * scalarSize + triangleCount * 12
        guard capacity.overflow || needed <= capacity.partialValue else {
            throw fail("\(vertexCount) vertices and \(triangleCount) triangles need \(needed) bytes, more than "
                           + "\(compressed.count) compressed bytes can hold")
        }

        let double = scalarSize == 8
        var positions = try readFloats(stream, count: vertexCount * 3, double: double, what: "vertex positions")
        var normals: [Float]? = nil
        if flags & Flag.normals != 0 {
            let values = try readFloats(stream, count: vertexCount * 3, double: double, what: "vertex normals")
            // With face_normals the file's normals are read past and dropped, as Mitsuba does.
            if !options.faceNormals { normals = values }
        }
        var texcoords: [Float]? = nil
        if flags & Flag.texcoords != 0 {
            texcoords = try readFloats(stream, count: vertexCount * 2, double: double, what: "texture coordinates")
        }
        // Mitsuba 3.9.1 skips the colours; they are kept here (Mitsuba's vertex_color would be their name).
        var colors: [Float]? = nil
        if flags & Flag.colors != 0 {
            colors = try readFloats(stream, count: vertexCount * 3, double: double, what: "vertex colours")
        }
        let indices = try readIndices(stream, count: triangleCount * 3)
        if let bad = indices.firstIndex(where: { Int($0) >= vertexCount }) {
            throw fail("triangle \(bad / 3) uses vertex \(indices[bad]), but there are \(vertexCount) vertices")
        }

        try MeshVertexFinisher(name: name, options: options).finish(
            positions: &positions, normals: &normals, texcoords: &texcoords, colors: colors)
        if !options.faceNormals && normals == nil {
            normals = TriangleMesh.vertexNormals(positions: positions, indices: indices)
        }
        let meshName = shapeName.isEmpty ? "\(name)@\(shapeIndex)" : shapeName
        return TriangleMesh(name: meshName, positions: positions, normals: normals, texcoords: texcoords,
                            colors: colors, indices: indices, flipsNormals: options.flipNormals)
    }

    /// The offset of the shape's zlib stream and the file's version. Shape 0 starts the file; the others are
    /// found through the dictionary at the end.
    private func locateShape(_ bytes: UnsafeRawBufferPointer) throws -> (Int, UInt16) {
        func u16(_ offset: Int) -> UInt16 { UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self)) }
        func u32(_ offset: Int) -> UInt32 { UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
        func u64(_ offset: Int) -> UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
        guard bytes.count >= 4, u16(0) == Self.formatTag else {
            throw MeshLoadError(fileName: name, reason: "not a serialized mesh (expected the format tag 0x041C)")
        }
        let version = u16(2)
        guard version == 3 || version == 4 else {
            throw MeshLoadError(fileName: name, reason: "unsupported serialized version \(version), expected 3 or 4")
        }
        if shapeIndex == 0 { return (4, version) }

        guard bytes.count >= 8 else { throw fail("the file has no shape dictionary") }
        let shapeCount = Int(u32(bytes.count - 4))
        guard shapeIndex < shapeCount else {
            throw fail("the shape index is out of range (the file has \(shapeCount) shapes)")
        }
        let entrySize = version == 4 ? 8 : 4
        let (tableSize, overflow) = shapeCount.multipliedReportingOverflow(by: entrySize)
        guard !overflow, tableSize <= bytes.count - 8 else {
            throw fail("the dictionary of \(shapeCount) shapes does not fit in the file")
        }
        let entry = bytes.count - 4 - tableSize + shapeIndex * entrySize
        let offset64 = version == 4 ? u64(entry) : UInt64(u32(entry))
        guard offset64 <= UInt64(bytes.count - 4 - tableSize - 4) else {
            throw fail("the dictionary points past the end of the shapes (offset \(offset64))")
        }
        let offset = Int(offset64)
        guard u16(offset) == Self.formatTag, u16(offset + 2) == version else {
            throw fail("no shape header at offset \(offset) (expected 0x041C and version \(version))")
        }
        return (offset + 4, version)
    }

    /// `count` little-endian float32 or float64 values as Floats, inflated in pieces so that memory grows only
    /// with data that is really there.
    private func readFloats(_ stream: MeshInflater, count: Int, double: Bool, what: String) throws -> [Float] {
        var values: [Float] = []
        values.reserveCapacity(min(count, 1 << 22))
        let size = double ? 8 : 4
        let piece = 1 << 16
        var scratch = [UInt8](repeating: 0, count: piece * size)
        var done = 0
        while done < count {
            let n = min(piece, count - done)
            try scratch.withUnsafeMutableBytes { raw in
                try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<(n * size)]), what: what)
                if double {
                    for k in 0..<n {
                        let bits = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self))
                        values.append(Float(Double(bitPattern: bits)))
                    }
                } else {
                    for k in 0..<n {
                        let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self))
                        values.append(Float(bitPattern: bits))
                    }
                }
            }
            done += n
        }
        return values
    }

    private func readIndices(_ stream: MeshInflater, count: Int) throws -> [UInt32] {
        var values: [UInt32] = []
        values.reserveCapacity(min(count, 1 << 22))
        let piece = 1 << 16
        var scratch = [UInt8](repeating: 0, count: piece * 4)
        var done = 0
        while done < count {
            let n = min(piece, count - done)
            try scratch.withUnsafeMutableBytes { raw in
                try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<(n * 4)]), what: "triangle indices")
                for k in 0..<n {
                    values.append(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self)))
                }
            }
            done += n
        }
        return values
    }
}
