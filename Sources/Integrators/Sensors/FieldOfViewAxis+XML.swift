// Reading a field of view from Mitsuba XML (`fov` with `fov_axis`, or `focal_length`), as Mitsuba's parse_fov.
import Foundation

extension FieldOfViewAxis {
    /// The field of view of a perspective camera or a projector description, in degrees, and the axis it spans:
    /// `fov` with `fov_axis` (x, y, diagonal, smaller, larger; default x), or else the field of view of
    /// `focal_length` (default "50mm", in 35 mm film units) along the diagonal of a 36x24 mm frame. Giving both
    /// `fov` and `focal_length`, a `fov_axis` without `fov`, an unknown axis or an unreadable focal length is an
    /// error naming the property.
    static func fieldOfView(of description: PluginDescription) throws -> (degrees: Double, axis: FieldOfViewAxis) {
        if description.has("fov") {
            if description.has("focal_length") {
                throw description.error("give either a field of view ('fov') or a focal length ('focal_length'), "
                                        + "not both", property: "focal_length")
            }
            let name = try description.string("fov_axis", default: "x").lowercased()
            guard let axis = FieldOfViewAxis(rawValue: name) else {
                let list = FieldOfViewAxis.allCases.map(\.rawValue).joined(separator: ", ")
                throw description.error("unsupported fov_axis \"\(name)\" (supported: \(list))", property: "fov_axis")
            }
            return (try description.float("fov"), axis)
        }
        if description.has("fov_axis") {
            throw description.error("fov_axis needs a 'fov'", property: "fov_axis")
        }
        let text = try description.string("focal_length", default: "50mm")
        let number = text.hasSuffix("mm") ? String(text.dropLast(2)) : text
        guard let millimetres = Double(number), millimetres > 0, millimetres.isFinite else {
            throw description.error("could not parse the focal length \"\(text)\" (expected e.g. \"50mm\")",
                                    property: "focal_length")
        }
        let diagonal = (36.0 * 36.0 + 24.0 * 24.0).squareRoot()
        let radians = 2 * atan(diagonal / (2 * millimetres))
        return (radians * 180 / Double.pi, .diagonal)
    }
}
