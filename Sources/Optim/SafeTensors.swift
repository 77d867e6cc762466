// SafeTensors: a set of named tensors plus string metadata, read from and written to safetensors files.

import Foundation
import RefractSupport
import Tracer

/// The contents of a safetensors file (https://github.com/huggingface/safetensors): named tensors and a
/// `__metadata__` map of strings. PyTorch, NumPy and JAX read these files with the `safetensors` package.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON header
/// (`{"__metadata__": {...}, "name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...}`,
/// padded with spaces so the data starts at a multiple of 8), then the tensors' little-endian bytes, offsets
/// counted from the first byte after the header.
public struct SafeTensors: Equatable, Sendable {
    /// The tensors by name. "__metadata__" is reserved and cannot name a tensor.
    public var tensors: [String: SafeTensor]
    /// The `__metadata__` map (written only when not empty).
    public var metadata: [String: String]

    /// A set of tensors and metadata.
    public init(tensors: [String: SafeTensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor named `name`, if any.
    public subscript(name: String) -> SafeTensor? {
        get { tensors[name] }
        set { tensors[name] = newValue }
    }

    /// Reads and validates the file at `url`. Throws `SafeTensorsError` naming the file and the problem.
    public static func read(from url: URL) throws -> SafeTensors {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw SafeTensorsError(file: url.path, problem: .unreadable("\(error.localizedDescription)"))
        }
        return try SafeTensors(decoding: data, file: url.path)
    }

    /// Writes the file at `url` atomically (a temporary file in the same directory, renamed into place), so an
    /// interrupted run leaves the old file or the new one. Throws `SafeTensorsError` on failure.
    public func write(to url: URL) throws {
        let chunks = encodedChunks()
        do {
            try writeAtomically(chunks, to: url)
        } catch let error as AtomicWriteError {
            throw SafeTensorsError(file: url.path, problem: .unwritable(error.reason))
        }
    }
}
