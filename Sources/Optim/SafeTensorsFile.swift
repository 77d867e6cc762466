// SafeTensorsFile: a safetensors file opened for reading tensor by tensor, straight into the caller's memory.

import Foundation

/// A safetensors file whose header has been read and validated, and whose tensors are read on demand with
/// positioned reads, each straight into memory the caller provides.
///
/// Reading a 3 GiB checkpoint this way costs only the destination arrays: the file is never mapped or buffered
/// whole (a mapping's touched pages count as the process's resident memory until it is unmapped, which doubled the
/// peak of a resumed training run). Opening reads only the header, and every tensor's byte range is checked against
/// the file's real size first, so a header that lies cannot make a reader allocate more than the file holds.
public final class SafeTensorsFile {
    /// The file's path, for errors.
    public let path: String
    /// The validated header: each tensor's dtype, shape and byte range, and the metadata.
    public let index: SafeTensorsIndex
    private let descriptor: Int32

    /// Opens `url` and reads and validates its header. Throws `SafeTensorsError`.
    public init(contentsOf url: URL) throws {
        path = url.path
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw SafeTensorsError(file: url.path, problem: .unreadable(String(cString: strerror(errno))))
        }
        do {
            var status = stat()
            guard fstat(descriptor, &status) == 0 else {
                throw SafeTensorsError(file: url.path, problem: .unreadable(String(cString: strerror(errno))))
            }
            guard (status.st_mode & S_IFMT) == S_IFREG else {
                throw SafeTensorsError(file: url.path, problem: .unreadable("not a regular file"))
            }
            let fileSize = Int(status.st_size)
            let prefix = try Self.read(descriptor, count: min(8, fileSize), at: 0, file: url.path)
            let length = try SafeTensorsIndex.headerLength(prefix: prefix, fileSize: fileSize, file: url.path)
            let header = try Self.read(descriptor, count: length, at: 8, file: url.path)
            index = try SafeTensorsIndex(headerBytes: header, dataSize: fileSize - 8 - length, file: url.path)
        } catch {
            close(descriptor)
            throw error
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// The `__metadata__` map.
    public var metadata: [String: String] { index.metadata }

    /// Reads the elements of tensor `name` (F32 or F64) as floats into `destination`, which must hold exactly its
    /// element count; F64 is rounded to the nearest float. F32 data is read straight into `destination`; F64 goes
    /// through a small buffer. Throws `SafeTensorsError` for a read error, a file that shrank since it was opened,
    /// or an integer tensor.
    public func readFloats(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard let entry = index.entries[name] else {
            throw SafeTensorsError(file: path, problem: .unreadable("no tensor '\(name)'"))
        }
        precondition(destination.count == entry.elementCount,
                     "Optim: tensor '\(name)' has \(entry.elementCount) elements, not \(destination.count)")
        let start = index.dataStart + entry.byteRange.lowerBound
        switch entry.dtype {
        case .f32:
            try readExactly(into: UnsafeMutableRawBufferPointer(destination), at: start)
            if UInt32(1).littleEndian != 1 {
                for i in destination.indices {
                    destination[i] = Float(bitPattern: UInt32(littleEndian: destination[i].bitPattern))
                }
            }
        case .f64:
            let chunk = 1 << 16
            var buffer = [UInt64](repeating: 0, count: chunk)
            var done = 0
            while done < destination.count {
                let count = min(chunk, destination.count - done)
                try buffer.withUnsafeMutableBytes { bytes in
                    try readExactly(into: UnsafeMutableRawBufferPointer(rebasing: bytes[0..<(count * 8)]),
                                    at: start + done * 8)
                }
                for i in 0..<count { destination[done + i] = Float(Double(bitPattern: UInt64(littleEndian: buffer[i]))) }
                done += count
            }
        case .i32, .i64:
            throw SafeTensorsError(file: path, problem: .unreadable("tensor '\(name)' is \(entry.dtype.rawValue), not a float"))
        }
    }

    /// Tensor `name` with its bytes read into memory (for small tensors: step counts), or nil when absent.
    public func tensor(_ name: String) throws -> SafeTensor? {
        guard let entry = index.entries[name] else { return nil }
        var data = Data(count: entry.byteRange.count)
        try data.withUnsafeMutableBytes { try readExactly(into: $0, at: index.dataStart + entry.byteRange.lowerBound) }
        return SafeTensor(dtype: entry.dtype, shape: entry.shape, data: data)
    }

    /// Fills `buffer` from this file at `offset`.
    private func readExactly(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        try Self.readExactly(descriptor, into: buffer, at: offset, file: path)
    }

    /// `count` bytes of the file at `offset` (the header).
    private static func read(_ descriptor: Int32, count: Int, at offset: Int, file: String) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { try readExactly(descriptor, into: $0, at: offset, file: file) }
        return bytes
    }

    /// Fills `buffer` from the file at `offset`, in pieces of at most 1 GiB (one `pread` moves at most 2 GiB).
    private static func readExactly(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int,
                                    file: String) throws {
        var done = 0
        while done < buffer.count {
            let count = min(buffer.count - done, 1 << 30)
            let read = pread(descriptor, buffer.baseAddress! + done, count, off_t(offset + done))
            if read < 0 && errno == EINTR { continue }
            guard read > 0 else {
                let reason = read < 0 ? String(cString: strerror(errno))
                    : "the file ended at byte \(offset + done) (was it truncated while being read?)"
                throw SafeTensorsError(file: file, problem: .unreadable(reason))
            }
            done += read
        }
    }
}
