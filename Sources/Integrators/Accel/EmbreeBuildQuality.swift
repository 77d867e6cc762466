// How carefully Embree builds a scene's BVH: Mitsuba's high quality, or medium where the build would dominate.
import CEmbree

/// The quality of the BVH that Embree builds for a scene's meshes.
///
/// `high` is Mitsuba's choice: spatial splits, the fastest rays. `medium` skips them. On the scale benchmark's scene
/// (1,000 PLY files, 5 M triangles, 256x256, 2 cores) medium loaded the scene in 3.5 s instead of 7.5 s, about 2.5
/// CPU-µs less per triangle, and traced its samples 4-8% slower, about 0.17 CPU-µs more per sample. The high build
/// pays for itself once a render takes some 12 samples per triangle.
///
/// `automatic` therefore builds at high quality up to `automaticHighLimit` triangles (about a second of build at
/// most, and Mitsuba's BVH in every small scene), and above it when the render takes at least
/// `automaticSamplesPerTriangle` samples per triangle: film pixels times the samples per pixel, the scene file's
/// or the `expectedSamplesPerPixel` a caller passes to `Scene`. Otherwise it builds at medium quality, so that a
/// large scene loads in seconds.
public enum EmbreeBuildQuality: String, Sendable, CaseIterable {
    case high, medium, automatic

    /// The most triangles that `automatic` always builds at high quality.
    public static let automaticHighLimit = 1_000_000
    /// Samples per triangle from which `automatic` builds larger scenes at high quality.
    public static let automaticSamplesPerTriangle = 12

    /// `high` or `medium`: this quality for a scene that builds `triangleCount` triangles and is expected to be
    /// rendered with `samples` samples in all (nil: not known, which `automatic` takes as few).
    public func resolved(triangleCount: Int, samples: Int? = nil) -> EmbreeBuildQuality {
        guard self == .automatic else { return self }
        if triangleCount <= Self.automaticHighLimit { return .high }
        if let samples, samples / Self.automaticSamplesPerTriangle >= triangleCount { return .high }
        return .medium
    }

    /// Embree's constant for a resolved quality.
    var embreeQuality: RTCBuildQuality {
        switch self {
        case .high, .automatic: RTC_BUILD_QUALITY_HIGH
        case .medium: RTC_BUILD_QUALITY_MEDIUM
        }
    }
}
