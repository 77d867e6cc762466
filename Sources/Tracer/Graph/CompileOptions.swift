// The options that choose how traced programs are compiled and run.
import Foundation

/// Which backend runs kernels.
public enum Variant: String, Sendable, CaseIterable {
    /// Vector kernels compiled by LLVM for the host CPU.
    case llvm
    /// The reference interpreter: one lane at a time in plain Swift.
    case scalar
}

/// Compilation and execution settings of a `TraceContext`.
public struct CompileOptions: Sendable, Equatable {
    /// The backend.
    public var variant: Variant
    /// Lanes per vector: 1, 2, 4, 8 or 16; nil uses the host CPU's width (16 with AVX-512, 8 with AVX2).
    public var vectorWidth: Int?
    /// Worker threads for kernel execution; nil uses all cores.
    public var threadCount: Int?
    /// Elements per block of work handed to a thread (rounded to whole vectors); launches of more than 64 blocks
    /// use 64 larger ones.
    public var blockSize: Int
    /// Counts gather and scatter lanes whose index is out of range (they are always masked off) and reports them.
    public var checksBounds: Bool
    /// Writes one line per kernel launch to standard error (its hash, size, instructions, buffers and times), like
    /// Dr.Jit's info log level. Off by default; the Tool and the Benchmarks turn it on when
    /// `launchLogRequested` (`REFRACT_LOG_LAUNCHES` is set).
    public var logsLaunches: Bool
    /// Whether the environment asks for `logsLaunches`: `REFRACT_LOG_LAUNCHES` is set (to anything).
    public static var launchLogRequested: Bool { ProcessInfo.processInfo.environment["REFRACT_LOG_LAUNCHES"] != nil }
    /// Lets a kernel of one symbolic loop (a path tracer's) hand each vector lane that leaves the loop its next
    /// element, so that vectors keep iterating with most lanes busy instead of idling until their longest element
    /// ends (`LLVMCodegen+LaneRefill.swift`). Results are the same bits either way; only the LLVM backend uses it.
    /// On by default; a kernel whose code before and after the loop writes much keeps the plain form, since there
    /// refilling cost more than it saved (`LaneRefillPlan.maximumScatteredValues`; ARCHITECTURE.md, "Lane refill").
    public var refillsLoopLanes: Bool
    /// Where LLVM kernels are stored and looked for across processes; nil (the default for embedders) keeps them in
    /// memory only. The Tool turns it on (`REFRACT_CACHE_DIR`, `REFRACT_CACHE=0`). The scalar backend ignores it.
    public var diskCache: KernelDiskCache?

    public init(variant: Variant = .llvm, vectorWidth: Int? = nil, threadCount: Int? = nil,
                blockSize: Int = 16384, checksBounds: Bool = false,
                logsLaunches: Bool = false, refillsLoopLanes: Bool = true,
                diskCache: KernelDiskCache? = nil) {
        self.variant = variant
        self.vectorWidth = vectorWidth
        self.threadCount = threadCount
        self.blockSize = blockSize
        self.checksBounds = checksBounds
        self.logsLaunches = logsLaunches
        self.refillsLoopLanes = refillsLoopLanes
        self.diskCache = diskCache
    }
}
