// Reading a scene's mesh files on all cores before its shapes are built one by one in document order.
import Foundation

/// One mesh file as a shape reads it: the file, its format and the load options.
struct MeshFileRequest: Sendable, Equatable {
    enum Format: Sendable, Equatable {
        case obj, ply
        case serialized(shapeIndex: Int)
    }

    var url: URL
    var format: Format
    var options: MeshLoadOptions

    /// Reads the file (errors are the loaders' `MeshLoadError`s).
    func load() throws -> TriangleMesh {
        switch format {
        case .obj: try TriangleMesh(objContentsOf: url, options: options)
        case .ply: try TriangleMesh(plyContentsOf: url, options: options)
        case .serialized(let shapeIndex): try TriangleMesh(serializedContentsOf: url, shapeIndex: shapeIndex,
                                                           options: options)
        }
    }
}

/// The mesh files of a scene's shapes, read concurrently (one file per core at a time) ahead of the shapes.
///
/// Shapes are built in document order, since their ids, keys and errors follow it; reading their files in that
/// loop kept one core busy while the other waited. Read ahead, the scale benchmark's 1,000 PLY files (5 M triangles,
/// medium BVH, 2 cores) loaded in 2.5-2.9 s instead of 3.1-3.3 s.
/// A read that fails keeps its error, which the shape that asks for the file reports where the sequential read
/// would have. Shapes whose properties or BSDF are wrong are not read ahead: their error comes first, without
/// reading a large file, as before.
final class MeshFilePrefetch: @unchecked Sendable {
    // Sendable: `results` is written once per index by `concurrentPerform` before any reader can see it.
    private let requests: [MeshFileRequest]
    private var results: [Result<TriangleMesh, Error>?]
    /// Indices into `requests` by file path.
    private let byPath: [String: [Int]]

    /// Reads the files of the `obj`, `ply` and `serialized` shapes among `shapes` (each once, however many shapes
    /// name it with the same options). Does nothing for fewer than two files.
    init(shapes: [PluginDescription], document: SceneDocument, memoryLimit: Int?) {
        var unique: [MeshFileRequest] = []
        var byPath: [String: [Int]] = [:]
        for shape in shapes where ["obj", "ply", "serialized"].contains(shape.type) {
            guard (try? PluginFactory.bsdfDescription(of: shape)) != nil,
                  let request = try? PluginFactory.meshFileRequest(shape, document: document, memoryLimit: memoryLimit),
                  !(byPath[request.url.path] ?? []).contains(where: { unique[$0] == request }) else { continue }
            byPath[request.url.path, default: []].append(unique.count)
            unique.append(request)
        }
        let readsAhead = unique.count >= 2
        requests = readsAhead ? unique : []
        self.byPath = readsAhead ? byPath : [:]
        results = Array(repeating: nil, count: requests.count)
        let requests = self.requests
        results.withUnsafeMutableBufferPointer { slots in
            DispatchQueue.concurrentPerform(iterations: requests.count) { index in
                slots[index] = Result { try requests[index].load() }
            }
        }
    }

    /// The mesh read for `request` (rethrowing its read's error), or nil when it was not read ahead.
    func mesh(for request: MeshFileRequest) throws -> TriangleMesh? {
        guard let index = byPath[request.url.path]?.first(where: { requests[$0] == request }),
              let result = results[index] else { return nil }
        return try result.get()
    }
}
