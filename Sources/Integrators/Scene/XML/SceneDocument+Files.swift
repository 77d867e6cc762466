// The files a scene is made of: the scene file, the files it includes, and every file a `filename` names.
import Foundation

extension SceneDocument {
    /// Every file the scene reads, sorted by path: the scene file, included files, and the existing files that
    /// the `filename` properties of its plugins resolve to (meshes, textures, environment maps).
    public var referencedFiles: [URL] {
        var paths: Set<String> = [url.path]
        func visit(_ plugin: PluginDescription) {
            if !plugin.location.path.isEmpty { paths.insert(plugin.location.path) }
            if case .string(let name)? = plugin.value("filename") {
                let file = resolvePath(name)
                if FileManager.default.fileExists(atPath: file.path) { paths.insert(file.path) }
            }
            plugin.children.forEach(visit)
        }
        visit(root)
        return paths.sorted().map { URL(fileURLWithPath: $0).standardizedFileURL }
    }
}
