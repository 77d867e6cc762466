// EXRRLECodec: OpenEXR RLE chunk decoding: signed run lengths, then the ZIP codec's predictor and byte interleave.

/// The RLE decompressor of OpenEXR: a count byte n (signed) is followed either by n + 1 copies of the next byte
/// (n >= 0) or by -n literal bytes (n < 0); the expanded bytes are then predicted and interleaved as for ZIP.
enum EXRRLECodec {
    /// Expands a chunk that must yield exactly `expectedCount` bytes and undoes the predictor and interleave.
    static func decompress(_ packed: ArraySlice<UInt8>, expectedCount: Int, fileName: String) throws -> [UInt8] {
        func failure(_ reason: String) -> ImageIOError { ImageIOError(fileName: fileName, reason: reason) }
        var expanded: [UInt8] = []
        expanded.reserveCapacity(expectedCount)
        var index = packed.startIndex
        while index < packed.endIndex {
            let count = Int(Int8(bitPattern: packed[index]))
            index += 1
            // Every run is checked against the expected size before it is written, so a corrupt count cannot grow
            // the buffer beyond what the chunk declares.
            if count < 0 {
                guard -count <= packed.endIndex - index else {
                    throw failure("RLE data is truncated (a literal run of \(-count) bytes has "
                                      + "\(packed.endIndex - index) left)")
                }
                guard expanded.count - count <= expectedCount else {
                    throw failure("RLE data expands beyond \(expectedCount) bytes")
                }
                expanded += packed[index..<index - count]
                index -= count
            } else {
                guard index < packed.endIndex else { throw failure("RLE data is truncated (a run has no byte)") }
                guard expanded.count + count + 1 <= expectedCount else {
                    throw failure("RLE data expands beyond \(expectedCount) bytes")
                }
                expanded += repeatElement(packed[index], count: count + 1)
                index += 1
            }
        }
        guard expanded.count == expectedCount else {
            throw failure("RLE data expands to \(expanded.count) bytes, expected \(expectedCount)")
        }
        return EXRZipCodec.deinterleaved(EXRZipCodec.unpredicted(expanded))
    }
}
