// How a sensor turns film positions into rays: Mitsuba's perspective, thinlens and orthographic sensor plugins.

/// The projection of a `Sensor`: which of Mitsuba's sensor plugins it is, with that plugin's own settings.
public enum SensorProjection: Hashable, Sendable {
    /// A pinhole camera (Mitsuba's `perspective`): every ray leaves the camera's origin.
    case perspective
    /// A thin lens (Mitsuba's `thinlens`): rays leave a disk of `apertureRadius` around the origin (camera-space
    /// xy plane) and meet again on the plane of focus, `focusDistance` along the viewing axis (depth of field).
    case thinLens(apertureRadius: Float, focusDistance: Float)
    /// Parallel rays along the camera's +z (Mitsuba's `orthographic`): the film spans [−1, 1] in camera-space x
    /// and [−1/aspect, 1/aspect] in y, so `to_world`'s scale sets the extent the image covers.
    case orthographic

    /// The plugin name in scene files.
    public var pluginName: String {
        switch self {
        case .perspective: "perspective"
        case .thinLens: "thinlens"
        case .orthographic: "orthographic"
        }
    }

    /// Whether a camera ray needs a second 2D sample (a point on the aperture), drawn after the film position as
    /// Mitsuba's integrators draw it (`needs_aperture_sample`).
    public var needsApertureSample: Bool {
        if case .thinLens = self { return true }
        return false
    }

    /// Whether rays diverge from the origin, so that the field of view is a setting of the sensor.
    public var hasFieldOfView: Bool { self != .orthographic }
}
