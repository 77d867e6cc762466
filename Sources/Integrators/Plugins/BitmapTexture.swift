// Mitsuba's `bitmap` texture: an (H, W, 3) float image looked up with bilinear or nearest filtering.
import Foundation
import Tracer

/// How a bitmap texture reconstructs values between texel centers (Mitsuba's `filter_type`).
public enum BitmapFilter: String, CaseIterable, Sendable {
    /// Bilinear interpolation of the 4 nearest texels (the default).
    case bilinear
    /// The texel containing the point.
    case nearest
}

/// How texel indices outside the image map back into it (Mitsuba's `wrap_mode`).
public enum BitmapWrapMode: String, CaseIterable, Sendable {
    /// Periodic: index mod size (the default).
    case `repeat`
    /// The nearest edge texel.
    case clamp
    /// Periodic with every other copy flipped: …, 1, 0, 0, 1, …, W−1, W−1, W−2, ….
    case mirror
}

/// An image texture (SCENE-SPEC §6) of 3 channels (RGB) or 1 (gray, as Mitsuba keeps Y and YA images). The texels
/// are a differentiable `ParameterSlot` of shape [H, W, C], element (row, column, channel) at (row·W + column)·C +
/// channel; v selects the row (v = 0 is row 0) and u the column. Lookups gather from `data.value`, so reverse mode
/// scatter-adds gradients into the texels. A gray texture's RGB value is its value in every channel, and its scalar
/// value (`evalScalar`, Mitsuba's `eval_1`) the value itself; an RGB texture's scalar value is its luminance.
public struct BitmapTexture: Texture {
    /// The texels, shape [H, W, C] with C = 1 or 3.
    public let data: ParameterSlot
    /// The reconstruction filter.
    public let filter: BitmapFilter
    /// The wrap mode, for both axes.
    public let wrapMode: BitmapWrapMode
    /// The map applied to uv before the lookup (Mitsuba's `to_uv`).
    public let toUV: UVTransform
    /// `toUV` as `mi.traverse` lists it.
    private let toUVListing: ParameterSlot
    /// The distribution `samplePosition` draws texels from, kept for the texel values it was built from.
    let distributionCache: TexelDistributionCache

    /// The number of rows H.
    public var height: Int { data.shape[0] }
    /// The number of columns W.
    public var width: Int { data.shape[1] }
    /// The number of channels C: 3 (RGB) or 1 (gray).
    public var channelCount: Int { data.shape[2] }
    /// W x H (Mitsuba's `resolution`).
    public var resolution: (width: Int, height: Int) { (width, height) }

    /// A texture over `data`, H·W·C values in (row, column, channel) order, used as they are (linear); C
    /// (`channels`) is 3 or 1.
    public init(data: FloatArray, width: Int, height: Int, channels: Int = 3, filter: BitmapFilter = .bilinear,
                wrapMode: BitmapWrapMode = .repeat, toUV: UVTransform = .identity) {
        precondition(width > 0 && height > 0, "BitmapTexture: the size must be positive, got \(width)x\(height)")
        precondition(channels == 1 || channels == 3, "BitmapTexture: 1 or 3 channels, got \(channels)")
        precondition(data.count == width * height * channels, "BitmapTexture: \(width)x\(height)x\(channels) needs "
                     + "\(width * height * channels) values, got \(data.count)")
        self.data = ParameterSlot(value: data, shape: [height, width, channels])
        self.data.supportsBatches = true
        self.filter = filter
        self.wrapMode = wrapMode
        self.toUV = toUV
        toUVListing = toUV.listing()
        distributionCache = TexelDistributionCache()
    }

    /// A texture holding `bitmap` converted as Mitsuba loads files: alpha dropped, gray kept as one channel, and
    /// sRGB-encoded values (8- and 16-bit PNG, JPEG) linearised with the exact curve unless `raw`. Linear data
    /// (EXR, NPY) is used as it is. The bitmap must have 1 to 4 channels (`texels(of:raw:)` says whether it has).
    public init(bitmap: Bitmap, raw: Bool = false, filter: BitmapFilter = .bilinear,
                wrapMode: BitmapWrapMode = .repeat, toUV: UVTransform = .identity) {
        guard let texels = Self.texels(of: bitmap, raw: raw) else {
            preconditionFailure("BitmapTexture: a bitmap of \(bitmap.channelCount) channels is not gray or RGB")
        }
        self.init(data: FloatArray(texels.pixels), width: texels.width, height: texels.height,
                  channels: texels.channelCount, filter: filter, wrapMode: wrapMode, toUV: toUV)
    }

