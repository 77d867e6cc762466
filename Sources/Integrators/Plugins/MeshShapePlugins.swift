// Mitsuba's mesh shapes from scene files: `obj`, `ply`, `serialized` (loaded from disk) and `cube`.
import Foundation
import Tracer

extension PluginFactory {
    /// The triangle mesh of an `obj`, `ply`, `serialized` or `cube` description, in world space. Properties as
    /// Mitsuba 3.9.1 reads them: `filename` (resolved against the scene's paths), `to_world`, `face_normals`,
    /// `flip_normals`, `flip_tex_coords` (obj: default true; ply: default false) and `shape_index` (serialized).
    /// A file that does not load is an error naming the shape, the file and what is wrong with it.
    /// `prefetched` holds files read ahead of the shapes (`MeshFilePrefetch`), read here when absent.
    static func makeMesh(_ description: PluginDescription, document: SceneDocument, memoryLimit: Int? = nil,
                         prefetched: MeshFilePrefetch? = nil) throws -> TriangleMesh {
        guard description.type == "cube" else {
            let request = try meshFileRequest(description, document: document, memoryLimit: memoryLimit)
            return try located(description) { try prefetched?.mesh(for: request) ?? request.load() }
        }
        try requireKnownShapeProperties(description, commonMeshProperties)
        let toWorld = try meshTransform(description)
        var mesh = TriangleMesh.cube(toWorld: toWorld, flipNormals: try description.boolean("flip_normals",
                                                                                           default: false))
        if try description.boolean("face_normals", default: false) { mesh.normals = nil }
        mesh.name = description.id ?? "cube"
        return mesh
    }

    /// The file an `obj`, `ply` or `serialized` description reads and how, its properties checked.
    static func meshFileRequest(_ description: PluginDescription, document: SceneDocument, memoryLimit: Int?) throws
        -> MeshFileRequest {
        switch description.type {
        case "obj", "ply":
            try requireKnownShapeProperties(description, commonMeshProperties.union(["filename", "flip_tex_coords"]))
            var options = description.type == "obj" ? MeshLoadOptions.obj : .ply
            try read(description, into: &options, memoryLimit: memoryLimit)
            options.flipTexCoords = try description.boolean("flip_tex_coords", default: options.flipTexCoords)
            let format: MeshFileRequest.Format = description.type == "obj" ? .obj : .ply
            return MeshFileRequest(url: try document.resolveFile(description), format: format, options: options)
        case "serialized":
            try requireKnownShapeProperties(description, commonMeshProperties.union(["filename", "shape_index"]))
            var options = MeshLoadOptions.serialized
            try read(description, into: &options, memoryLimit: memoryLimit)
            let shapeIndex = try description.integer("shape_index", default: 0)
            if shapeIndex < 0 {
                throw description.error("shape_index must be 0 or more, got \(shapeIndex)", property: "shape_index")
            }
            return MeshFileRequest(url: try document.resolveFile(description), format: .serialized(shapeIndex: shapeIndex),
                                   options: options)
        default:
            preconditionFailure("PluginFactory.meshFileRequest: '\(description.type)' is not a mesh file type")
        }
    }

    /// The properties every mesh plugin takes.
    private static let commonMeshProperties: Set<String> = ["to_world", "face_normals", "flip_normals"]

    /// The mesh plugin types.
    static let meshTypes: Set<String> = ["obj", "ply", "serialized", "cube"]

    private static func read(_ description: PluginDescription, into options: inout MeshLoadOptions,
                             memoryLimit: Int?) throws {
        options.memoryLimit = memoryLimit
        options.faceNormals = try description.boolean("face_normals", default: false)
        options.flipNormals = try description.boolean("flip_normals", default: false)
        options.toWorld = try meshTransform(description)
    }

    private static func meshTransform(_ description: PluginDescription) throws -> Transform4 {
        let toWorld = try description.transform("to_world", default: .identity)
        guard toWorld.isInvertible else { throw description.error("'to_world' must be invertible", property: "to_world") }
        return toWorld
    }

    /// Runs a loader, turning its error into a scene error located at the shape.
    private static func located(_ description: PluginDescription, _ load: () throws -> TriangleMesh) throws
        -> TriangleMesh {
        do {
            var mesh = try load()
            if let id = description.id { mesh.name = id }
            return mesh
        } catch let error as MeshLoadError {
            throw description.error("cannot load the mesh: \(error)", property: "filename")
        }
    }
}
