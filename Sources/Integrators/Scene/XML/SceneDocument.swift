// Mitsuba 3 scene files: <scene version="3.0.0"> ... </scene>.
// Format: https://mitsuba.readthedocs.io/en/stable/src/key_topics/scene_format.html
import Foundation

/// A parsed Mitsuba 3 scene file: the `<scene>` root as a `PluginDescription` tree with
/// `$parameters` substituted, properties typed, transforms composed and `<ref>`s resolved.
///
/// Supported: plugin elements (`PluginKind`), `<ref id name>`, `<default name value>`,
/// `<float>`, `<integer>`, `<boolean>`, `<string>`, `<rgb>`, `<point>`, `<vector>`, constant
/// `<spectrum name value>` (as a float), `<transform>` with `<translate>`, `<scale>`, `<rotate>`,
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

// MARK: - Reader

/// A plugin before `<ref>` resolution.
struct RawPlugin {
    enum Child {
        case plugin(RawPlugin)
        case ref(id: String, name: String?, location: SourceLocation)
    }
    var kind: PluginKind
    var type: String
    var id: String?
    var name: String?
    var properties: [(String, PropertyValue, SourceLocation)] = []
    var children: [Child] = []
    var location: SourceLocation
}

final class SceneXMLReader {
    private(set) var parameters: [String: String]
    private(set) var searchPaths: [URL] = []
    private(set) var resolvedByID: [String: PluginDescription] = [:]
    private let sceneDirectory: URL

    private var rawByID: [String: RawPlugin] = [:]
    private var idLocations: [String: SourceLocation] = [:]
    private var aliases: [String: String] = [:]
    private var includeDepth = 0
    private static let maxIncludeDepth = 15

    private static let transformOps: Set<String> = ["translate", "scale", "rotate", "lookat", "matrix"]
    private static let propertyTags: Set<String> = [
        "float", "integer", "boolean", "string", "rgb", "point", "vector", "transform",
    ]

    init(overrides: [String: String], directory: URL) {
        self.parameters = overrides
        self.sceneDirectory = directory
    }

    // MARK: Errors and attributes

    private func describe(_ node: XMLElementNode) -> String {
        var s = "<" + node.name
        for key in ["type", "id", "name"] {
            if let v = node.attributes[key] { s += " \(key)=\"\(v)\"" }
        }
        return s + ">"
    }

    private func fail(_ node: XMLElementNode, _ message: String) -> SceneError {
        SceneError(message, at: node.location, element: describe(node))
    }

    /// Substitutes `$name` parameters in every attribute of `node`.
    private func substituteParameters(_ node: XMLElementNode) throws {
        for key in node.attributeOrder {
            guard let value = node.attributes[key], value.contains("$") else { continue }
            node.attributes[key] = try substitute(value, attribute: key, node: node)
        }
    }

    private func substitute(_ value: String, attribute: String, node: XMLElementNode) throws -> String {
        func isIdentifierChar(_ c: Character) -> Bool { c == "_" || c.isLetter || c.isNumber }
        var out = ""
        var i = value.startIndex
        while i < value.endIndex {
            let c = value[i]
            guard c == "$" else { out.append(c); i = value.index(after: i); continue }
            var j = value.index(after: i)
            while j < value.endIndex, isIdentifierChar(value[j]) { j = value.index(after: j) }
            let ident = String(value[value.index(after: i)..<j])
            if ident.isEmpty {
                throw fail(node, "'$' must be followed by a parameter name in \(attribute)=\"\(value)\"")
            }
            if let replacement = parameters[ident] {
                out += replacement
                i = j
                continue
            }
            // Like Mitsuba (which replaces "$name" textually), accept the longest defined prefix.
            var matched = false
            var prefix = ident
            while !prefix.isEmpty {
                prefix.removeLast()
                if let replacement = parameters[prefix] {
                    out += replacement
                    i = value.index(value.index(after: i), offsetBy: prefix.count)
                    matched = true
                    break
                }
            }
            if !matched {
                throw fail(
                    node,
                    "unknown parameter '$\(ident)' in \(attribute)=\"\(value)\" "
                        + "(declare it with <default name=\"\(ident)\" value=\"...\"/> or pass -D \(ident)=...)")
            }
        }
        return out
    }

