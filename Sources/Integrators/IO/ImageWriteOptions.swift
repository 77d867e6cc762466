// ImageWriteOptions: the per-format choices a caller makes when writing a Bitmap to a file.

/// How color values are turned into 8- or 16-bit integers for PNG and JPEG.
public enum IntegerEncoding: Sendable {
    /// The file holds sRGB: a linear bitmap (`isSRGB == false`) is sRGB-encoded (alpha
    /// untouched), one that is already encoded is not encoded again; then clamp to [0, 1]
    /// and round.
    case srgb
    /// Write the values as they are, whatever `isSRGB` says (data, masks, or values the
    /// caller encoded): clamp to [0, 1], then round.
    case asIs
}

/// Sample width of a written PNG.
public enum PNGBitDepth: Int, Sendable {
    /// 8 bits per sample (0...255).
    case eight = 8
    /// 16 bits per sample (0...65535).
    case sixteen = 16
}

/// Sample type of a written EXR file.
public enum EXRPixelType: Sendable {
    /// 16-bit IEEE half float.
    case half
    /// 32-bit IEEE float.
    case float
}

/// Compression of a written EXR file.
public enum EXRCompression: Sendable {
    /// Raw scanlines, one per chunk.
    case none
    /// zlib with OpenEXR's predictor and byte interleave, 16 scanlines per chunk (ZIP_COMPRESSION).
    case zip
}

/// Options for `Bitmap.write(to:options:)`; each format reads only its own fields.
public struct ImageWriteOptions: Sendable {
    /// PNG/JPEG/PPM: how values become integers.
    public var encoding: IntegerEncoding
    /// PNG and PPM: bits per sample.
    public var pngBitDepth: PNGBitDepth
    /// JPEG: quality 1...100.
    public var jpegQuality: Int
    /// EXR: sample type.
    public var exrPixelType: EXRPixelType
    /// EXR: compression.
    public var exrCompression: EXRCompression
    /// NPY: write a one-channel bitmap with shape (H, W) instead of (H, W, 1).
    public var npyDropsSingleChannelAxis: Bool

    /// Creates options; every argument has the default described on its property.
    public init(encoding: IntegerEncoding = .srgb, pngBitDepth: PNGBitDepth = .eight,
                jpegQuality: Int = 95, exrPixelType: EXRPixelType = .float,
                exrCompression: EXRCompression = .zip, npyDropsSingleChannelAxis: Bool = false) {
        self.encoding = encoding
        self.pngBitDepth = pngBitDepth
        self.jpegQuality = jpegQuality
        self.exrPixelType = exrPixelType
        self.exrCompression = exrCompression
        self.npyDropsSingleChannelAxis = npyDropsSingleChannelAxis
    }
}
