// Atomic file writes for checkpoints: a temporary sibling file, flushed, then renamed over the destination.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an atomic write failed: the step and the system's error text.
struct AtomicWriteFailure: Error {
    let reason: String
}

/// Writes `data` to `url` so that readers see the old file or the whole new one, never part of it: the bytes go to
/// a new temporary file in the same directory (rename is atomic only within one file system), which is flushed
/// and renamed over `url`. On failure the temporary file is removed.
func writeAtomically(_ data: Data, to url: URL) throws(AtomicWriteFailure) {
    try writeAtomically([data], to: url)
}

/// Writes the concatenation of `chunks` to `url` atomically (see `writeAtomically(_:to:)`), one piece at a time.
func writeAtomically(_ chunks: [Data], to url: URL) throws(AtomicWriteFailure) {
    let destination = url.standardizedFileURL
    let directory = destination.deletingLastPathComponent()
    let temporary = directory.appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString).tmp")
    func failure(_ action: String) -> AtomicWriteFailure {
        AtomicWriteFailure(reason: "\(action) failed: \(String(cString: strerror(errno)))")
    }
    let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
    guard descriptor >= 0 else { throw failure("creating a temporary file in \(directory.path)") }
    var renamed = false
    defer { if !renamed { unlink(temporary.path) } }
    var written: AtomicWriteFailure? = nil
    for chunk in chunks where written == nil {
        written = chunk.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> AtomicWriteFailure? in
            var offset = 0
            while offset < bytes.count {
                let count = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    return failure("writing \(bytes.count) bytes")
                }
                offset += count
            }
            return nil
        }
    }
    if written == nil && fsync(descriptor) != 0 { written = failure("flushing to disk") }
    close(descriptor)
    if let written { throw written }
    guard rename(temporary.path, destination.path) == 0 else { throw failure("renaming into place") }
    renamed = true
    let directoryDescriptor = open(directory.path, O_RDONLY | O_CLOEXEC)
    if directoryDescriptor >= 0 {
        _ = fsync(directoryDescriptor)   // best effort: makes the rename itself durable
        close(directoryDescriptor)
    }
}
