// CgroupMemoryLimit: the memory limit of a process's control group, read from fake cgroup file systems.
import Foundation
import Integrators
import RefractSupport
import Testing

@Suite("Cgroup memory limit")
struct CgroupMemoryLimitTests {
    /// A temporary folder with `files` (relative path → contents).
    private func tree(_ files: [String: String]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cgroup-\(UUID().uuidString)")
        for (path, contents) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try contents.write(to: url, atomically: true, encoding: .utf8)
        }
        return root
    }

    @Test("cgroup v2: the tightest memory.max of the process's folder and those above it; 'max' is no limit")
    func unified() throws {
        let root = try tree([
            "memory.max": "max\n",
            "system.slice/slurmstepd.scope/memory.max": "8589934592\n",
            "system.slice/slurmstepd.scope/job_42/memory.max": "4294967296\n",
            "system.slice/slurmstepd.scope/job_42/step_0/memory.max": "max\n",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let membership = "0::/system.slice/slurmstepd.scope/job_42/step_0\n"
        #expect(CgroupMemoryLimit.limit(membership: membership, root: root) == 4 << 30)
        #expect(CgroupMemoryLimit.limit(membership: "0::/\n", root: root) == nil)
    }

    @Test("cgroup v1: the memory controller's limit_in_bytes; the 'unlimited' value 2^63 - 4096 is no limit")
    func legacy() throws {
        let root = try tree([
            "memory/memory.limit_in_bytes": "9223372036854771712\n",
            "memory/slurm/uid_1000/job_7/memory.limit_in_bytes": "2147483648\n",
            "cpu/slurm/uid_1000/job_7/cpu.shares": "1024\n",
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let membership = "4:memory:/slurm/uid_1000/job_7\n3:cpu,cpuacct:/slurm/uid_1000/job_7\n0::/\n"
        #expect(CgroupMemoryLimit.limit(membership: membership, root: root) == 2 << 30)
        #expect(CgroupMemoryLimit.limit(membership: "4:memory:/\n", root: root) == nil)
        // No cgroup file system at all (another OS, a sandbox): no limit rather than an error.
        #expect(CgroupMemoryLimit.limit(membership: membership, root: root.appendingPathComponent("absent")) == nil)
        #expect(CgroupMemoryLimit.limit(membership: "garbage", root: root) == nil)
    }

    @Test("the render's default memory limit is at most 90% of the cgroup's limit")
    func renderDefault() {
        let limit = RenderMemory.machineDefault.limit
        #expect(limit > 0)
        if let cgroup = CgroupMemoryLimit.current() { #expect(limit <= Int(Double(cgroup) * 0.9)) }
    }
}