    /// Rejects attributes outside `allowed`, requires those in `required`.
    private func checkAttributes(_ node: XMLElementNode, allowed: Set<String>, required: [String] = []) throws {
        for key in node.attributeOrder where !allowed.contains(key) {
            throw fail(
                node,
                "unexpected attribute '\(key)' (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
        for key in required where node.attributes[key] == nil {
            throw fail(node, "missing attribute '\(key)'")
        }
    }

    private func checkNoText(_ node: XMLElementNode) throws {
        if !node.text.isEmpty {
            let shown = node.text.count > 40 ? String(node.text.prefix(40)) + "..." : node.text
            throw fail(node, "unexpected text \"\(shown)\" (values go in attributes, e.g. value=\"...\")")
        }
    }

    private func checkNoChildren(_ node: XMLElementNode) throws {
        if let child = node.children.first {
            throw SceneError(
                "<\(child.name)> cannot appear inside <\(node.name)>", at: child.location, element: describe(node))
        }
        try checkNoText(node)
    }

    // MARK: Numbers

    static func tokenize(_ s: String) -> [String] {
        s.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
    }

    private func number(_ token: String, attribute: String, value: String, node: XMLElementNode) throws -> Double {
        guard let x = Double(token) else {
            throw fail(node, "could not parse number '\(token)' in \(attribute)=\"\(value)\"")
        }
        guard Float(x).isFinite else {
            throw fail(node, "'\(token)' in \(attribute)=\"\(value)\" is not a finite float")
        }
        return x
    }

    private func numbers(_ node: XMLElementNode, _ attribute: String) throws -> [Double] {
        let value = node.attributes[attribute] ?? ""
        return try Self.tokenize(value).map { try number($0, attribute: attribute, value: value, node: node) }
    }

    private func singleNumber(_ node: XMLElementNode, _ attribute: String) throws -> Double {
        let value = node.attributes[attribute] ?? ""
        let tokens = Self.tokenize(value)
        guard tokens.count == 1 else {
            throw fail(node, "expected a number in \(attribute)=\"\(value)\"")
        }
        return try number(tokens[0], attribute: attribute, value: value, node: node)
    }

    /// Exactly 3 numbers in `attribute`.
    private func triple(_ node: XMLElementNode, _ attribute: String) throws -> Vector3f {
        let v = try numbers(node, attribute)
        guard v.count == 3 else {
            throw fail(node, "expected 3 numbers in \(attribute)=\"\(node.attributes[attribute] ?? "")\"")
        }
        return Vector3f(Float(v[0]), Float(v[1]), Float(v[2]))
    }

    /// 3 numbers, or 1 repeated, in `value`; or the `x`, `y`, `z` attributes (each `defaultValue` when absent).
    private func xyz(_ node: XMLElementNode, defaultValue: Float) throws -> Vector3f {
        if let value = node.attributes["value"] {
            if ["x", "y", "z"].contains(where: { node.attributes[$0] != nil }) {
                throw fail(node, "use either value=\"...\" or x/y/z attributes, not both")
            }
            let v = try numbers(node, "value")
            if v.count == 1 { return Vector3f(repeating: Float(v[0])) }
            guard v.count == 3 else {
                throw fail(node, "expected 3 numbers in value=\"\(value)\" (a single number is repeated)")
            }
            return Vector3f(Float(v[0]), Float(v[1]), Float(v[2]))
        }
        var out = Vector3f(repeating: defaultValue)
        for (i, key) in ["x", "y", "z"].enumerated() where node.attributes[key] != nil {
            out[i] = Float(try singleNumber(node, key))
        }
        return out
    }

    // MARK: Root

    func readRoot(_ node: XMLElementNode) throws -> (RawPlugin, String) {
        try substituteParameters(node)
        guard node.name == "scene" else {
            throw fail(node, "the root element must be <scene version=\"3.0.0\">, found <\(node.name)>")
        }
        try checkAttributes(node, allowed: ["version", "type", "id"])
        guard let version = node.attributes["version"] else {
            throw fail(node, "missing attribute 'version' (e.g. <scene version=\"3.0.0\">)")
        }
        let parts = version.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ Int($0) != nil }) else {
            throw fail(node, "could not parse version=\"\(version)\" (expected major.minor.patch, e.g. \"3.0.0\")")
        }
        if let type = node.attributes["type"], type != "scene" {
            throw fail(node, "the root <scene> cannot have type=\"\(type)\"")
        }
        if Int(parts[0])! < 2 { Self.upgradeFromVersion1(node) }
        var scene = RawPlugin(kind: .scene, type: "scene", id: node.attributes["id"], location: node.location)
        var names: [String: SourceLocation] = [:]
        try readContents(of: node, into: &scene, names: &names, depth: 1)
        if let id = scene.id { try register(scene, id: id, node: node) }
        return (scene, version)
    }

