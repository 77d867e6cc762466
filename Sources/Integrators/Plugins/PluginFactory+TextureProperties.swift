// Properties of plugins that hold other plugins: texture-valued properties (a number, a colour, or a nested
// texture, as Mitsuba's `get_texture`) and the nested BSDFs of BSDFs that combine them.

extension PluginFactory {
    /// The RGB texture of property `name`: an rgb value (a `ConstantTexture`), a float (a `UniformTexture`, as
    /// Mitsuba makes a uniform spectrum of it: one value under "value"), a nested `<texture name="...">`, or `def`
    /// (a uniform texture) when absent.
    static func colorTexture(_ description: PluginDescription, _ name: String, default def: Float,
                             document: SceneDocument) throws -> any Texture {
        try optionalColorTexture(description, name, document: document) ?? UniformTexture(def)
    }

    /// As `colorTexture`, nil when the property is absent (a plugin that behaves differently without it).
    static func optionalColorTexture(_ description: PluginDescription, _ name: String,
                                     document: SceneDocument) throws -> (any Texture)? {
        if let nested = try nestedTexture(description, name, document: document) { return nested }
        guard let value = description.value(name) else { return nil }
        switch value {
        case .float, .integer: return UniformTexture(Float(try description.float(name)))
        default: return ConstantTexture(try description.rgb(name))  // an rgb value, or the error naming what it is
        }
    }

    /// The scalar texture of property `name` (read through `evalScalar`): a float (a `UniformTexture`, key
    /// "value") that must lie in `range`, an rgb value (a `ConstantTexture`, read as its mean as Mitsuba does), a
    /// nested `<texture name="...">`, or `def` when absent (nil: the property is required).
    static func scalarTexture(_ description: PluginDescription, _ name: String, default def: Float?,
                              range: ClosedRange<Float>, document: SceneDocument) throws -> any Texture {
        if let nested = try nestedTexture(description, name, document: document) { return nested }
        guard let value = description.value(name) else {
            guard let def else { throw description.error("the property '\(name)' is required (a float or a texture)") }
            return UniformTexture(def)
        }
        if case .rgb(let rgb) = value {
            for c in [rgb.x, rgb.y, rgb.z] where !range.contains(c) {
                throw description.error("'\(name)' must lie in [\(range.lowerBound), \(range.upperBound)], got \(rgb)",
                                        property: name)
            }
            return ConstantTexture(rgb)
        }
        let number = Float(try description.float(name))
        guard range.contains(number) else {
            throw description.error("'\(name)' must lie in [\(range.lowerBound), \(range.upperBound)], got \(number)",
                                    property: name)
        }
        return UniformTexture(number)
    }

    /// The nested texture named `name`, nil when there is none; an error when something else has that name.
    private static func nestedTexture(_ description: PluginDescription, _ name: String,
                                      document: SceneDocument) throws -> (any Texture)? {
        guard let child = description.child(named: name) else { return nil }
        guard child.kind == .texture else {
            throw SceneError("'\(name)' must be a texture, found a \(child.kind)",
                             at: child.referenceLocation ?? child.location, element: description.elementDescription)
        }
        return try makeTexture(child, document: document)
    }
}

extension PluginFactory {
    /// The nested BSDFs of a plugin that combines BSDFs, in order; throws for a nested plugin that is neither a
    /// BSDF nor a named texture.
    static func nestedBSDFs(_ description: PluginDescription, expected: String) throws -> [PluginDescription] {
        for child in description.children where child.kind != .bsdf && !(child.kind == .texture && child.name != nil) {
            throw SceneError("unexpected nested \(child.kind) (expected \(expected))",
                             at: child.referenceLocation ?? child.location, element: description.elementDescription)
        }
        return description.children(of: .bsdf)
    }
}
