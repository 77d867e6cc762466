// Building the projector light from Mitsuba XML (`<emitter type="projector">`).
import Foundation

extension ProjectorEmitter {
    /// From `<emitter type="projector">`: `irradiance` (an rgb or float value, or a nested bitmap or checkerboard
    /// texture; default 1), `scale` (1), `to_world`, `fov` with `fov_axis` or `focal_length` (default "50mm"),
    /// read as Mitsuba's parse_fov for an image of the texture's aspect ratio (1 for a constant), and
    /// `sampling_weight`.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.emitter, type: "projector", description)
        try description.requireKnownProperties(["irradiance", "scale", "to_world", "fov", "fov_axis", "focal_length",
                                                "sampling_weight"])
        try PluginFactory.rejectUnnamedChildren(description, expected: "<texture name=\"irradiance\">")
        let irradiance = try PluginFactory.colorTexture(description, "irradiance", default: 1, document: document)
        // Mitsuba looks the image up with nothing but a uv (no shape, no point): a texture that reads more of a hit
        // (`mesh_attribute`) has nothing to read there.
        if irradiance.isSpatiallyVarying && !irradiance.readsSurfaceCoordinates {
            throw description.error("'irradiance' must be a value or a texture looked up by uv (bitmap, "
                                    + "checkerboard); a projector has no surface to read a mesh attribute from",
                                    property: "irradiance")
        }
        let (degrees, axis) = try FieldOfViewAxis.fieldOfView(of: description)
        let size = irradiance.resolution
        let fieldOfView = axis.horizontalFieldOfView(degrees, aspect: Double(size.width) / Double(size.height))
        guard fieldOfView > 0, fieldOfView < 180 else {
            throw description.error("the horizontal field of view must lie in (0, 180) degrees, got \(fieldOfView) "
                                    + "(from \(axis.rawValue) field of view \(degrees))",
                                    property: description.has("fov") ? "fov" : "focal_length")
        }
        let scale = try description.float("scale", default: 1)
        guard scale.isFinite else { throw description.error("'scale' must be finite, got \(scale)", property: "scale") }
        let toWorld = try description.transform("to_world", default: .identity)
        guard toWorld.isInvertible else {
            throw description.error("'to_world' must be invertible", property: "to_world")
        }
        self.init(toWorld: toWorld, irradiance: irradiance, scale: Float(scale), horizontalFieldOfView: fieldOfView,
                  samplingWeight: try PluginFactory.samplingWeight(description))
    }
}
