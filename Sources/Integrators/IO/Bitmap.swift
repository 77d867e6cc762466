// Bitmap: a row-major, channel-interleaved Float image and its element accessors.

/// A 2-D image of `Float` samples.
///
/// Samples are stored row-major with row 0 at the top and the channels of a pixel next to
/// each other: the sample at (row, column, channel) is
/// `pixels[(row * width + column) * channelCount + channel]`.
///
/// Channel layouts by convention: 1 = gray, 2 = gray + alpha, 3 = RGB, 4 = RGBA
/// (other counts are allowed for data arrays and have no alpha).
public struct Bitmap: Equatable, Sendable {
    /// Number of columns.
    public let width: Int
    /// Number of rows.
    public let height: Int
    /// Number of interleaved channels per pixel.
    public let channelCount: Int
    /// All samples, `height * width * channelCount` of them, row-major and interleaved.
    /// Replacing the array with one of another length is a programming error.
    public var pixels: [Float] {
        didSet {
            precondition(pixels.count == width * height * channelCount,
                         "Bitmap.pixels must keep \(width * height * channelCount) samples")
        }
    }
    /// True when the color channels hold sRGB-encoded values in [0, 1] (as read from an
    /// 8- or 16-bit PNG or a JPEG: integer / maxValue), false when they hold linear values.
    /// Alpha is never encoded.
    public var isSRGB: Bool

    /// Creates a bitmap from existing samples; `pixels.count` must equal
    /// `width * height * channelCount`.
    public init(width: Int, height: Int, channelCount: Int, pixels: [Float], isSRGB: Bool = false) {
        precondition(width >= 0 && height >= 0, "Bitmap size must not be negative")
        precondition(channelCount >= 1, "Bitmap needs at least one channel")
        precondition(pixels.count == width * height * channelCount,
                     "Bitmap of \(width)x\(height)x\(channelCount) needs "
                         + "\(width * height * channelCount) samples, got \(pixels.count)")
        self.width = width
        self.height = height
        self.channelCount = channelCount
        self.pixels = pixels
        self.isSRGB = isSRGB
    }

    /// Creates a bitmap whose every sample is `value`.
    public init(width: Int, height: Int, channelCount: Int, repeating value: Float = 0,
                isSRGB: Bool = false) {
        self.init(width: width, height: height, channelCount: channelCount,
                  pixels: [Float](repeating: value, count: max(0, width * height * channelCount)),
                  isSRGB: isSRGB)
    }

    /// Whether the last channel is alpha (2 = gray + alpha, 4 = RGBA).
    public var hasAlpha: Bool { channelCount == 2 || channelCount == 4 }

    /// Number of color (non-alpha) channels.
    public var colorChannelCount: Int { hasAlpha ? channelCount - 1 : channelCount }

    /// Position in `pixels` of the sample at (row, column, channel).
    @inlinable
    public func index(row: Int, column: Int, channel: Int = 0) -> Int {
        precondition(row >= 0 && row < height && column >= 0 && column < width
                         && channel >= 0 && channel < channelCount,
                     "Bitmap index (\(row), \(column), \(channel)) outside "
                         + "\(height)x\(width)x\(channelCount)")
        return (row * width + column) * channelCount + channel
    }

    /// The sample at (row, column, channel); row 0 is the top row.
    @inlinable
    public subscript(row: Int, column: Int, channel: Int) -> Float {
        get { pixels[index(row: row, column: column, channel: channel)] }
        set { pixels[index(row: row, column: column, channel: channel)] = newValue }
    }

    /// All channels of the pixel at (row, column).
    public func pixel(row: Int, column: Int) -> [Float] {
        let start = index(row: row, column: column)
        return Array(pixels[start..<start + channelCount])
    }
}
