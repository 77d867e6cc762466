// MeshInflater: a zlib stream read piece by piece through CImageCodecs, for the serialized mesh reader.

import CImageCodecs

/// Inflates one zlib stream in steps, so that a reader can take its sizes from the stream itself and only
/// ever allocate for data that really arrives. The source bytes must stay valid while it is used.
final class MeshInflater {
    private let handle: OpaquePointer
    private let fileName: String
    private let location: String

    init(source: UnsafeRawBufferPointer, fileName: String, location: String) throws {
        guard let base = source.baseAddress?.assumingMemoryBound(to: UInt8.self),
              let handle = imagecodec_inflater_create(base, source.count) else {
            throw MeshLoadError(fileName: fileName, location: location, reason: "cannot start inflating the zlib stream")
        }
        self.handle = handle
        self.fileName = fileName
        self.location = location
    }

    deinit { imagecodec_inflater_destroy(handle) }

    /// Fills `destination` completely, or throws naming `what` when the stream ends first or is corrupt.
    func read(into destination: UnsafeMutableRawBufferPointer, what: String) throws {
        guard let base = destination.baseAddress?.assumingMemoryBound(to: UInt8.self), destination.count > 0 else {
            return
        }
        var produced = 0
        var message = [CChar](repeating: 0, count: Int(IMAGECODEC_MESSAGE_CAPACITY))
        let status = message.withUnsafeMutableBufferPointer { text in
            imagecodec_inflater_read(handle, base, destination.count, &produced, text.baseAddress, text.count)
        }
        guard status == Int32(IMAGECODEC_OK) else {
            let reason = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw MeshLoadError(fileName: fileName, location: location, reason: "\(reason) while reading \(what)")
        }
        guard produced == destination.count else {
            throw MeshLoadError(fileName: fileName, location: location,
                                reason: "the compressed data ends while reading \(what)")
        }
    }

    /// Reads one little-endian integer.
    func read<T: FixedWidthInteger>(_ type: T.Type, what: String) throws -> T {
        var value: T = 0
        try withUnsafeMutableBytes(of: &value) { try read(into: $0, what: what) }
        return T(littleEndian: value)
    }
}
