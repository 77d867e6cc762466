// Mitsuba's `hdrfilm`: the image size, its reconstruction filter, and how wavefront lanes map to pixels.
import Tracer

/// An RGB film of `width` x `height` pixels (Mitsuba's `hdrfilm` with pixel_format "rgb"; SCENE-SPEC §2).
///
/// A wavefront of `width · height · spp` lanes renders the image: lane i belongs to pixel ⌊i / spp⌋ (so the spp
/// samples of a pixel are consecutive lanes), pixel k has column k mod width and row ⌊k / width⌋ (row 0 at the top).
public struct Film: Hashable, Sendable {
    /// Image width in pixels (columns).
    public var width: Int
    /// Image height in pixels (rows).
    public var height: Int
    /// The reconstruction filter used when developing the image.
    public var filter: ReconstructionFilter

    /// A film; Mitsuba's defaults are 768 x 576 with a gaussian filter of σ = 0.5.
    public init(width: Int = 768, height: Int = 576, filter: ReconstructionFilter = .standard) {
        precondition(width > 0 && height > 0, "Film: the size must be positive, got \(width) x \(height)")
        self.width = width
        self.height = height
        self.filter = filter
    }

    /// width · height.
    public var pixelCount: Int { width * height }

    /// width / height.
    public var aspectRatio: Float { Float(width) / Float(height) }

    /// The number of lanes of a wavefront with `spp` samples per pixel: width · height · spp.
    public func laneCount(samplesPerPixel spp: Int) -> Int {
        precondition(spp > 0, "Film: samples per pixel must be positive, got \(spp)")
        return pixelCount * spp
    }

    /// Per lane of a `spp`-sample wavefront: its pixel index ⌊i / spp⌋.
    public func pixelIndex(samplesPerPixel spp: Int) -> UInt32Array {
        let lane = UInt32Array.arange(laneCount(samplesPerPixel: spp))
        return spp == 1 ? lane : lane / UInt32(spp)
    }

    /// Per lane of a `spp`-sample wavefront: its pixel's column and row.
    public func pixelCoordinates(samplesPerPixel spp: Int) -> (column: UInt32Array, row: UInt32Array) {
        let pixel = pixelIndex(samplesPerPixel: spp)
        let row = pixel / UInt32(width)
        let column = pixel - row * UInt32(width)
        return (column, row)
    }

    /// Per lane of a `spp`-sample wavefront: the continuous film position (column + ξ1, row + ξ2) of the sample
    /// with pixel jitter `jitter` = (ξ1, ξ2) ∈ [0, 1)², as SCENE-SPEC §2 draws it.
    public func samplePositions(jitter: Point2Array, samplesPerPixel spp: Int) -> Point2Array {
        let (column, row) = pixelCoordinates(samplesPerPixel: spp)
        let x = FloatArray(column) + jitter.x
        let y = FloatArray(row) + jitter.y
        return Point2Array(x: x, y: y)
    }

    /// Checks that arrays given per lane match a `spp`-sample wavefront.
    func requireLanes(_ count: Int, samplesPerPixel spp: Int, _ what: String) {
        let expected = laneCount(samplesPerPixel: spp)
        precondition(count == expected,
                     "Film: \(what) has \(count) lanes, expected \(width) x \(height) x \(spp) = \(expected)")
    }
}
