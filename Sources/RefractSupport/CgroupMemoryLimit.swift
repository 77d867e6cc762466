// The memory limit Linux control groups put on this process (Slurm's, a container's), which physical memory and
// MemAvailable do not show.
import Foundation

/// The memory limit of the control group this process runs in, if any.
///
/// A render farm's scheduler confines each job to a cgroup (Slurm's `task/cgroup` with `--mem`, a container's
/// `--memory`): the job is killed when it goes past its limit, though the machine's physical memory and MemAvailable
/// are much larger. Memory budgets (the render's memory limit, the allocation cache) take the smaller of the two.
public enum CgroupMemoryLimit {
    /// The tightest limit over this process's cgroup and its ancestors (cgroup v2's `memory.max`, or v1's
    /// `memory.limit_in_bytes`), or nil when none is set or none can be read.
    public static func current() -> Int? {
        guard let membership = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) else { return nil }
        return limit(membership: membership, root: URL(fileURLWithPath: "/sys/fs/cgroup"))
    }

    /// The limit from the text of /proc/self/cgroup and a cgroup file system mounted at `root` (v2 unified at the
    /// root, v1 controllers in subfolders, `root/unified` for a hybrid v2): the smallest value found in the
    /// process's cgroup folder or any folder above it. Values of 2^62 and more, and "max", mean no limit.
    public static func limit(membership: String, root: URL) -> Int? {
        var limits: [Int] = []
        for line in membership.split(separator: "\n") {
            // "hierarchy-ID:controller-list:path"; the path may itself contain colons.
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let controllers = fields[1].split(separator: ",")
            let path = String(fields[2])
            if fields[0] == "0" && controllers.isEmpty {
                for mount in [root, root.appendingPathComponent("unified")] {
                    limits += values(in: mount, path: path, file: "memory.max")
                }
            } else if controllers.contains("memory") {
                limits += values(in: root.appendingPathComponent("memory"), path: path, file: "memory.limit_in_bytes")
            }
        }
        return limits.min()
    }

    /// The limits in `file` of the folder `path` under `mount` and of each folder above it, up to `mount`.
    private static func values(in mount: URL, path: String, file: String) -> [Int] {
        var components = path.split(separator: "/").map(String.init)
        var found: [Int] = []
        while true {
            let folder = components.reduce(mount) { $0.appendingPathComponent($1) }
            if let text = try? String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8),
               let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)), value > 0, value < 1 << 62 {
                found.append(value)
            }
            if components.isEmpty { return found }
            components.removeLast()
        }
    }
}
