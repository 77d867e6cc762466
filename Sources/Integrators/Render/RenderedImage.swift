// What `Scene.render` returns: the traced pixels with their shape, (H, W, C) or a batch's (N, H, W, C).
import Tracer

/// A rendered image, or a batch of images, with its shape: Mitsuba's `TensorXf` of shape (H, W, C), or
/// (N, H, W, C) for a batched render. `array` is the flat, row-major traced array a loss is built on (and through
/// which gradients reach the scene); pixel access and conversions evaluate it.
public struct RenderedImage {
    /// The pixels, (N,) H, W, C flattened row-major: element (image, y, x, c) at ((image·H + y)·W + x)·C + c.
    public var array: FloatArray
    /// The number of rows H.
    public let height: Int
    /// The number of columns W.
    public let width: Int
    /// The channels per pixel C (3: linear RGB).
    public let channels: Int
    /// The number of images N (1 unless the render was batched).
    public let imageCount: Int

    /// `array` with the given shape; its count must be imageCount·height·width·channels.
    public init(array: FloatArray, height: Int, width: Int, channels: Int = 3, imageCount: Int = 1) {
        precondition(array.count == imageCount * height * width * channels,
                     "RenderedImage: \(array.count) values are not \(imageCount) x \(height) x \(width) x \(channels)")
        self.array = array
        self.height = height
        self.width = width
        self.channels = channels
        self.imageCount = imageCount
    }

    /// The shape as Mitsuba's tensor gives it: [H, W, C], or [N, H, W, C] for a batch.
    public var shape: [Int] {
        imageCount == 1 ? [height, width, channels] : [imageCount, height, width, channels]
    }

    /// Every value, row-major (evaluates the image).
    public var values: [Float] { array.values }

    /// Channel `c` of pixel (y, x) of the (first) image (evaluates the image; later reads copy nothing).
    public subscript(y y: Int, x x: Int, c c: Int) -> Float { self[image: 0, y: y, x: x, c: c] }

    /// Channel `c` of pixel (y, x) of image `image` of a batch.
    public subscript(image image: Int, y y: Int, x x: Int, c c: Int) -> Float {
        precondition((0..<imageCount).contains(image) && (0..<height).contains(y) && (0..<width).contains(x)
                     && (0..<channels).contains(c),
                     "RenderedImage: (\(image), \(y), \(x), \(c)) is outside \(shape)")
        let index = ((image * height + y) * width + x) * channels + c
        return array.withUnsafeElements { $0[index] }
    }

    /// Image `index` of a batch, as an image of its own (a traced slice: gradients flow through it).
    public func image(_ index: Int) -> RenderedImage {
        precondition((0..<imageCount).contains(index), "RenderedImage: image \(index) of \(imageCount)")
        guard imageCount > 1 else { return self }
        let size = height * width * channels
        let slice = array.gather(UInt32Array.arange(size, context: array.context) + UInt32(index * size))
        return RenderedImage(array: slice, height: height, width: width, channels: channels)
    }

    /// Image `index` as a `Bitmap` (linear float), for the image writers (EXR, PNG, NPY).
    public func bitmap(image index: Int = 0) -> Bitmap {
        Bitmap(width: width, height: height, channelCount: channels, pixels: image(index).values)
    }
}
