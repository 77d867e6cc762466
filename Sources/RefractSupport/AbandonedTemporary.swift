// The temporary files of atomic writes: how they are named, and removing those a killed process left behind.

import Foundation

/// A temporary file of `writeAtomically` that the process writing it can no longer finish: its writer was killed
/// (SIGKILL, the OOM killer, a lost node) between creating it and renaming it into place.
public struct AbandonedTemporary: Equatable, Sendable {
    /// The file.
    public let url: URL
    /// Its size in bytes.
    public let byteCount: Int

    /// `.<name>.<pid>.<uuid>.tmp`: the final name says which output it was, the process id whose writer it was.
    static func name(for finalName: String, process: pid_t) -> String {
        ".\(finalName).\(process).\(UUID().uuidString).tmp"
    }

    /// The final name and the writing process of a temporary file's name, or nil when `fileName` is not one of
    /// ours. Names without a process id (written before it was part of the name) give process nil.
    static func parse(_ fileName: String) -> (finalName: String, process: pid_t?)? {
        guard fileName.hasPrefix("."), fileName.hasSuffix(".tmp") else { return nil }
        var parts = fileName.dropFirst().dropLast(4).split(separator: ".", omittingEmptySubsequences: false)
        guard let last = parts.popLast(), UUID(uuidString: String(last)) != nil else { return nil }
        var process: pid_t?
        if parts.count >= 2, let number = pid_t(parts.last!), number > 0 {
            process = number
            parts.removeLast()
        }
        guard !parts.isEmpty else { return nil }
        return (parts.joined(separator: "."), process)
    }

    /// Removes the temporary files in `directory` that atomic writes of files named by `isOurs` left behind, and
    /// returns them. Only names of the exact form `writeAtomically` uses are considered, and a file whose writing
    /// process is still alive (another run writing into the same folder) is left alone. Nothing else is touched.
    public static func removeAll(in directory: URL, forFilesNamed isOurs: (String) -> Bool) -> [AbandonedTemporary] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        var removed: [AbandonedTemporary] = []
        for fileName in names.sorted() {
            guard let (finalName, process) = parse(fileName), isOurs(finalName) else { continue }
            if let process, process != getpid(), isRunning(process) { continue }
            let url = directory.appendingPathComponent(fileName)
            var status = stat()
            guard lstat(url.path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { continue }
            if unlink(url.path) == 0 { removed.append(AbandonedTemporary(url: url, byteCount: Int(status.st_size))) }
        }
        return removed
    }

    /// Whether process `process` exists and is not a zombie (a killed writer stays one until its parent reaps it).
    private static func isRunning(_ process: pid_t) -> Bool {
        guard kill(process, 0) == 0 || errno == EPERM else { return false }
        // /proc/<pid>/stat: "pid (command) state ...", the command in parentheses may itself hold spaces.
        guard let stat = try? String(contentsOfFile: "/proc/\(process)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(after: close)...].drop(while: { $0 == " " }).first
        return state != "Z" && state != "X"
    }
}
