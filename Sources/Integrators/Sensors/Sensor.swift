// A camera (Mitsuba's perspective, thinlens and orthographic sensors): its settings, film and sampler.
import Foundation
import Tracer

/// A camera: by default a pinhole (Mitsuba's `perspective`; SCENE-SPEC §1), or a thin lens or an orthographic
/// camera (`projection`).
///
/// Camera space looks down +z with +x to the left and +y up (`Transform4.lookAt`'s columns); `toWorld` places it.
/// A film position (column, row from the top) maps to a ray through that point of the image plane
/// (`sampleRays(position:aperture:)`).
public struct Sensor: Hashable, Sendable {
    /// Camera-to-world transform: a rotation and translation only, except for an orthographic camera, whose
    /// scale sets the extent of the image.
    public var toWorld: Transform4
    /// Which of Mitsuba's sensors this is, with its own settings.
    public var projection: SensorProjection = .perspective
    /// When the shutter opens (`shutter_open`), and for how long it stays open (`shutter_close` − `shutter_open`).
    /// Scenes are static, so time changes no ray; an open time above 0 only draws the time sample Mitsuba draws.
    public var shutterOpen: Float = 0
    public var shutterOpenTime: Float = 0
    /// The field of view in degrees, measured along `fieldOfViewAxis` (perspective and thin lens).
    public var fieldOfView: Float
    /// The film extent that `fieldOfView` spans.
    public var fieldOfViewAxis: FieldOfViewAxis
    /// Distance of the near clip plane (ray origins lie on it).
    public var nearClip: Float
    /// Distance of the far clip plane.
    public var farClip: Float
    /// The film.
    public var film: Film
    /// Samples per pixel of the sensor's sampler (`sample_count`, default 4).
    public var sampleCount: Int
    /// The sensor's sampler: Mitsuba's independent (the default), stratified or multijitter.
    public var samplePattern: SamplePattern = .independent
    /// The sensor's `id` in its scene file, which prefixes its parameter keys ("sensor" when it has none).
    public var id = "sensor"

    /// A camera; the defaults are Mitsuba's (a pinhole, fov_axis x, near_clip 0.01, far_clip 10000, a default
    /// hdrfilm, 4 samples per pixel). Invalid values (a scaling `toWorld` where rays diverge, fov outside (0, 180),
    /// clip planes not 0 < near < far, a negative aperture or a focus distance not above 0, sampleCount < 1) stop
    /// the program; `init(_:document:)` reports them as `SceneError`s. An orthographic camera ignores `fieldOfView`.
    public init(projection: SensorProjection = .perspective, toWorld: Transform4 = .identity, fieldOfView: Float = 90,
                fieldOfViewAxis: FieldOfViewAxis = .x, nearClip: Float = 0.01, farClip: Float = 10000,
                film: Film = Film(), sampleCount: Int = 4) {
        if let problem = Self.problem(projection: projection, toWorld: toWorld, fieldOfView: Double(fieldOfView),
                                      nearClip: nearClip, farClip: farClip, sampleCount: sampleCount) {
            preconditionFailure("Sensor: \(problem)")
        }
        self.projection = projection
        self.toWorld = toWorld
        self.fieldOfView = fieldOfView
        self.fieldOfViewAxis = fieldOfViewAxis
        self.nearClip = nearClip
        self.farClip = farClip
        self.film = film
        self.sampleCount = sampleCount
    }

    /// The tutorial's camera: look_at(origin (0,0,−2), target (0,0,0), up (0,−1,0)), fov 60 along x, and a
    /// `resolution` x `resolution` hdrfilm with the default gaussian filter.
    public static func tutorial(resolution: Int) -> Sensor {
        let toWorld = Transform4.lookAt(origin: Vector3f(0, 0, -2), target: .zero, up: Vector3f(0, -1, 0))
        return Sensor(toWorld: toWorld, fieldOfView: 60, film: Film(width: resolution, height: resolution))
    }

    /// The horizontal field of view in degrees (`fieldOfView` converted from its axis).
    public var horizontalFieldOfView: Float {
        fieldOfViewAxis.horizontalFieldOfView(Double(fieldOfView), aspect: Double(film.fullWidth) / Double(film.fullHeight))
    }

    /// T = tan(horizontal fov / 2): the image plane at z = 1 spans x ∈ [−T, T].
    public var tangentOfHalfAngle: Float {
        Float(tan(Double(horizontalFieldOfView) * Double.pi / 360))
    }

    /// What is wrong with these settings, or nil.
    static func problem(projection: SensorProjection, toWorld: Transform4, fieldOfView: Double, nearClip: Float,
                        farClip: Float, sampleCount: Int) -> String? {
        if projection.hasFieldOfView {
            if toWorld.hasScale { return "scale factors in the camera-to-world transform are not allowed" }
            if !(fieldOfView > 0 && fieldOfView < 180) {
                return "the field of view must lie in (0, 180) degrees, got \(fieldOfView)"
            }
        }
        if case .thinLens(let radius, let focus) = projection {
            if !(radius >= 0 && radius.isFinite) { return "aperture_radius must be finite and at least 0, got \(radius)" }
            if !(focus > 0 && focus.isFinite) { return "focus_distance must be finite and above 0, got \(focus)" }
        }
        if !(nearClip > 0) { return "near_clip must be greater than zero, got \(nearClip)" }
        if !(nearClip < farClip) { return "near_clip (\(nearClip)) must be smaller than far_clip (\(farClip))" }
        if sampleCount < 1 { return "the sample count must be at least 1, got \(sampleCount)" }
        return nil
    }
}