    /// The texture of an image file (PNG, JPEG, EXR, NPY), converted as `init(bitmap:raw:filter:wrapMode:)`.
    /// Throws `ImageIOError` for unreadable files and `SceneError` for images that are not gray or RGB.
    public init(contentsOf url: URL, raw: Bool = false, filter: BitmapFilter = .bilinear,
                wrapMode: BitmapWrapMode = .repeat) throws {
        let bitmap = try Bitmap(inputContentsOf: url)
        guard Self.texels(of: bitmap, raw: raw) != nil else {
            throw SceneError("image '\(url.lastPathComponent)' has \(bitmap.channelCount) channels; a bitmap texture "
                                + "needs gray, gray+alpha, RGB or RGBA", at: nil)
        }
        self.init(bitmap: bitmap, raw: raw, filter: filter, wrapMode: wrapMode)
    }

    /// `bitmap` as RGB without alpha, linearised unless `raw`; nil when it is not gray, gray+alpha, RGB or RGBA.
    public static func rgbTexels(of bitmap: Bitmap, raw: Bool) -> Bitmap? {
        guard (1...4).contains(bitmap.channelCount) else { return nil }
        let rgb = bitmap.droppingAlpha().expandingGrayToRGB()
        return raw ? rgb : rgb.linearized()
    }

    /// `bitmap` without alpha, as the texture stores it (Mitsuba's Y or RGB): one channel for gray and gray+alpha,
    /// three for RGB and RGBA, linearised unless `raw`; nil for any other number of channels.
    public static func texels(of bitmap: Bitmap, raw: Bool) -> Bitmap? {
        guard (1...4).contains(bitmap.channelCount) else { return nil }
        let texels = bitmap.droppingAlpha()
        return raw ? texels : texels.linearized()
    }

    /// The filtered value at `to_uv · uv`; lanes where `active` is false read 0.
    public func eval(_ uv: Point2Array, active: BoolArray, bindings: RenderBindings) -> Vector3Array {
        let uv = toUV.isIdentity ? uv : toUV.apply(uv)
        switch filter {
        case .bilinear: return bilinear(uv, active: active, bindings: bindings)
        case .nearest: return nearest(uv, active: active, bindings: bindings)
        }
    }

    /// The texels, under "data" (Mitsuba's key), and `to_uv` (listed, not differentiable).
    public var parameters: [(key: String, slot: ParameterSlot)] { [("data", data), ("to_uv", toUVListing)] }

    /// True: the texels are looked up at uv.
    public var readsSurfaceCoordinates: Bool { true }

    /// The mean luminance of the texels (Mitsuba's `bitmap` in RGB mode: Rec. 709 weights, in float as it sums),
    /// or of a gray texture's values.
    public var mean: Float {
        let values = Self.texelValues(data.value.values, channels: channelCount)
        var sum: Float = 0
        for value in values { sum += value }
        return sum / Float(values.count)
    }

    /// The scalar value of each texel, in order: a gray texel's value, an RGB texel's luminance 0.212671 R +
    /// 0.715160 G + 0.072169 B in float (what Mitsuba's mean and sampling distribution read).
    static func texelValues(_ texels: [Float], channels: Int) -> [Float] {
        guard channels == 3 else { return texels }
        return stride(from: 0, to: texels.count, by: 3).map { index in
            0.212671 * texels[index] + 0.715160 * texels[index + 1] + 0.072169 * texels[index + 2]
        }
    }

    /// The scalar value at `to_uv · uv` (Mitsuba's `eval_1`): a gray texture's filtered value, an RGB texture's
    /// luminance; 0 where inactive.
    public func evalScalar(_ uv: Point2Array, active: BoolArray, bindings: RenderBindings) -> FloatArray {
        let rgb = eval(uv, active: active, bindings: bindings)
        guard channelCount == 3 else { return rgb.x }
        return rgb.x * Float(0.212671) + rgb.y * Float(0.715160) + rgb.z * Float(0.072169)
    }

    /// x = u W − ½, y = v H − ½; the 4 texels around (x, y), wrapped, weighted by (1−fx or fx)(1−fy or fy).
    private func bilinear(_ uv: Point2Array, active: BoolArray, bindings: RenderBindings) -> Vector3Array {
        let half = FloatArray.constant(-0.5)
        let x = fma(uv.x, .constant(Float(width)), half)
        let y = fma(uv.y, .constant(Float(height)), half)
        let xFloor = floor(x)
        let yFloor = floor(y)
        let fx = x - xFloor
        let fy = y - yFloor
        let gx = 1 - fx
        let gy = 1 - fy
        let column0 = Int32Array(xFloor)
        let row0 = Int32Array(yFloor)
        let columns = (wrap(column0, size: width), wrap(column0 + 1, size: width))
        let rows = (wrap(row0, size: height), wrap(row0 + 1, size: height))

        let corners: [(row: Int32Array, column: Int32Array, weight: FloatArray)] = [
            (rows.0, columns.0, gx * gy), (rows.0, columns.1, fx * gy),
            (rows.1, columns.0, gx * fy), (rows.1, columns.1, fx * fy),
        ]
        var sum: Vector3Array?
        for corner in corners {
            let term = texel(row: corner.row, column: corner.column, active: active, bindings: bindings) * corner.weight
            sum = sum.map { $0 + term } ?? term
        }
        return sum!
    }

