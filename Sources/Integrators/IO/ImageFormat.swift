// ImageFormat: the supported image file formats and their detection from a file extension.

import Foundation

/// An image file format that `Bitmap` can read, and write except where noted (`isWritable`).
public enum ImageFormat: String, CaseIterable, Sendable {
    /// Portable Network Graphics (8- or 16-bit integer samples, sRGB-encoded by convention).
    case png
    /// JPEG (8-bit gray or RGB, sRGB-encoded by convention).
    case jpeg
    /// OpenEXR scanline image (half or float samples, linear).
    case exr
    /// NumPy `.npy` array (H, W) or (H, W, C), values as they are.
    case npy
    /// Radiance RGBE `.hdr` picture (shared-exponent RGB, linear; read as Mitsuba 3.9.1 reads it).
    case hdr
    /// Portable Float Map (`.pfm`: float RGB or gray, linear).
    case pfm
    /// Binary Netpbm image (`.ppm` RGB, `.pgm` gray; 8 or 16 bits, sRGB-encoded by convention).
    case ppm
    /// Windows bitmap (`.bmp`, uncompressed 8, 24 or 32 bits, sRGB-encoded by convention); read only.
    case bmp
    /// Truevision TGA (`.tga`, gray, RGB or RGBA, raw or run-length encoded, sRGB-encoded by convention); read only.
    case tga

    /// The file extensions (lowercase, without dot) that select this format.
    public var fileExtensions: [String] {
        switch self {
        case .png: return ["png"]
        case .jpeg: return ["jpg", "jpeg"]
        case .exr: return ["exr"]
        case .npy: return ["npy"]
        case .hdr: return ["hdr"]
        case .pfm: return ["pfm"]
        case .ppm: return ["ppm", "pgm"]
        case .bmp: return ["bmp"]
        case .tga: return ["tga"]
        }
    }

    /// Every accepted extension, as written in error messages: ".png, .jpg, .jpeg, .exr, .npy, .hdr, ...".
    public static var acceptedExtensionList: String {
        allCases.flatMap(\.fileExtensions).map { "." + $0 }.joined(separator: ", ")
    }

    /// Whether `Bitmap.write` can produce this format (BMP and TGA are read only, as in Mitsuba).
    public var isWritable: Bool { self != .bmp && self != .tga }

    /// The format for a file extension (case-insensitive, without dot), or nil if unknown.
    public init?(fileExtension: String) {
        let lowered = fileExtension.lowercased()
        guard let format = ImageFormat.allCases.first(where: { $0.fileExtensions.contains(lowered) })
        else { return nil }
        self = format
    }

    /// The format a file's first bytes (and, for TGA, its 2.0 footer) identify, as Mitsuba's
    /// `Bitmap::detect_file_format` does: "BM", "#?" (Radiance), "PF"/"Pf", "P6"/"P5", JPEG's FF D8, PNG's and
    /// OpenEXR's signatures, NumPy's "\x93NUMPY", and "TRUEVISION-XFILE." at the end. Nil when none matches.
    public init?(contents data: Data) {
        let start = [UInt8](data.prefix(8))
        func starts(_ bytes: [UInt8]) -> Bool { start.count >= bytes.count && Array(start.prefix(bytes.count)) == bytes }
        if starts([0x42, 0x4D]) { self = .bmp }
        else if starts([0x23, 0x3F]) { self = .hdr }
        else if starts([0x50, 0x46]) || starts([0x50, 0x66]) { self = .pfm }
        else if starts([0x50, 0x36]) || starts([0x50, 0x35]) { self = .ppm }
        else if starts([0xFF, 0xD8]) { self = .jpeg }
        else if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { self = .png }
        else if starts([0x76, 0x2F, 0x31, 0x01]) { self = .exr }
        else if starts([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) { self = .npy }
        else if data.count >= 18, data.suffix(18).elementsEqual(Array("TRUEVISION-XFILE.".utf8) + [0]) { self = .tga }
        else { return nil }
    }

    /// The format named by `url`'s extension; throws an `ImageIOError` naming the file and the
    /// accepted extensions when the extension is missing or unknown.
    public init(url: URL) throws {
        guard let format = ImageFormat(fileExtension: url.pathExtension) else {
            let found = url.pathExtension.isEmpty ? "no extension" : "extension .\(url.pathExtension)"
            throw ImageIOError(
                fileName: url.lastPathComponent,
                reason: "unknown image format (\(found)); expected one of "
                    + ImageFormat.acceptedExtensionList)
        }
        self = format
    }
}
