// Reading a scene file's participating media: top-level definitions, shapes' interior/exterior, the sensor's medium.
import Tracer

/// Collects the media a scene file uses and numbers them: a medium with an `id` is one medium wherever it is
/// referenced (`<ref name="interior" id="..."/>`), an inline one is its own.
struct SceneMediaReader {
    /// The media, in the order first met.
    private(set) var media: [HomogeneousMedium] = []
    private var indexByKey: [String: Int] = [:]

    /// Reads every top-level `<medium>` definition, so that an unsupported one is an error even when unused, as
    /// Mitsuba builds every object of the file.
    init(root: PluginDescription) throws {
        for description in root.children(of: .medium) { _ = try index(of: description) }
    }

    /// The index of the medium `description` in `media`, read on first use.
    mutating func index(of description: PluginDescription) throws -> Int {
        let key = description.id.map { "id \($0)" } ?? "at \(description.location)"
        if let known = indexByKey[key] { return known }
        let medium = try HomogeneousMedium(description)
        indexByKey[key] = media.count
        media.append(medium)
        return media.count - 1
    }

    /// A shape's interior and exterior media (`<medium name="interior">` or a `<ref name="interior" .../>`, the
    /// same for "exterior"), and the shape without them, ready for the shape and BSDF readers.
    mutating func shapeMedia(_ shape: PluginDescription) throws
        -> (shape: PluginDescription, interior: Int?, exterior: Int?) {
        var interior: Int? = nil, exterior: Int? = nil
        for child in shape.children(of: .medium) {
            let at = child.referenceLocation ?? child.location
            switch child.name {
            case "interior":
                if interior != nil { throw SceneError("a shape takes one interior medium", at: at,
                                                      element: shape.elementDescription) }
                interior = try index(of: child)
            case "exterior":
                if exterior != nil { throw SceneError("a shape takes one exterior medium", at: at,
                                                      element: shape.elementDescription) }
                exterior = try index(of: child)
            default:
                throw SceneError("a shape's medium must be named \"interior\" or \"exterior\", got "
                                 + (child.name.map { "\"\($0)\"" } ?? "no name"),
                                 at: at, element: shape.elementDescription)
            }
        }
        var stripped = shape
        stripped.children.removeAll { $0.kind == .medium }
        return (stripped, interior, exterior)
    }

    /// The medium the sensor sits in (a nested `<medium>` or reference), and the sensor without it.
    mutating func sensorMedium(_ sensor: PluginDescription) throws -> (sensor: PluginDescription, medium: Int?) {
        let nested = sensor.children(of: .medium)
        if nested.count > 1 {
            throw SceneError("a sensor takes one medium, found \(nested.count)",
                             at: nested[1].referenceLocation ?? nested[1].location, element: sensor.elementDescription)
        }
        var stripped = sensor
        stripped.children.removeAll { $0.kind == .medium }
        return (stripped, try nested.first.map { try index(of: $0) })
    }
}
