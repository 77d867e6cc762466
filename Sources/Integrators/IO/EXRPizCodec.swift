// EXRPizCodec: OpenEXR PIZ chunk decoding (Huffman, Haar wavelet, value table), done in C by CImageCodecs.

import CImageCodecs

/// The PIZ decompressor of OpenEXR. The work is in `piz_codec.c`, where a chunk's bit-level decoding runs at C speed
/// in debug builds too, with every read of the chunk bounds-checked; this enum passes it the chunk's shape.
enum EXRPizCodec {
    /// Decodes one PIZ chunk of `rows` scanlines into the uncompressed layout (`expectedCount` bytes: each row holds
    /// `channels` in order, samples little-endian), or throws a reason naming `fileName`.
    static func decompress(_ packed: ArraySlice<UInt8>, channels: [EXRChannel], width: Int, rows: Int,
                           expectedCount: Int, fileName: String) throws -> [UInt8] {
        let wordsPerSample = channels.map { UInt32($0.sampleType.byteCount / 2) }
        var raw = [UInt8](repeating: 0, count: expectedCount)
        let source = Array(packed)
        try raw.withUnsafeMutableBufferPointer { destination in
            try NativeCodecBridge.check(fileName: fileName) { message, capacity in
                imagecodec_piz_decompress(source, source.count, wordsPerSample, wordsPerSample.count,
                                          UInt32(width), UInt32(rows), destination.baseAddress, destination.count,
                                          message, capacity)
            }
        }
        return raw
    }
}
