// Decoding safetensors bytes held in memory: the validated header (SafeTensorsIndex), then each tensor as a slice.

import Foundation

extension SafeTensors {
    /// Decodes and validates the bytes of a safetensors file; `file` names it in errors. Validation is
    /// `SafeTensorsIndex`'s. Throws `SafeTensorsError`.
    public init(decoding data: Data, file: String = "<memory>") throws {
        // The tensors stay slices of `data` (which may be a memory-mapped file).
        let data = data.startIndex == 0 ? data : Data(data)
        let length = try SafeTensorsIndex.headerLength(prefix: data.prefix(8), fileSize: data.count, file: file)
        let index = try SafeTensorsIndex(headerBytes: data[8..<(8 + length)], dataSize: data.count - 8 - length,
                                         file: file)
        var tensors: [String: SafeTensor] = [:]
        for (name, entry) in index.entries {
            let range = (index.dataStart + entry.byteRange.lowerBound)..<(index.dataStart + entry.byteRange.upperBound)
            tensors[name] = SafeTensor(dtype: entry.dtype, shape: entry.shape, data: data[range])
        }
        self.init(tensors: tensors, metadata: index.metadata)
    }
}
