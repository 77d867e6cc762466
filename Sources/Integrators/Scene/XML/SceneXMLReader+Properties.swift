// SceneXMLReader: property elements (values, colours, transforms) and the resolution of `<ref>`s.
import Foundation

extension SceneXMLReader {
    // MARK: Properties

    func readProperty(_ node: XMLElementNode) throws -> (String, PropertyValue) {
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

    /// Composes the operations of a `<transform>` in order: each is applied after the previous ones.
    func readTransform(_ node: XMLElementNode) throws -> Transform4 {
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
                // Mitsuba does not normalise the axis: (0, 1, 1) rotates and stretches, and so it does here.
                step = .rotate(axis: axis, angleDegrees: Float(try singleNumber(op, "angle")), normalizingAxis: false)
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

    func canonicalID(_ id: String) -> String? {
        var current = id
        var seen: Set<String> = []
        while let next = aliases[current] {
            guard seen.insert(current).inserted else { return nil }
            current = next
        }
        return rawByID[current] != nil ? current : nil
    }

    func resolve(
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