    /// Mitsuba's in-memory upgrade of version 0.x/1.x files: camelCase names become
    /// snake_case, `<lookAt>` becomes `<lookat>`, diffuse's `diffuse_reflectance` becomes `reflectance`.
    static func upgradeFromVersion1(_ node: XMLElementNode) {
        if node.name == "lookAt" { node.name = "lookat" }
        if node.name != "default", let name = node.attributes["name"] {
            // Mitsuba: a lowercase letter followed by uppercase ones gets "_" and the run lowercased.
            let chars = Array(name)
            var out = ""
            var i = 0
            while i < chars.count {
                out.append(chars[i])
                if i + 1 < chars.count, chars[i].isLowercase, chars[i + 1].isUppercase {
                    out.append("_")
                    i += 1
                    while i < chars.count, chars[i].isUppercase {
                        out += chars[i].lowercased()
                        i += 1
                    }
                    continue
                }
                i += 1
            }
            node.attributes["name"] = out
        }
        for child in node.children {
            upgradeFromVersion1(child)
            if node.name == "bsdf", node.attributes["type"] == "diffuse",
                child.attributes["name"] == "diffuse_reflectance"
            {
                child.attributes["name"] = "reflectance"
            }
        }
    }

    // MARK: Objects

    private func register(_ plugin: RawPlugin, id: String, node: XMLElementNode) throws {
        if let previous = idLocations[id] {
            throw fail(node, "duplicate id '\(id)' (first declared at \(previous))")
        }
        idLocations[id] = node.location
        rawByID[id] = plugin
    }

    /// Reads the children of a plugin (or scene) element into `plugin`.
    private func readContents(
        of node: XMLElementNode, into plugin: inout RawPlugin, names: inout [String: SourceLocation], depth: Int
    ) throws {
        try checkNoText(node)
        for child in node.children {
            try substituteParameters(child)
            try readChild(child, parent: node, into: &plugin, names: &names, depth: depth)
        }
    }

    private func claim(_ name: String, _ node: XMLElementNode, names: inout [String: SourceLocation]) throws {
        if let previous = names[name] {
            throw fail(node, "'\(name)' is specified twice in the same plugin (first at \(previous))")
        }
        names[name] = node.location
    }

