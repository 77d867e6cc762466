// TriangleMesh+Loading: the public entry points of the obj, ply and serialized loaders (files or bytes).

import Foundation

extension TriangleMesh {
    /// Loads a Wavefront OBJ file as Mitsuba's `obj` shape does: vertices are the distinct (v, vt, vn) triples
    /// used by faces, polygons are fan-triangulated, missing normals are computed unless `faceNormals`.
    /// Relative (negative) indices are accepted too (Mitsuba 3.9.1 refuses them).
    public init(objContentsOf url: URL, options: MeshLoadOptions = .obj) throws {
        let data = try Self.contents(of: url)
        try MeshMemory.check(fileBytes: data.count, format: .obj, limit: options.memoryLimit, fileName: url.lastPathComponent)
        try self.init(objData: data, name: url.lastPathComponent, options: options)
    }

    /// Loads OBJ text held in memory; `name` stands for the file in messages and becomes the mesh's name.
    public init(objData: Data, name: String, options: MeshLoadOptions = .obj) throws {
        self = try objData.withUnsafeBytes { try OBJReader(name: name, options: options).read($0) }
    }

    /// Loads a Stanford PLY file (ASCII, binary little- or big-endian) as Mitsuba's `ply` shape does.
    public init(plyContentsOf url: URL, options: MeshLoadOptions = .ply) throws {
        let data = try Self.contents(of: url)
        let isASCII = String(decoding: data.prefix(256), as: UTF8.self).contains("format ascii")
        try MeshMemory.check(fileBytes: data.count, format: isASCII ? .asciiPLY : .binaryPLY,
                             limit: options.memoryLimit, fileName: url.lastPathComponent)
        try self.init(plyData: data, name: url.lastPathComponent, options: options)
    }

    /// Loads PLY bytes held in memory; `name` stands for the file in messages and becomes the mesh's name.
    public init(plyData: Data, name: String, options: MeshLoadOptions = .ply) throws {
        self = try plyData.withUnsafeBytes { try PLYReader(name: name, options: options).read($0) }
    }

    /// Loads shape `shapeIndex` of a Mitsuba serialized file (format versions 3 and 4) as Mitsuba's
    /// `serialized` shape does. The mesh is named after the shape's stored name (version 4) or
    /// "file@index".
    public init(serializedContentsOf url: URL, shapeIndex: Int = 0, options: MeshLoadOptions = .serialized) throws {
        let data = try Self.contents(of: url)
        try MeshMemory.check(fileBytes: data.count, format: .serialized, limit: options.memoryLimit,
                             fileName: url.lastPathComponent)
        try self.init(serializedData: data, name: url.lastPathComponent, shapeIndex: shapeIndex, options: options)
    }

    /// Loads shape `shapeIndex` of serialized bytes held in memory; `name` stands for the file in messages.
    public init(serializedData: Data, name: String, shapeIndex: Int = 0,
                options: MeshLoadOptions = .serialized) throws {
        self = try serializedData.withUnsafeBytes {
            try SerializedReader(name: name, shapeIndex: shapeIndex, options: options).read($0)
        }
    }

    /// The file's bytes, memory-mapped when the system allows; a missing or unreadable file is a
    /// `MeshLoadError` naming it.
    private static func contents(of url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw MeshLoadError(fileName: url.lastPathComponent, reason: "cannot read the file (\(error.localizedDescription))")
        }
    }
}