    /// The texel containing (u W, v H), wrapped.
    private func nearest(_ uv: Point2Array, active: BoolArray, bindings: RenderBindings) -> Vector3Array {
        let x = uv.x * Float(width)
        let y = uv.y * Float(height)
        let column = wrap(Int32Array(floor(x)), size: width)
        let row = wrap(Int32Array(floor(y)), size: height)
        return texel(row: row, column: column, active: active, bindings: bindings)
    }

    /// The RGB texel at (row, column), indices already wrapped; a gray texel's value in all three channels.
    func texel(row: Int32Array, column: Int32Array, active: BoolArray, bindings: RenderBindings) -> Vector3Array {
        let pixel = row * Int32(width) + column
        var base = channelCount == 1 ? pixel : pixel * Int32(channelCount)
        if let offsets = bindings.batchOffsets(of: data, lanes: base.count) { base = base + offsets }
        let texels = bindings.value(of: data)
        let first = texels.gather(base, mask: active)
        guard channelCount == 3 else { return Vector3Array(x: first, y: first, z: first) }
        return Vector3Array(x: first, y: texels.gather(base + 1, mask: active), z: texels.gather(base + 2, mask: active))
    }

    /// An index in [0, size) for any integer index, by the wrap mode.
    func wrap(_ index: Int32Array, size: Int) -> Int32Array {
        switch wrapMode {
        case .repeat:
            return Self.euclideanRemainder(index, Int32(size))
        case .clamp:
            let lower = max(index, Int32Array(repeating: 0))
            return min(lower, Int32Array(repeating: Int32(size - 1)))
        case .mirror:
            let period = Int32(2 * size)
            let folded = Self.euclideanRemainder(index, period)
            let flipped = (period - 1) - folded
            return select(folded .< Int32(size), folded, flipped)
        }
    }

    /// k mod n in [0, n) (integer division truncates, so negative remainders are shifted up).
    private static func euclideanRemainder(_ k: Int32Array, _ n: Int32) -> Int32Array {
        let quotient = k / n
        let remainder = k - quotient * n
        return select(remainder .< 0, remainder + n, remainder)
    }
}

extension BitmapTexture {
    /// From `<texture type="bitmap">`: `filename` (resolved against the scene's search paths), `filter_type`
    /// ("bilinear" or "nearest"), `wrap_mode` ("repeat", "clamp" or "mirror"), `raw` (keep sRGB values encoded),
    /// `to_uv` (a transform of uv, default identity);
    /// `format` is accepted and ignored (texels are always float32, as with Mitsuba's "variant").
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.texture, type: "bitmap", description)
        try description.requireKnownProperties(["filename", "filter_type", "wrap_mode", "raw", "format", "to_uv"])
        try PluginFactory.rejectUnnamedChildren(description, expected: "no nested plugins")
        let filter = try Self.choice(description, "filter_type", default: BitmapFilter.bilinear)
        let wrapMode = try Self.choice(description, "wrap_mode", default: BitmapWrapMode.repeat)
        let raw = try description.boolean("raw", default: false)
        let toUV = try UVTransform(description)
        if description.has("format") { _ = try description.string("format") }

        let url = try document.resolveFile(description)
        let bitmap: Bitmap
        do {
            bitmap = try Bitmap(inputContentsOf: url)
        } catch {
            throw description.error("cannot load the image: \(error)", property: "filename")
        }
        guard Self.texels(of: bitmap, raw: raw) != nil else {
            throw description.error("image '\(url.lastPathComponent)' has \(bitmap.channelCount) channels (expected "
                                        + "gray, gray+alpha, RGB or RGBA)", property: "filename")
        }
        self.init(bitmap: bitmap, raw: raw, filter: filter, wrapMode: wrapMode, toUV: toUV)
    }

    /// The enumeration case named by string property `name`, or `default` when absent.
    private static func choice<Choice: RawRepresentable & CaseIterable>(
        _ description: PluginDescription, _ name: String, default def: Choice
    ) throws -> Choice where Choice.RawValue == String {
        let text = try description.string(name, default: def.rawValue)
        guard let value = Choice(rawValue: text) else {
            let options = Choice.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            throw description.error("property '\(name)' must be one of \(options), found '\(text)'", property: name)
        }
        return value
    }
}
