// EXRImage: an OpenEXR scanline image as named channels of floats plus string attributes, what the EXR reader
// and writer exchange (a Bitmap is one kind; a shard's partial film, with its sums and job identity, another).

import Foundation
import Tracer

/// The contents of a single-part scanline OpenEXR file: named channels (each width x height floats, row-major)
/// and the header's string attributes (other attributes are format details the reader and writer handle).
public struct EXRImage: Equatable, Sendable {
    /// One channel: its name ("R", "shard.W") and its values, row-major, width x height of them.
    public struct Channel: Equatable, Sendable {
        public var name: String
        public var values: [Float]

        /// A channel named `name`.
        public init(name: String, values: [Float]) {
            self.name = name
            self.values = values
        }
    }

    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// The channels, in any order (files store them sorted by name).
    public var channels: [Channel]
    /// The `string` attributes of the header, by name.
    public var attributes: [String: String]

    /// An image; every channel must hold width x height values.
    public init(width: Int, height: Int, channels: [Channel], attributes: [String: String] = [:]) {
        precondition(channels.allSatisfy { $0.values.count == width * height },
                     "EXRImage: every channel needs \(width) x \(height) values")
        self.width = width
        self.height = height
        self.channels = channels
        self.attributes = attributes
    }

    /// The channel named `name`, if any.
    public subscript(channel name: String) -> [Float]? {
        channels.first { $0.name == name }?.values
    }
}

extension EXRImage {
    /// Reads an OpenEXR file (single-part scanline; any channel names). Throws `ImageIOError` naming the file.
    public init(contentsOf url: URL) throws {
        self = try EXRReader.decodeImage(ImageFile.read(url), fileName: url.lastPathComponent)
    }

    /// Decodes the bytes of an OpenEXR file held in memory (single-part scanline; any channel names); `fileName` is
    /// only used in error messages. Throws `ImageIOError`.
    public init(data: Data, fileName: String) throws {
        self = try EXRReader.decodeImage(data, fileName: fileName)
    }

    /// Writes the image as an OpenEXR file, atomically. Throws `ImageIOError` naming the file.
    public func write(to url: URL, pixelType: EXRPixelType = .float, compression: EXRCompression = .zip) throws {
        try ImageFile.write(EXRWriter.encode(self, pixelType: pixelType, compression: compression,
                                             fileName: url.lastPathComponent), to: url)
    }
}
