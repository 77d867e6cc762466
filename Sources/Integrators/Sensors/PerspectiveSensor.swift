// Mitsuba's `perspective` sensor: a pinhole camera that turns film positions into world-space rays.
import Foundation
import Tracer

/// A pinhole camera (Mitsuba's `perspective`; SCENE-SPEC §1).
///
/// Camera space looks down +z with +x to the left and +y up (`Transform4.lookAt`'s columns); `toWorld` places it.
/// A film position (column, row from the top) maps to the direction through that point of the image plane.
public struct PerspectiveSensor: Hashable, Sendable {
    /// Camera-to-world transform: a rotation and translation only.
    public var toWorld: Transform4
    /// The field of view in degrees, measured along `fieldOfViewAxis`.
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

    /// A camera; the defaults are Mitsuba's (fov_axis x, near_clip 0.01, far_clip 10000, a default hdrfilm,
    /// 4 samples per pixel). Invalid values (a scaling `toWorld`, fov outside (0, 180), clip planes not
    /// 0 < near < far, sampleCount < 1) stop the program; `init(_:document:)` reports them as `SceneError`s.
    public init(toWorld: Transform4 = .identity, fieldOfView: Float, fieldOfViewAxis: FieldOfViewAxis = .x,
                nearClip: Float = 0.01, farClip: Float = 10000, film: Film = Film(), sampleCount: Int = 4) {
        if let problem = Self.problem(toWorld: toWorld, fieldOfView: Double(fieldOfView), nearClip: nearClip,
                                      farClip: farClip, sampleCount: sampleCount) {
            preconditionFailure("PerspectiveSensor: \(problem)")
        }
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
    public static func tutorial(resolution: Int) -> PerspectiveSensor {
        let toWorld = Transform4.lookAt(origin: Vector3f(0, 0, -2), target: .zero, up: Vector3f(0, -1, 0))
        return PerspectiveSensor(toWorld: toWorld, fieldOfView: 60,
                                 film: Film(width: resolution, height: resolution))
    }

    /// The horizontal field of view in degrees (`fieldOfView` converted from its axis).
    public var horizontalFieldOfView: Float {
        fieldOfViewAxis.horizontalFieldOfView(Double(fieldOfView), aspect: Double(film.width) / Double(film.height))
    }

    /// T = tan(horizontal fov / 2): the image plane at z = 1 spans x ∈ [−T, T].
    public var tangentOfHalfAngle: Float {
        Float(tan(Double(horizontalFieldOfView) * Double.pi / 360))
    }

    /// One ray per lane through the continuous film position `position` (column, row from the top, in pixels):
    /// with s = (x / width, y / height), the camera-space direction is
    /// d_loc = normalize((1 − 2sx)·T, (1 − 2sy)·T / aspect, 1), the world direction d = toWorld · d_loc, the origin
    /// o + d·(near / d_loc.z) and maxT = (far − near) / d_loc.z.
    public func sampleRays(position: Point2Array) -> RayArray {
        let t = tangentOfHalfAngle
        let sx = position.x / Float(film.width)
        let sy = position.y / Float(film.height)
        let planeX = (1 - sx * 2) * t
        let planeY = (1 - sy * 2) * (t / film.aspectRatio)
        let squaredLength = planeX * planeX + planeY * planeY + 1
        let localZ = 1 / sqrt(squaredLength)
        let local = Vector3Array(x: planeX * localZ, y: planeY * localZ, z: localZ)
        let direction = toWorld.applyVector(local)
        let toNearPlane = nearClip / localZ
        let origin = Vector3Array(repeating: toWorld.translation, count: position.count) + direction * toNearPlane
        let maxT = (farClip - nearClip) / localZ
        return RayArray(origin: origin, direction: direction, maxT: maxT)
    }

    /// What is wrong with these settings, or nil.
    static func problem(toWorld: Transform4, fieldOfView: Double, nearClip: Float, farClip: Float,
                        sampleCount: Int) -> String? {
        if toWorld.hasScale { return "scale factors in the camera-to-world transform are not allowed" }
        if !(fieldOfView > 0 && fieldOfView < 180) {
            return "the field of view must lie in (0, 180) degrees, got \(fieldOfView)"
        }
        if !(nearClip > 0) { return "near_clip must be greater than zero, got \(nearClip)" }
        if !(nearClip < farClip) { return "near_clip (\(nearClip)) must be smaller than far_clip (\(farClip))" }
        if sampleCount < 1 { return "the sample count must be at least 1, got \(sampleCount)" }
        return nil
    }
}
