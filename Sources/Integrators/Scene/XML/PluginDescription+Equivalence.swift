// Mitsuba's merging of equivalent scene nodes (ParserConfig.merge_equivalent): which descriptions are one object.

extension PluginDescription {
    /// What makes a plugin the object it is, for Mitsuba's `merge_equivalent`: kind, type, properties and nested
    /// plugins (under their slot names), but not its id, its own slot name or where it was written. Mitsuba 3.9's
    /// parser makes descriptions with equal signatures one object (except shapes and emitters), named after the
    /// one written first: two `<bsdf type="diffuse">` with the same reflectance, one with `id="white"` and one
    /// inline in a later shape, are one BSDF with the key `white.reflectance.value`.
    var equivalenceSignature: PluginDescription { signature(keepingName: false) }

    private func signature(keepingName: Bool) -> PluginDescription {
        var copy = self
        copy.id = nil
        if !keepingName { copy.name = nil }
        copy.propertyOrder = propertyOrder.sorted()
        copy.propertyLocations = [:]
        copy.location = SourceLocation(path: "", line: nil)
        copy.referenceLocation = nil
        copy.children = children.map { $0.signature(keepingName: true) }
        return copy
    }

    /// Whether this description was written before `other` (same file, earlier line).
    func isWritten(before other: PluginDescription) -> Bool {
        guard location.path == other.location.path, let line = location.line, let otherLine = other.location.line else {
            return false
        }
        return line < otherLine
    }
}
