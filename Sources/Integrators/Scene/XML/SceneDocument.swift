// Mitsuba 3 scene files: <scene version="3.0.0"> ... </scene>.
// Format: https://mitsuba.readthedocs.io/en/stable/src/key_topics/scene_format.html
import Foundation

/// A parsed Mitsuba 3 scene file: the `<scene>` root as a `PluginDescription` tree with
/// `$parameters` substituted, properties typed, transforms composed and `<ref>`s resolved.
///
/// Supported: plugin elements (`PluginKind`), `<ref id name>`, `<default name value>`,
/// `<float>`, `<integer>`, `<boolean>`, `<string>`, `<rgb>`, `<point>`, `<vector>`,
/// `<spectrum name value|filename>` (a float or an rgb colour, as Mitsuba's RGB variants make them), `<transform>` with `<translate>`, `<scale>`, `<rotate>`,
/// `<lookat>`, `<matrix>`, plus `<include filename>`, `<alias id as>` and `<path value>`.
public struct SceneDocument: Sendable {
    /// The scene file.
    public let url: URL
    /// The root `<scene>` (kind `.scene`, type "scene"); the top-level plugins are its children.
    public let root: PluginDescription
    /// The scene's `version` attribute, e.g. "3.0.0".
    public let version: String
    /// The parameters in effect at the end of the file: `<default>`s overridden by `overrides`.
    public let parameters: [String: String]
    /// Directories searched by `resolvePath`: those added with `<path value>`, then the scene file's directory.
    public let searchPaths: [URL]
    /// Every plugin that has an `id`, resolved.
    public let pluginsByID: [String: PluginDescription]
    /// The BSDFs and textures made from this document, shared between equivalent descriptions.
    let equivalentPlugins = EquivalentPlugins()

    /// The directory of the scene file, against which relative `filename`s resolve.
    public var directory: URL { url.deletingLastPathComponent() }

    /// The top-level plugins in declaration order.
    public var plugins: [PluginDescription] { root.children }

    /// The top-level plugins of one kind.
    public func plugins(of kind: PluginKind) -> [PluginDescription] { root.children(of: kind) }

    /// Reads and parses the scene file at `url`; `overrides` are the command line's `-D name=value`
    /// and win over `<default>`s.
    public init(contentsOf url: URL, overrides: [String: String] = [:]) throws {
        let url = url.standardizedFileURL
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            let exists = FileManager.default.fileExists(atPath: url.path)
            throw SceneError(
                exists ? "cannot read scene file \(url.path)" : "scene file not found: \(url.path)",
                at: SourceLocation(path: url.path, line: nil))
        }
        try self.init(data: data, url: url, overrides: overrides)
    }

    /// Parses scene XML held in memory; `url` names it in messages and anchors relative paths.
    public init(xml: String, url: URL, overrides: [String: String] = [:]) throws {
        try self.init(data: Data(xml.utf8), url: url.standardizedFileURL, overrides: overrides)
    }

    private init(data: Data, url: URL, overrides: [String: String]) throws {
        let reader = SceneXMLReader(overrides: overrides, directory: url.deletingLastPathComponent())
        let rootNode = try XMLTreeBuilder.parse(data: data, path: url.path)
        let (raw, version) = try reader.readRoot(rootNode)
        let resolved = try reader.resolve(raw)
        self.url = url
        self.root = resolved
        self.version = version
        self.parameters = reader.parameters
        self.searchPaths = reader.searchPaths + [url.deletingLastPathComponent()]
        self.pluginsByID = reader.resolvedByID
    }

    /// Resolves a path from the scene (e.g. a `filename` property): absolute paths as they are;
    /// relative ones against the `<path>` directories and then the scene's directory, taking the
    /// first where the file exists (the scene's directory when none has it).
    public func resolvePath(_ path: String) -> URL {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardizedFileURL }
        for dir in searchPaths {
            let candidate = dir.appendingPathComponent(expanded).standardizedFileURL
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        return directory.appendingPathComponent(expanded).standardizedFileURL
    }

    /// `resolvePath` of the string property `property` of `plugin`, throwing a located error when
    /// the property is missing or the file does not exist.
    public func resolveFile(_ plugin: PluginDescription, property: String = "filename") throws -> URL {
        let name = try plugin.string(property)
        let url = resolvePath(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            let dirs = searchPaths.map(\.path).joined(separator: ", ")
            throw plugin.error("file '\(name)' not found (looked in \(dirs))", property: property)
        }
        return url
    }
}
