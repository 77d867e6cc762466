// `--memory-limit GIB`: how much memory a render may take (default: 90% of what the machine has available).
import ArgumentParser
import Foundation
import Integrators

/// The memory limit of the commands that render.
struct MemoryLimitOption: ParsableArguments {
    @Option(help: ArgumentHelp("Memory a render may take, in GiB (default: 90% of MemAvailable, or of the cgroup's limit when lower, as in a Slurm job). A render that cannot fit is refused before it starts; one that fits only in parts is traced in passes, with the same image.", valueName: "GIB"))
    var memoryLimit: Double?

    /// The limit, validated.
    func memory() throws -> RenderMemory {
        if let memoryLimit {
            guard memoryLimit > 0 && memoryLimit.isFinite else {
                throw ValidationError("--memory-limit must be a positive number of GiB, got \(memoryLimit)")
            }
            return RenderMemory(limit: Int(min(memoryLimit * Double(1 << 30), Double(Int.max / 2))))
        }
        return .machineDefault
    }
}
