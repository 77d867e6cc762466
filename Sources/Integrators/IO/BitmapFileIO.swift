// BitmapFileIO: Bitmap reading and writing by format (from the file extension or given).

import Foundation
import RefractSupport
import Tracer

extension Bitmap {
    /// Reads an image file, choosing the format from its extension (case-insensitive):
    /// `.png` and `.jpg`/`.jpeg` give sRGB-encoded values in [0, 1] (`isSRGB == true`),
    /// `.exr`, `.hdr` (RGB) and `.pfm` give linear values and `.npy` gives the stored values (`isSRGB == false`);
    /// `.ppm`/`.pgm`, `.bmp` and `.tga` give sRGB-encoded values as PNG does.
    /// Throws `ImageIOError` naming the file for a missing file, an unknown extension or
    /// contents that are not a valid, supported file of that format.
    ///
    /// As Mitsuba, a file is read as the format its contents identify (`ImageFormat(contents:)`) when they
    /// identify one: a JPEG named ".png" is read as a JPEG. The extension decides only for contents without a
    /// signature (a TGA file without its 2.0 footer).
    public init(contentsOf url: URL) throws {
        let named = ImageFormat(fileExtension: url.pathExtension)
        let data: Data
        do {
            data = try ImageFile.read(url)
        } catch {
            // A file that cannot be read is reported by its unknown extension first, as before detection.
            if named == nil { _ = try ImageFormat(url: url) }
            throw error
        }
        let format: ImageFormat
        if let detected = ImageFormat(contents: data) {
            format = detected
        } else {
            format = try named ?? ImageFormat(url: url)
        }
        try self.init(data: data, format: format, fileName: url.lastPathComponent)
    }

    /// Decodes file contents held in memory; `fileName` is only used in error messages.
    public init(data: Data, format: ImageFormat, fileName: String) throws {
        switch format {
        case .png: self = try PNGCodec.decode(data, fileName: fileName)
        case .jpeg: self = try JPEGCodec.decode(data, fileName: fileName)
        case .exr: self = try EXRReader.decode(data, fileName: fileName)
        case .npy: self = try NPYCodec.decode(data, fileName: fileName)
        case .hdr: self = try HDRReader.decode(data, fileName: fileName)
        case .pfm: self = try PFMCodec.decode(data, fileName: fileName)
        case .ppm: self = try PPMCodec.decode(data, fileName: fileName)
        case .bmp: self = try BMPReader.decode(data, fileName: fileName)
        case .tga: self = try TGAReader.decode(data, fileName: fileName)
        }
    }

    /// Reads an image that is an input of a render or an optimisation (a texture, a training image, a reference):
    /// as `init(contentsOf:)`, and NaN or infinite elements are refused (`requireFinite`), so a bad input stops the
    /// job before any work instead of spreading through it.
    public init(inputContentsOf url: URL) throws {
        try self.init(contentsOf: url)
        try requireFinite(fileName: url.lastPathComponent)
    }

    /// Throws `ImageIOError` naming the first NaN or infinite element (row, column and channel), so that a bad
    /// input is refused before any work starts instead of spreading through a render or an optimisation.
    public func requireFinite(fileName: String) throws {
        guard let index = pixels.firstIndex(where: { !$0.isFinite }) else { return }
        let pixel = index / channelCount
        throw ImageIOError(fileName: fileName,
                           reason: "element \(index) (row \(pixel / width), column \(pixel % width), channel "
                               + "\(index % channelCount)) is \(pixels[index]); expected finite values")
    }

    /// The bytes of this bitmap as a file of `format`; `fileName` is only used in error messages.
    ///
    /// - PNG: 1-4 channels, 8 or 16 bits, quantized per `options.encoding`.
    /// - JPEG: 1 or 3 channels, 8 bits, quantized per `options.encoding`, `options.jpegQuality`.
    /// - EXR: 1-4 channels (Y, YA, RGB, RGBA), linear (an sRGB bitmap is linearized first),
    ///   `options.exrPixelType`, `options.exrCompression`.
    /// - NPY: float32 little-endian, shape (H, W, C) (or (H, W), see
    ///   `options.npyDropsSingleChannelAxis`), values as they are.
    /// - HDR: 1 (gray) or 3 (RGB) channels, linear (an sRGB bitmap is linearized first), Radiance RGBE with
    ///   flat scanlines.
    /// - PFM: gray or RGB floats (alpha dropped), linear, little-endian.
    /// - PPM: P6 RGB or P5 gray (alpha dropped), 8 or 16 bits (`options.pngBitDepth`), quantized per
    ///   `options.encoding`.
    /// - BMP, TGA: not written (an error).
    public func encodedData(format: ImageFormat, options: ImageWriteOptions = ImageWriteOptions(),
                            fileName: String = "image") throws -> Data {
        switch format {
        case .png:
            return try PNGCodec.encode(self, encoding: options.encoding,
                                       bitDepth: options.pngBitDepth, fileName: fileName)
        case .jpeg:
            return try JPEGCodec.encode(self, encoding: options.encoding,
                                        quality: options.jpegQuality, fileName: fileName)
        case .exr:
            return try EXRWriter.encode(self, pixelType: options.exrPixelType,
                                        compression: options.exrCompression, fileName: fileName)
        case .npy:
            return NPYCodec.encode(self, dropsSingleChannelAxis: options.npyDropsSingleChannelAxis)
        case .hdr:
            return try HDRWriter.encode(self, fileName: fileName)
        case .pfm:
            return try PFMCodec.encode(self, fileName: fileName)
        case .ppm:
            return try PPMCodec.encode(self, encoding: options.encoding, sixteenBits: options.pngBitDepth == .sixteen,
                                       fileName: fileName)
        case .bmp, .tga:
            throw ImageIOError(fileName: fileName, reason: "\(format.rawValue.uppercased()) files are read, not written "
                               + "(write .png, .exr, .hdr, .pfm, .ppm, .jpg or .npy)", isWriteFailure: true)
        }
    }

    /// Writes this bitmap to `url` in the format named by its extension (see
    /// `encodedData(format:options:fileName:)`), atomically: through a temporary file in the same
    /// directory renamed into place, so an interrupted run never leaves a half-written file.
    /// Throws `ImageIOError` naming the file.
    public func write(to url: URL, options: ImageWriteOptions = ImageWriteOptions()) throws {
        let format = try ImageFormat(url: url)
        try ImageFile.write(encodedData(format: format, options: options, fileName: url.lastPathComponent), to: url)
    }
}

/// Reading and writing the bytes of image files, with errors that name the file.
enum ImageFile {
    /// The file's bytes. Throws `ImageIOError` for a missing or unreadable file.
    static func read(_ url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            let reason = FileManager.default.fileExists(atPath: url.path)
                ? "cannot read the file (\(error.localizedDescription))" : "no such file"
            throw ImageIOError(fileName: url.lastPathComponent, reason: reason)
        }
    }

    /// Writes `data` atomically. Throws `ImageIOError` (a write failure) naming the file.
    static func write(_ data: Data, to url: URL) throws {
        do {
            try writeAtomically(data, to: url)
        } catch let error as AtomicWriteError {
            throw ImageIOError(fileName: url.lastPathComponent, reason: error.reason, isWriteFailure: true)
        }
    }
}
