// The on-disk cache of compiled kernels (Dr.Jit's ~/.drjit): object code by key, checked before it is ever run.
//
// Entries live at <directory>/<first two hex digits of the key>/<key>.kernel (see `KernelCacheEntry` for the
// bytes). Writers go through a temporary sibling and a rename, so any number of processes may fill one directory at
// once: a reader sees a whole old entry or a whole new one, and two writers of one key write the same bytes.
import Foundation
import RefractSupport

/// Something the disk cache noticed and worked around: a refused entry, or a place it could not read or write.
public struct KernelDiskCacheReport: Sendable, Equatable, CustomStringConvertible {
    /// What happened.
    public enum Kind: String, Sendable {
        /// An entry shorter than its header says; it was not run, and the kernel was compiled and stored again.
        case truncated
        /// An entry whose checksum does not match; not run, recompiled and replaced.
        case corrupt
        /// An entry of another format, program, LLVM, CPU or build under this kernel's name; not run, replaced.
        case foreign
        /// An entry that could not be read (permissions, I/O error); the kernel was compiled without it.
        case unreadable
        /// An entry that could not be written; the kernel runs, but the next process compiles it again.
        case unwritable
    }

    /// What happened.
    public let kind: Kind
    /// The entry's file (or the directory that could not be written).
    public let path: String
    /// The specifics: the lengths, the mismatching field, the system's error text.
    public let detail: String

    /// One line for standard error.
    public var description: String {
        switch kind {
        case .truncated, .corrupt, .foreign:
            "kernel cache: \(path): \(kind.rawValue) entry (\(detail)); not run, recompiled and replaced"
        case .unreadable: "kernel cache: cannot read \(path) (\(detail)); the kernel is compiled instead"
        case .unwritable: "kernel cache: cannot write \(path) (\(detail)); the kernel is not stored"
        }
    }
}

/// A directory of compiled kernels shared by processes on one machine. Give it to `CompileOptions.diskCache`.
///
/// Keys cover the kernel program, the LLVM version, the host CPU's name and features, and Refract's version and
/// build, so an entry made by anything else is never loaded. Every entry carries a SHA-256 checksum: a truncated,
/// corrupt or foreign entry is reported once (through `report`), never handed to the JIT, and replaced by a fresh
/// compile. Problems with the directory itself never stop the work; kernels are then compiled as without a cache.
public final class KernelDiskCache: @unchecked Sendable, Equatable {
    /// Where the entries live (created on the first write).
    public let directory: URL
    private let report: @Sendable (KernelDiskCacheReport) -> Void
    private let lock = NSLock()
    /// Reports already made, so that each is made once per process.
    private var reported: Set<String> = []

    /// The entry files' extension.
    static let entryExtension = "kernel"

    /// A cache in `directory`. `report` receives what the cache works around (refused entries, unwritable places);
    /// the default writes one line to standard error.
    public init(directory: URL,
                report: @escaping @Sendable (KernelDiskCacheReport) -> Void = KernelDiskCache.writeToStandardError) {
        self.directory = directory.standardizedFileURL
        self.report = report
    }

    /// Writes a report as one line on standard error.
    public static let writeToStandardError: @Sendable (KernelDiskCacheReport) -> Void = { report in
        FileHandle.standardError.write(Data("\(report)\n".utf8))
    }

    /// Two caches are the same when they are the same object (their reporting may differ).
    public static func == (a: KernelDiskCache, b: KernelDiskCache) -> Bool { a === b }

    /// The entries in a cache directory and their total size.
    public struct Usage: Sendable, Equatable {
        /// Entry files.
        public var entries: Int
        /// Their bytes.
        public var bytes: Int
    }

    /// Counts the entries now in `directory` (none when it does not exist yet).
    public var usage: Usage {
        var usage = Usage(entries: 0, bytes: 0)
        guard let walk = FileManager.default.enumerator(
            at: directory, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey],
            options: [.skipsHiddenFiles])
        else { return usage }
        for case let url as URL in walk where url.pathExtension == Self.entryExtension {
            guard let values = try? url.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey]),
                  values.isRegularFile == true else { continue }
            usage.entries += 1
            usage.bytes += values.fileSize ?? 0
        }
        return usage
    }

    /// The file of `key`'s entry.
    func entryURL(for key: KernelCacheKey) -> URL {
        directory.appendingPathComponent(String(key.hash.prefix(2)), isDirectory: true)
            .appendingPathComponent("\(key.hash).\(Self.entryExtension)")
    }

    /// The object code stored under `key`, if its entry exists and is intact; a refused entry is reported.
    func load(_ key: KernelCacheKey) -> [UInt8]? {
        let url = entryURL(for: key)
        let bytes: [UInt8]
        switch readFile(url.path) {
        case .success(nil): return nil
        case .success(let contents?): bytes = contents
        case .failure(let failure):
            note(KernelDiskCacheReport(kind: .unreadable, path: url.path, detail: failure.description))
            return nil
        }
        switch KernelCacheEntry.decode(bytes, expecting: key) {
        case .success(let payload):
            return payload
        case .failure(let problem):
            let (kind, detail): (KernelDiskCacheReport.Kind, String) = switch problem {
            case .truncated(let detail): (.truncated, detail)
            case .corrupt(let detail): (.corrupt, detail)
            case .foreign(let detail): (.foreign, detail)
            }
            note(KernelDiskCacheReport(kind: kind, path: url.path, detail: detail))
            return nil
        }
    }

    /// Stores object code under `key`, replacing any entry atomically; failure is reported, not thrown.
    func store(_ object: [UInt8], for key: KernelCacheKey) {
        let url = entryURL(for: key)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
            // No fsync: an entry cut short by a crash fails its checksum and is compiled again.
            try writeAtomically([Data(KernelCacheEntry.encode(payload: object, key: key))], to: url, durable: false)
        } catch {
            note(KernelDiskCacheReport(kind: .unwritable, path: url.deletingLastPathComponent().path,
                                       detail: "\(error)"))
        }
    }

    /// Removes `key`'s entry after LLVM refused its (intact) object code, so that no process tries it again.
    func discard(_ key: KernelCacheKey, reason: String) {
        let url = entryURL(for: key)
        note(KernelDiskCacheReport(kind: .corrupt, path: url.path, detail: reason))
        unlink(url.path)
    }

    /// Passes a report on, once per process.
    private func note(_ item: KernelDiskCacheReport) {
        let first = lock.withLock { reported.insert("\(item.kind)|\(item.path)|\(item.detail)").inserted }
        if first { report(item) }
    }

    /// A file's bytes; nil when it does not exist; the system's error text when it cannot be read.
    private func readFile(_ path: String) -> Result<[UInt8]?, ReadFailure> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            // ENOTDIR: a path component is a file, so no entry can be there; the write will say so.
            return errno == ENOENT || errno == ENOTDIR ? .success(nil)
                : .failure(ReadFailure(String(cString: strerror(errno))))
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(ReadFailure(String(cString: strerror(errno))))
            }
            if count == 0 { return .success(bytes) }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    private struct ReadFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
