// Atomic file writes for every output of the project (images, checkpoints, metrics): a temporary sibling, flushed,
// then renamed, so readers never see half a file. In RefractSupport because Tracer, Integrators, Optim and Tool
// all write outputs this way.

import Foundation

/// A failure of `writeAtomically(_:to:)`, naming the file and the system call that failed.
public struct AtomicWriteError: Error, CustomStringConvertible, Sendable {
    /// The destination file path.
    public let path: String
    /// What went wrong, including the system's error text.
    public let reason: String

    /// `"<path>: <reason>"`.
    public var description: String { "\(path): \(reason)" }
}

/// Writes `data` to `url` atomically: the bytes go to a new temporary file in the same
/// directory, are flushed to disk, and the temporary file is then renamed over `url`.
/// An interrupted run leaves either the old file or the complete new one (plus, at worst, a
/// stray `.<name>.<pid>.<uuid>.tmp` file, which `removeAbandonedTemporaries` recognises), never a
/// truncated `url`. On failure the temporary file is removed and an `AtomicWriteError` is thrown.
public func writeAtomically(_ data: Data, to url: URL) throws {
    try writeAtomically([data], to: url)
}

/// Writes the concatenation of `chunks` atomically (see `writeAtomically(_:to:)`), one piece after another, so a
/// large file (a checkpoint) never has to exist as one buffer in memory. `durable: false` skips flushing to disk
/// (readers still never see half a file; after a power loss the file may be empty or short), for files whose
/// readers check them anyway, like the kernel cache's entries, where the flushes would cost more than they save.
public func writeAtomically(_ chunks: [Data], to url: URL, durable: Bool = true) throws {
    let destination = url.standardizedFileURL
    let directory = destination.deletingLastPathComponent()
    let temporary = directory.appendingPathComponent(
        AbandonedTemporary.name(for: destination.lastPathComponent, process: getpid()))
    func failure(_ action: String) -> AtomicWriteError {
        let systemReason = String(cString: strerror(errno))
        return AtomicWriteError(path: destination.path, reason: "\(action) failed: \(systemReason)")
    }

    let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
    guard descriptor >= 0 else { throw failure("creating a temporary file in \(directory.path)") }
    var succeeded = false
    defer {
        if !succeeded { unlink(temporary.path) }
    }
    do {
        defer { close(descriptor) }
        for chunk in chunks {
            try chunk.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
                var offset = 0
                while offset < buffer.count {
                    let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw failure("writing \(buffer.count) bytes")
                    }
                    offset += written
                }
            }
        }
        guard !durable || fsync(descriptor) == 0 else { throw failure("flushing to disk") }
    }
    guard rename(temporary.path, destination.path) == 0 else {
        throw failure("renaming the temporary file into place")
    }
    succeeded = true
    guard durable else { return }
    let directoryDescriptor = open(directory.path, O_RDONLY | O_CLOEXEC)
    if directoryDescriptor >= 0 {
        _ = fsync(directoryDescriptor) // best effort: make the rename itself durable
        close(directoryDescriptor)
    }
}
