// Mitsuba's `hdrfilm`: the image size, its reconstruction filter, and how wavefront lanes map to pixels.
import Tracer

/// An RGB film of `width` x `height` pixels (Mitsuba's `hdrfilm` with pixel_format "rgb"; SCENE-SPEC §2).
///
/// A wavefront of `width · height · spp` lanes renders the image: lane i belongs to pixel ⌊i / spp⌋ (so the spp
/// samples of a pixel are consecutive lanes), pixel k has column k mod width and row ⌊k / width⌋ (row 0 at the top).
///
/// A film may hold a batch of `imageCount` images rendered by one wavefront (image-major: pixel k belongs to image
/// ⌊k / pixelCount⌋ and has the column and row of k mod pixelCount); filters never reach across images.
///
/// A crop window (Mitsuba's `crop_offset_x/y`, `crop_width/height`) renders part of a larger sensor image: `width`
/// x `height` is then the crop, the image rendered and written, and `fullWidth` x `fullHeight` the sensor's
/// image, whose pixel (column + `cropOffsetX`, row + `cropOffsetY`) crop pixel (column, row) is. Only the camera's
/// rays see the full image; the lanes, the filter's splats and the outputs are the crop's, as in Mitsuba.
public struct Film: Hashable, Sendable {
    /// Image width in pixels (columns): the crop's.
    public var width: Int
    /// Image height in pixels (rows): the crop's.
    public var height: Int
    /// The size of the sensor's whole image (Mitsuba's film `size`); `width` x `height` without a crop.
    public var fullWidth: Int
    public var fullHeight: Int
    /// Where the crop starts in the whole image (0, 0 without a crop).
    public var cropOffsetX = 0
    public var cropOffsetY = 0
    /// Whether the film develops an alpha channel (Mitsuba's pixel_format "rgba"): each sample's validity (its
    /// camera ray found something to show, `Scene.cameraSampleAlpha`), filtered like radiance.
    public var hasAlpha = false
    /// The reconstruction filter used when developing the image.
    public var filter: ReconstructionFilter
    /// The number of images rendered together (1 outside batched renders).
    public var imageCount = 1

    /// A film; Mitsuba's defaults are 768 x 576 with a gaussian filter of σ = 0.5.
    public init(width: Int = 768, height: Int = 576, filter: ReconstructionFilter = .standard) {
        precondition(width > 0 && height > 0, "Film: the size must be positive, got \(width) x \(height)")
        self.width = width
        self.height = height
        fullWidth = width
        fullHeight = height
        self.filter = filter
    }

    /// The film cropped to `width` x `height` pixels from (`offsetX`, `offsetY`) of its whole image, which must
    /// contain the crop.
    public func cropped(offsetX: Int, offsetY: Int, width: Int, height: Int) -> Film {
        precondition(width > 0 && height > 0 && offsetX >= 0 && offsetY >= 0 && offsetX + width <= fullWidth
                     && offsetY + height <= fullHeight,
                     "Film: the crop \(width) x \(height) at (\(offsetX), \(offsetY)) leaves the \(fullWidth) x \(fullHeight) image")
        var crop = self
        crop.width = width
        crop.height = height
        crop.cropOffsetX = offsetX
        crop.cropOffsetY = offsetY
        return crop
    }

    /// Whether only part of the whole image is rendered.
    public var isCropped: Bool { width != fullWidth || height != fullHeight }

    /// width · height.
    public var pixelCount: Int { width * height }

    /// The pixels of all images of the batch: width · height · imageCount.
    public var batchPixelCount: Int { pixelCount * imageCount }

    /// The whole image's width / height (the camera's aspect ratio, crop or not).
    public var aspectRatio: Float { Float(fullWidth) / Float(fullHeight) }

    /// The number of lanes of a wavefront with `spp` samples per pixel: width · height · spp (· imageCount).
    public func laneCount(samplesPerPixel spp: Int) -> Int {
        precondition(spp > 0, "Film: samples per pixel must be positive, got \(spp)")
        return batchPixelCount * spp
    }

    /// Per lane of a `spp`-sample wavefront: its pixel index ⌊i / spp⌋ (counting the pixels of all images).
    public func pixelIndex(samplesPerPixel spp: Int) -> UInt32Array {
        let lane = UInt32Array.arange(laneCount(samplesPerPixel: spp))
        return spp == 1 ? lane : lane / UInt32(spp)
    }

    /// Per lane of a `spp`-sample wavefront: its pixel's column and row within its image.
    public func pixelCoordinates(samplesPerPixel spp: Int) -> (column: UInt32Array, row: UInt32Array) {
        pixelCoordinates(ofPixel: pixelIndex(samplesPerPixel: spp))
    }

    /// The column and row of batch pixel indices within their image.
    public func pixelCoordinates<E: TracedIndex>(ofPixel pixel: TracedArray<E>) -> (column: TracedArray<E>, row: TracedArray<E>) {
        let count = E.tracedValue(of: pixelCount)
        let local = imageCount == 1 ? pixel : pixel - (pixel / count) * count
        let row = local / E.tracedValue(of: width)
        let column = local - row * E.tracedValue(of: width)
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
                     "Film: \(what) has \(count) lanes, expected \(imageCount) x \(width) x \(height) x \(spp) = \(expected)")
    }
}
