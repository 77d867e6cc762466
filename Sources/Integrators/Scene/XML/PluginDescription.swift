// The parsed form of a Mitsuba 3 scene: a tree of plugin descriptions with typed properties.

/// The Mitsuba plugin element names (`<shape type="...">` etc.); `scene` is the root element.
public enum PluginKind: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case scene
    case integrator, sensor, film, sampler, rfilter, shape, bsdf, texture, emitter, medium, phase, volume, spectrum

    public var description: String { rawValue }
}

/// A property value declared with `<float>`, `<integer>`, `<boolean>`, `<string>`, `<rgb>`,
/// `<point>`, `<vector>` or `<transform>`; a `<spectrum>` is a float or an rgb colour (`readSpectrumProperty`).
public enum PropertyValue: Hashable, Sendable, CustomStringConvertible {
    case float(Double)
    case integer(Int)
    case boolean(Bool)
    case string(String)
    case rgb(Vector3f)
    case point(Vector3f)
    case vector(Vector3f)
    case transform(Transform4)

    /// The element name of this kind of value: "float", "integer", ...
    public var kindName: String {
        switch self {
        case .float: return "float"
        case .integer: return "integer"
        case .boolean: return "boolean"
        case .string: return "string"
        case .rgb: return "rgb"
        case .point: return "point"
        case .vector: return "vector"
        case .transform: return "transform"
        }
    }

    public var description: String {
        switch self {
        case .float(let v): return "float \(v)"
        case .integer(let v): return "integer \(v)"
        case .boolean(let v): return "boolean \(v)"
        case .string(let v): return "string \"\(v)\""
        case .rgb(let v): return "rgb \(v)"
        case .point(let v): return "point \(v)"
        case .vector(let v): return "vector \(v)"
        case .transform(let t): return "transform \(t.matrix.rowMajor)"
        }
    }
}

/// One plugin of the scene: `<kind type="type" id="id" name="name"> properties, nested plugins </kind>`.
public struct PluginDescription: Hashable, Sendable, CustomStringConvertible {
    public var kind: PluginKind
    /// The plugin type (`type` attribute): "sphere", "diffuse", ...; "scene" for the root.
    public var type: String
    /// The `id` attribute, when given.
    public var id: String?
    /// The slot name in the parent (`name` attribute of the element, or of the `<ref>` that brought it in).
    public var name: String?
    /// Properties by name.
    public var properties: [String: PropertyValue]
    /// Property names in declaration order.
    public var propertyOrder: [String]
    /// Where each property was declared.
    public var propertyLocations: [String: SourceLocation]
    /// Nested plugins in declaration order, `<ref>`s resolved to (copies of) the referenced plugin.
    public var children: [PluginDescription]
    /// Where the plugin element was declared.
    public var location: SourceLocation
    /// Where the `<ref>` was, when this child came from a reference.
    public var referenceLocation: SourceLocation?

    public init(
        kind: PluginKind, type: String, id: String? = nil, name: String? = nil,
        properties: [(String, PropertyValue)] = [], children: [PluginDescription] = [],
        location: SourceLocation
    ) {
        self.kind = kind
        self.type = type
        self.id = id
        self.name = name
        self.properties = [:]
        self.propertyOrder = []
        self.propertyLocations = [:]
        self.children = children
        self.location = location
        for (key, value) in properties where self.properties.updateValue(value, forKey: key) == nil {
            propertyOrder.append(key)
        }
    }

    /// `<shape type="sphere">` or `<shape type="sphere" id="ball">`, as used in messages.
    public var elementDescription: String {
        if kind == .scene { return "<scene>" }
        var s = "<\(kind.rawValue) type=\"\(type)\""
        if let id { s += " id=\"\(id)\"" }
        return s + ">"
    }

    public var description: String { "\(elementDescription) at \(location)" }

    /// Properties in declaration order.
    public var orderedProperties: [(name: String, value: PropertyValue)] {
        propertyOrder.compactMap { key in properties[key].map { (key, $0) } }
    }

    // MARK: Lookup

    public func has(_ name: String) -> Bool { properties[name] != nil }

    public func value(_ name: String) -> PropertyValue? { properties[name] }

    /// The nested plugin in slot `name`.
    public func child(named name: String) -> PluginDescription? {
        children.first { $0.name == name }
    }

    /// The nested plugins of one kind, in declaration order.
    public func children(of kind: PluginKind) -> [PluginDescription] {
        children.filter { $0.kind == kind }
    }

    // MARK: Errors

    /// An error located at property `property` (or at the plugin itself), naming this plugin.
    public func error(_ message: String, property: String? = nil) -> SceneError {
        let loc = property.flatMap { propertyLocations[$0] } ?? location
        return SceneError(message, at: loc, element: elementDescription)
    }

    /// Throws `scene.xml:7: unknown bsdf plugin 'roughconductor' (supported: diffuse, dielectric, twosided)`
    /// when `type` is not in `known` (listed sorted).
    public func requirePluginType(_ type: String, in known: Set<String>) throws {
        if known.contains(type) { return }
        throw unknownPluginType(type, supported: known.sorted())
    }

