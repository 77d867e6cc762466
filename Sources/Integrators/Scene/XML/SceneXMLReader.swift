// SceneXMLReader: reads a Mitsuba 3 scene file's elements into raw plugins: attributes, numbers and their errors.
import Foundation

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
    var parameters: [String: String]
    var searchPaths: [URL] = []
    var resolvedByID: [String: PluginDescription] = [:]
    let sceneDirectory: URL

    var rawByID: [String: RawPlugin] = [:]
    var idLocations: [String: SourceLocation] = [:]
    var aliases: [String: String] = [:]
    var includeDepth = 0
    static let maxIncludeDepth = 15

    static let transformOps: Set<String> = ["translate", "scale", "rotate", "lookat", "matrix"]
    static let propertyTags: Set<String> = [
        "float", "integer", "boolean", "string", "rgb", "point", "vector", "transform",
    ]

    init(overrides: [String: String], directory: URL) {
        self.parameters = overrides
        self.sceneDirectory = directory
    }

    // MARK: Errors and attributes

    func describe(_ node: XMLElementNode) -> String {
        var s = "<" + node.name
        for key in ["type", "id", "name"] {
            if let v = node.attributes[key] { s += " \(key)=\"\(v)\"" }
        }
        return s + ">"
    }

    func fail(_ node: XMLElementNode, _ message: String) -> SceneError {
        SceneError(message, at: node.location, element: describe(node))
    }

    /// Substitutes `$name` parameters in every attribute of `node`.
    func substituteParameters(_ node: XMLElementNode) throws {
        for key in node.attributeOrder {
            guard let value = node.attributes[key], value.contains("$") else { continue }
            node.attributes[key] = try substitute(value, attribute: key, node: node)
        }
    }

    func substitute(_ value: String, attribute: String, node: XMLElementNode) throws -> String {
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
    func checkAttributes(_ node: XMLElementNode, allowed: Set<String>, required: [String] = []) throws {
        for key in node.attributeOrder where !allowed.contains(key) {
            throw fail(
                node,
                "unexpected attribute '\(key)' (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
        for key in required where node.attributes[key] == nil {
            throw fail(node, "missing attribute '\(key)'")
        }
    }

    func checkNoText(_ node: XMLElementNode) throws {
        if !node.text.isEmpty {
            let shown = node.text.count > 40 ? String(node.text.prefix(40)) + "..." : node.text
            throw fail(node, "unexpected text \"\(shown)\" (values go in attributes, e.g. value=\"...\")")
        }
    }

    func checkNoChildren(_ node: XMLElementNode) throws {
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

    func number(_ token: String, attribute: String, value: String, node: XMLElementNode) throws -> Double {
        guard let x = Double(token) else {
            throw fail(node, "could not parse number '\(token)' in \(attribute)=\"\(value)\"")
        }
        guard Float(x).isFinite else {
            throw fail(node, "'\(token)' in \(attribute)=\"\(value)\" is not a finite float")
        }
        return x
    }

    func numbers(_ node: XMLElementNode, _ attribute: String) throws -> [Double] {
        let value = node.attributes[attribute] ?? ""
        return try Self.tokenize(value).map { try number($0, attribute: attribute, value: value, node: node) }
    }

    func singleNumber(_ node: XMLElementNode, _ attribute: String) throws -> Double {
        let value = node.attributes[attribute] ?? ""
        let tokens = Self.tokenize(value)
        guard tokens.count == 1 else {
            throw fail(node, "expected a number in \(attribute)=\"\(value)\"")
        }
        return try number(tokens[0], attribute: attribute, value: value, node: node)
    }

    /// Exactly 3 numbers in `attribute`.
    func triple(_ node: XMLElementNode, _ attribute: String) throws -> Vector3f {
        let v = try numbers(node, attribute)
        guard v.count == 3 else {
            throw fail(node, "expected 3 numbers in \(attribute)=\"\(node.attributes[attribute] ?? "")\"")
        }
        return Vector3f(Float(v[0]), Float(v[1]), Float(v[2]))
    }

    /// 3 numbers, or 1 repeated, in `value`; or the `x`, `y`, `z` attributes (each `defaultValue` when absent).
    func xyz(_ node: XMLElementNode, defaultValue: Float) throws -> Vector3f {
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

}
