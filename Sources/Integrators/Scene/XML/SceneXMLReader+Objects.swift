// SceneXMLReader: the root element and the object elements (plugins, includes, aliases, paths, defaults).
import Foundation

extension SceneXMLReader {
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

    func register(_ plugin: RawPlugin, id: String, node: XMLElementNode) throws {
        if let previous = idLocations[id] {
            throw fail(node, "duplicate id '\(id)' (first declared at \(previous))")
        }
        idLocations[id] = node.location
        rawByID[id] = plugin
    }

    /// Reads the children of a plugin (or scene) element into `plugin`.
    func readContents(
        of node: XMLElementNode, into plugin: inout RawPlugin, names: inout [String: SourceLocation], depth: Int
    ) throws {
        try checkNoText(node)
        for child in node.children {
            try substituteParameters(child)
            try readChild(child, parent: node, into: &plugin, names: &names, depth: depth)
        }
    }

    func claim(_ name: String, _ node: XMLElementNode, names: inout [String: SourceLocation]) throws {
        if let previous = names[name] {
            throw fail(node, "'\(name)' is specified twice in the same plugin (first at \(previous))")
        }
        names[name] = node.location
    }

    func readChild(
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
            let (name, value) = try readSpectrumProperty(child, in: plugin.kind)
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

    func readPlugin(_ node: XMLElementNode, kind: PluginKind) throws -> RawPlugin {
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

    /// The file `filename` (tilde expanded) names from the file of `node`: an absolute path as it is; a relative
    /// one next to that file, in the `<path>` folders, then in the scene's folder (nil when none has it), with the
    /// folder of `node`'s file.
    func locate(_ filename: String, from node: XMLElementNode) -> (url: URL?, base: URL) {
        let base = URL(fileURLWithPath: node.location.path).deletingLastPathComponent()
        var candidates = [filename.hasPrefix("/") ? URL(fileURLWithPath: filename) : base.appendingPathComponent(filename)]
        if !filename.hasPrefix("/") {
            candidates += searchPaths.map { $0.appendingPathComponent(filename) }
            candidates.append(sceneDirectory.appendingPathComponent(filename))
        }
        return (candidates.first { FileManager.default.fileExists(atPath: $0.path) }, base)
    }

    func readInclude(
        _ node: XMLElementNode, into plugin: inout RawPlugin, names: inout [String: SourceLocation], depth: Int
    ) throws {
        let filename = (node.attributes["filename"]! as NSString).expandingTildeInPath
        let (found, base) = locate(filename, from: node)
        guard let url = found else {
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
}