    private func readChild(
        _ child: XMLElementNode, parent: XMLElementNode, into plugin: inout RawPlugin,
        names: inout [String: SourceLocation], depth: Int
    ) throws {
        let tag = child.name
        if let kind = PluginKind(rawValue: tag), kind != .scene,
            !(kind == .spectrum && child.attributes["type"] == nil)
        {
            let nested = try readPlugin(child, kind: kind)
            if let name = nested.name { try claim(name, child, names: &names) }
            plugin.children.append(.plugin(nested))
            return
        }
        switch tag {
        case "ref":
            try checkAttributes(child, allowed: ["id", "name"], required: ["id"])
            try checkNoChildren(child)
            let name = child.attributes["name"]
            if let name { try claim(name, child, names: &names) }
            plugin.children.append(.ref(id: child.attributes["id"]!, name: name, location: child.location))
        case "default":
            try checkAttributes(child, allowed: ["name", "value"], required: ["name", "value"])
            try checkNoChildren(child)
            let name = child.attributes["name"]!
            if name.isEmpty { throw fail(child, "<default> needs a non-empty name") }
            if parameters[name] == nil { parameters[name] = child.attributes["value"]! }
        case "include":
            try checkAttributes(child, allowed: ["filename"], required: ["filename"])
            try checkNoChildren(child)
            try readInclude(child, into: &plugin, names: &names, depth: depth)
        case "alias":
            try checkAttributes(child, allowed: ["id", "as"], required: ["id", "as"])
            try checkNoChildren(child)
            let target = child.attributes["id"]!, alias = child.attributes["as"]!
            if let previous = idLocations[alias] {
                throw fail(child, "duplicate id '\(alias)' (first declared at \(previous))")
            }
            guard rawByID[target] != nil || aliases[target] != nil else {
                throw fail(child, "unknown id '\(target)' in <alias> (it must be declared before)")
            }
            aliases[alias] = target
            idLocations[alias] = child.location
        case "path":
            try checkAttributes(child, allowed: ["value"], required: ["value"])
            try checkNoChildren(child)
            guard plugin.kind == .scene else { throw fail(child, "<path> can only appear directly inside <scene>") }
            let value = (child.attributes["value"]! as NSString).expandingTildeInPath
            let dir = value.hasPrefix("/")
                ? URL(fileURLWithPath: value) : sceneDirectory.appendingPathComponent(value)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDirectory), isDirectory.boolValue
            else { throw fail(child, "<path>: folder '\(dir.path)' not found") }
            searchPaths.insert(dir.standardizedFileURL, at: 0)
        case "spectrum":  // without type: a property
            let (name, value) = try readSpectrumProperty(child)
            try claim(name, child, names: &names)
            plugin.properties.append((name, value, child.location))
        case _ where Self.propertyTags.contains(tag):
            let (name, value) = try readProperty(child)
            try claim(name, child, names: &names)
            plugin.properties.append((name, value, child.location))
        case _ where Self.transformOps.contains(tag):
            throw fail(child, "<\(tag)> can only appear inside <transform>")
        case "scene":
            throw fail(child, "<scene> can only be the root element")
        default:
            let plugins = PluginKind.allCases.filter { $0 != .scene }.map(\.rawValue).joined(separator: ", ")
            throw fail(
                child,
                "unknown element <\(tag)> inside <\(parent.name)> (expected a plugin: \(plugins); "
                    + "a property: boolean, integer, float, string, rgb, spectrum, point, vector, transform; "
                    + "or ref, default, include, alias, path)")
        }
    }

    private func readPlugin(_ node: XMLElementNode, kind: PluginKind) throws -> RawPlugin {
        try checkAttributes(node, allowed: ["type", "id", "name"], required: ["type"])
        let type = node.attributes["type"]!
        if type.isEmpty { throw fail(node, "the type attribute must not be empty") }
        var plugin = RawPlugin(
            kind: kind, type: type, id: node.attributes["id"], name: node.attributes["name"],
            location: node.location)
        if let id = plugin.id, id.isEmpty { throw fail(node, "the id attribute must not be empty") }
        var names: [String: SourceLocation] = [:]
        try readContents(of: node, into: &plugin, names: &names, depth: 2)
        if let id = plugin.id { try register(plugin, id: id, node: node) }
        return plugin
    }

    private func readInclude(
        _ node: XMLElementNode, into plugin: inout RawPlugin, names: inout [String: SourceLocation], depth: Int
    ) throws {
        let filename = (node.attributes["filename"]! as NSString).expandingTildeInPath
        let base = URL(fileURLWithPath: node.location.path).deletingLastPathComponent()
        var candidates = [filename.hasPrefix("/") ? URL(fileURLWithPath: filename) : base.appendingPathComponent(filename)]
        if !filename.hasPrefix("/") {
            candidates += searchPaths.map { $0.appendingPathComponent(filename) }
            candidates.append(sceneDirectory.appendingPathComponent(filename))
        }
        guard let url = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw fail(node, "included file '\(filename)' not found (looked in \(base.path))")
        }
        guard includeDepth < Self.maxIncludeDepth else {
            throw fail(node, "too many nested <include>s (limit \(Self.maxIncludeDepth); is a file including itself?)")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw fail(node, "cannot read included file '\(url.path)'")
        }
        includeDepth += 1
        defer { includeDepth -= 1 }
        let included = try XMLTreeBuilder.parse(data: data, path: url.standardizedFileURL.path)
        try substituteParameters(included)
        if included.name == "scene" {
            try checkAttributes(included, allowed: ["version"])
            if let version = included.attributes["version"],
                let major = version.split(separator: ".").first.flatMap({ Int($0) }), major < 2
            {
                Self.upgradeFromVersion1(included)
            }
            try readContents(of: included, into: &plugin, names: &names, depth: depth)
        } else {
            try readChild(included, parent: node, into: &plugin, names: &names, depth: depth)
        }
    }

    // MARK: Properties

    private func readProperty(_ node: XMLElementNode) throws -> (String, PropertyValue) {
        let tag = node.name
        if tag == "transform" {
            try checkAttributes(node, allowed: ["name"], required: ["name"])
            return (node.attributes["name"]!, .transform(try readTransform(node)))
        }
        if tag == "point" || tag == "vector" {
            try checkAttributes(node, allowed: ["name", "value", "x", "y", "z"], required: ["name"])
            if node.attributes["value"] == nil, !["x", "y", "z"].contains(where: { node.attributes[$0] != nil }) {
                throw fail(node, "missing attribute 'value' (or x, y, z)")
            }
        } else {
            try checkAttributes(node, allowed: ["name", "value"], required: ["name", "value"])
        }
        try checkNoChildren(node)
        let name = node.attributes["name"]!
        if name.isEmpty { throw fail(node, "the name attribute must not be empty") }
        let raw = node.attributes["value"] ?? ""
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        switch tag {
        case "float":
            guard let x = Double(trimmed) else { throw fail(node, "could not parse a float from value=\"\(raw)\"") }
            guard Float(x).isFinite else { throw fail(node, "float '\(name)' is \(raw), expected a finite number") }
            return (name, .float(x))
        case "integer":
            guard let i = Int(trimmed) else { throw fail(node, "could not parse an integer from value=\"\(raw)\"") }
            return (name, .integer(i))
        case "boolean":
            switch trimmed.lowercased() {
            case "true": return (name, .boolean(true))
            case "false": return (name, .boolean(false))
            default: throw fail(node, "expected true or false in value=\"\(raw)\"")
            }
        case "string":
            return (name, .string(raw))
        case "rgb":
            let v = try numbers(node, "value")
            if v.count == 1 { return (name, .rgb(Vector3f(repeating: Float(v[0])))) }
            guard v.count == 3 else {
                throw fail(node, "expected 3 numbers in value=\"\(raw)\" (a single number is repeated)")
            }
            return (name, .rgb(Vector3f(Float(v[0]), Float(v[1]), Float(v[2]))))
        case "point":
            return (name, .point(try xyz(node, defaultValue: 0)))
        case "vector":
            return (name, .vector(try xyz(node, defaultValue: 0)))
        default:
            throw fail(node, "unknown property element <\(tag)>")
        }
    }

    /// `<spectrum name="..." value="0.5"/>`: a constant spectrum, stored as a float (RGB rendering).
    private func readSpectrumProperty(_ node: XMLElementNode) throws -> (String, PropertyValue) {
        try checkAttributes(node, allowed: ["name", "value", "filename"], required: ["name"])
        try checkNoChildren(node)
        let name = node.attributes["name"]!
        guard let raw = node.attributes["value"], node.attributes["filename"] == nil else {
            throw fail(
                node, "only constant spectra are supported (value=\"0.5\"); use <rgb> instead of spectral data files")
        }
        let tokens = Self.tokenize(raw)
        guard tokens.count == 1, !tokens[0].contains(":") else {
            throw fail(node, "only constant spectra are supported (value=\"0.5\"); use <rgb> for colors, "
                + "not wavelength:value pairs (\"\(raw)\")")
        }
        return (name, .float(try number(tokens[0], attribute: "value", value: raw, node: node)))
    }

    /// Composes the operations of a `<transform>` in order: each is applied after the previous ones.
    private func readTransform(_ node: XMLElementNode) throws -> Transform4 {
        try checkNoText(node)
        var t = Transform4.identity
        for op in node.children {
            try substituteParameters(op)
            guard Self.transformOps.contains(op.name) else {
                throw SceneError(
                    "<\(op.name)> cannot appear inside <transform> (expected translate, scale, rotate, lookat or matrix)",
                    at: op.location, element: describe(node))
            }
            try checkNoChildren(op)
            let step: Transform4
            switch op.name {
            case "translate":
                try checkAttributes(op, allowed: ["value", "x", "y", "z"])
                step = .translate(try xyz(op, defaultValue: 0))
            case "scale":
                try checkAttributes(op, allowed: ["value", "x", "y", "z"])
                step = .scale(try xyz(op, defaultValue: 1))
            case "rotate":
                try checkAttributes(op, allowed: ["value", "x", "y", "z", "angle"], required: ["angle"])
                let axis = try xyz(op, defaultValue: 0)
                if axis.squaredLength == 0 {
                    throw fail(op, "the rotation axis must be nonzero (give x, y, z or value=\"x, y, z\")")
                }
                step = .rotate(axis: axis, angleDegrees: Float(try singleNumber(op, "angle")))
            case "lookat":
                try checkAttributes(op, allowed: ["origin", "target", "up"], required: ["origin", "target"])
                let origin = try triple(op, "origin"), target = try triple(op, "target")
                var up = op.attributes["up"] != nil ? try triple(op, "up") : Vector3f.zero
                if up.squaredLength == 0 {
                    up = Self.coordinateSystem((target - origin).normalized).0
                }
                step = .lookAt(origin: origin, target: target, up: up)
                if !step.matrix.isFinite || !step.inverse.isFinite {
                    throw fail(op, "invalid lookat: origin equals target, or up is parallel to the view direction")
                }
            case "matrix":
                try checkAttributes(op, allowed: ["value"], required: ["value"])
                let v = try numbers(op, "value")
                let raw = op.attributes["value"] ?? ""
                if v.count == 16 {
                    step = Transform4(matrix: v.map { Float($0) })
                } else if v.count == 9 {
                    var m = Matrix4.identity
                    for r in 0..<3 { for c in 0..<3 { m[r, c] = Float(v[r * 3 + c]) } }
                    step = Transform4(matrix: m)
                } else {
                    throw fail(op, "expected 16 numbers in value=\"\(raw)\" (or 9 for a 3x3 matrix), found \(v.count)")
                }
                if !step.isInvertible { throw fail(op, "the matrix is singular (not invertible)") }
            default:
                throw fail(op, "unknown transform operation <\(op.name)>")
            }
            t = step * t
        }
        if !t.isInvertible {
            throw fail(node, "the transform is not invertible (a zero scale?)")
        }
        return t
    }

    /// Mitsuba's `coordinate_system(n)` (Duff et al. 2017): two vectors orthogonal to unit `n`.
    static func coordinateSystem(_ n: Vector3f) -> (Vector3f, Vector3f) {
        let sign: Float = n.z >= 0 ? 1 : -1  // copysign(1, n.z)
        let a = -1 / (sign + n.z)
        let b = n.x * n.y * a
        return (
            Vector3f(n.x * n.x * a * sign + 1, b * sign, -n.x * sign),
            Vector3f(b, sign + n.y * n.y * a, -n.y))
    }

    // MARK: References

    /// Resolves `<ref>`s (forward references allowed, cycles rejected) into the final tree.
    func resolve(_ root: RawPlugin) throws -> PluginDescription {
        var memo: [String: PluginDescription] = [:]
        let result = try resolve(root, stack: [], memo: &memo)
        for id in rawByID.keys where memo[id] == nil {
            memo[id] = try resolve(rawByID[id]!, stack: [id], memo: &memo)
        }
        resolvedByID = memo
        for (alias, _) in aliases {
            if let target = canonicalID(alias), let plugin = memo[target] { resolvedByID[alias] = plugin }
        }
        return result
    }

    private func canonicalID(_ id: String) -> String? {
        var current = id
        var seen: Set<String> = []
        while let next = aliases[current] {
            guard seen.insert(current).inserted else { return nil }
            current = next
        }
        return rawByID[current] != nil ? current : nil
    }

    private func resolve(
        _ raw: RawPlugin, stack: [String], memo: inout [String: PluginDescription]
    ) throws -> PluginDescription {
        var out = PluginDescription(kind: raw.kind, type: raw.type, id: raw.id, name: raw.name, location: raw.location)
        for (name, value, location) in raw.properties {
            out.properties[name] = value
            out.propertyOrder.append(name)
            out.propertyLocations[name] = location
        }
        for child in raw.children {
            switch child {
            case .plugin(let nested):
                let nestedStack = nested.id.map { stack + [$0] } ?? stack
                if let id = nested.id, let done = memo[id] {
                    out.children.append(done)
                } else {
                    let resolved = try resolve(nested, stack: nestedStack, memo: &memo)
                    if let id = nested.id { memo[id] = resolved }
                    out.children.append(resolved)
                }
            case .ref(let id, let name, let location):
                guard let target = canonicalID(id) else {
                    let known = (Array(rawByID.keys) + Array(aliases.keys)).sorted()
                    let hint = known.isEmpty ? "no plugin has an id" : "known ids: " + known.joined(separator: ", ")
                    throw SceneError(
                        "unknown id '\(id)' in <ref> (\(hint))", at: location, element: "<ref id=\"\(id)\">")
                }
                if stack.contains(target) {
                    throw SceneError(
                        "circular reference: " + (stack + [target]).joined(separator: " -> "),
                        at: location, element: "<ref id=\"\(id)\">")
                }
                var resolved: PluginDescription
                if let done = memo[target] {
                    resolved = done
                } else {
                    resolved = try resolve(rawByID[target]!, stack: stack + [target], memo: &memo)
                    memo[target] = resolved
                }
                resolved.name = name
                resolved.referenceLocation = location
                out.children.append(resolved)
            }
        }
        return out
    }
}
