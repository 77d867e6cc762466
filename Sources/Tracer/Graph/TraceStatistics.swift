// Counters a context keeps about its work: kernels compiled and launched, cache hits, and time spent.

/// What a context has done so far. Read with `TraceContext.statistics`; reset with `resetStatistics()`.
public struct TraceStatistics: Sendable, Equatable {
    /// Kernels compiled (misses of the in-memory cache and of the disk cache, if any).
    public var kernelsCompiled = 0
    /// Kernel lookups answered by the in-memory cache.
    public var cacheHits = 0
    /// Kernels loaded from the disk cache (`CompileOptions.diskCache`): object code added to the JIT, no compile.
    public var diskCacheHits = 0
    /// Kernel launches (one per kernel per evaluation).
    public var kernelsLaunched = 0
    /// Launches of LLVM kernels whose symbolic loop refills its lanes (`CompileOptions.refillsLoopLanes`).
    public var refillingLaunches = 0
    /// Nodes recorded (after folding and value numbering).
    public var nodesRecorded = 0
    /// Gather and scatter lanes whose index was out of range (counted only with `checksBounds`).
    public var outOfRangeLanes = 0
    /// Bytes of new buffers that evaluation allocated: kernel outputs and reduction partials, the storage of an
    /// assignment into a literal, copies that keep old contents before an in-place write, and the buffers that a
    /// backward inside a symbolic loop or dispatch scatter-adds adjoints into.
    public var allocatedBytes = 0
    /// Seconds spent turning graphs into kernel programs.
    public var tracingSeconds = 0.0
    /// Seconds spent compiling (and loading kernels from the disk cache).
    public var compilingSeconds = 0.0
    /// Seconds spent running kernels.
    public var runningSeconds = 0.0

    public init() {}
}
