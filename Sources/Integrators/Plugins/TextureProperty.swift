// Reading a BSDF property that may be a number, an rgb value or a nested texture of that name.
import Tracer

extension PluginFactory {
    /// The texture `name` of `description`: a nested `<texture name="name">` (or a reference to one), else its rgb or
    /// float property as a constant texture, else `default` as one (nil when there is no default and no value).
    static func texture(_ name: String, of description: PluginDescription, document: SceneDocument,
                        default def: Vector3f?) throws -> (any Texture)? {
        if let texture = description.child(named: name) {
            guard texture.kind == .texture else {
                throw SceneError("'\(name)' must be a texture, found a \(texture.kind)",
                                 at: texture.referenceLocation ?? texture.location,
                                 element: description.elementDescription)
            }
            return try makeTexture(texture, document: document)
        }
        if let def { return ConstantTexture(try description.rgb(name, default: def)) }
        guard description.has(name) else { return nil }
        return ConstantTexture(try description.rgb(name))
    }
}