    /// As the `Set` version, listing the supported types in the given order.
    public func requirePluginType(_ type: String, in known: [String]) throws {
        if known.contains(type) { return }
        throw unknownPluginType(type, supported: known)
    }

    /// `requirePluginType(self.type, in: known)`.
    public func requirePluginType(in known: Set<String>) throws {
        try requirePluginType(type, in: known)
    }

    /// `requirePluginType(self.type, in: known)`, listing `known` in the given order.
    public func requirePluginType(in known: [String]) throws {
        try requirePluginType(type, in: known)
    }

    private func unknownPluginType(_ type: String, supported: [String]) -> SceneError {
        SceneError(
            "unknown \(kind.rawValue) plugin '\(type)' (supported: \(supported.joined(separator: ", ")))",
            at: location)
    }

    /// Throws for the first property or named nested plugin whose name is not in `allowed`
    /// (Mitsuba rejects unreferenced properties).
    public func requireKnownProperties(_ allowed: Set<String>) throws {
        let list = allowed.sorted().joined(separator: ", ")
        for key in propertyOrder where !allowed.contains(key) {
            throw error("unexpected property '\(key)' (supported: \(list))", property: key)
        }
        for child in children {
            if let n = child.name, !allowed.contains(n) {
                throw SceneError(
                    "unexpected nested \(child.kind.rawValue) '\(n)' (supported: \(list))",
                    at: child.referenceLocation ?? child.location, element: elementDescription)
            }
        }
    }

    // MARK: Typed accessors

    private func missing(_ name: String, _ kind: String) -> SceneError {
        error("missing \(kind) property '\(name)'")
    }

    private func wrongKind(_ name: String, _ expected: String, _ found: PropertyValue) -> SceneError {
        error("property '\(name)' must be \(expected), found \(found.kindName)", property: name)
    }

    /// A float; an integer property is converted (as Mitsuba does).
    public func float(_ name: String) throws -> Double {
        guard let v = properties[name] else { throw missing(name, "float") }
        switch v {
        case .float(let x): return x
        case .integer(let i): return Double(i)
        default: throw wrongKind(name, "a float", v)
        }
    }

    public func float(_ name: String, default def: Double) throws -> Double {
        has(name) ? try float(name) : def
    }

    public func integer(_ name: String) throws -> Int {
        guard let v = properties[name] else { throw missing(name, "integer") }
        if case .integer(let i) = v { return i }
        throw wrongKind(name, "an integer", v)
    }

    public func integer(_ name: String, default def: Int) throws -> Int {
        has(name) ? try integer(name) : def
    }

    public func boolean(_ name: String) throws -> Bool {
        guard let v = properties[name] else { throw missing(name, "boolean") }
        if case .boolean(let b) = v { return b }
        throw wrongKind(name, "a boolean", v)
    }

    public func boolean(_ name: String, default def: Bool) throws -> Bool {
        has(name) ? try boolean(name) : def
    }

    public func string(_ name: String) throws -> String {
        guard let v = properties[name] else { throw missing(name, "string") }
        if case .string(let s) = v { return s }
        throw wrongKind(name, "a string", v)
    }

    public func string(_ name: String, default def: String) throws -> String {
        has(name) ? try string(name) : def
    }

    /// An RGB triple; a float or integer property is accepted as a gray value (v, v, v).
    public func rgb(_ name: String) throws -> Vector3f {
        guard let v = properties[name] else { throw missing(name, "rgb") }
        switch v {
        case .rgb(let c): return c
        case .float(let x): return Vector3f(repeating: Float(x))
        case .integer(let i): return Vector3f(repeating: Float(i))
        default: throw wrongKind(name, "an rgb color", v)
        }
    }

    public func rgb(_ name: String, default def: Vector3f) throws -> Vector3f {
        has(name) ? try rgb(name) : def
    }

    /// A point (a `<vector>` is accepted too, as Mitsuba stores both as 3-arrays).
    public func point(_ name: String) throws -> Vector3f {
        guard let v = properties[name] else { throw missing(name, "point") }
        switch v {
        case .point(let p), .vector(let p): return p
        default: throw wrongKind(name, "a point", v)
        }
    }

    public func point(_ name: String, default def: Vector3f) throws -> Vector3f {
        has(name) ? try point(name) : def
    }

    /// A vector (a `<point>` is accepted too).
    public func vector(_ name: String) throws -> Vector3f {
        guard let v = properties[name] else { throw missing(name, "vector") }
        switch v {
        case .point(let p), .vector(let p): return p
        default: throw wrongKind(name, "a vector", v)
        }
    }

    public func vector(_ name: String, default def: Vector3f) throws -> Vector3f {
        has(name) ? try vector(name) : def
    }

    public func transform(_ name: String) throws -> Transform4 {
        guard let v = properties[name] else { throw missing(name, "transform") }
        if case .transform(let t) = v { return t }
        throw wrongKind(name, "a transform", v)
    }

    /// The transform, or `def` when absent (`.identity` for the usual `to_world`).
    public func transform(_ name: String, default def: Transform4) throws -> Transform4 {
        has(name) ? try transform(name) : def
    }
}
