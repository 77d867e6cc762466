// The recording context: options, the value-numbering table, queued side effects and statistics.
//
// Every traced array belongs to a context. `TraceContext.current` is the one new arrays are created in: the
// process-wide default, or the one bound with `TraceContext.with(...)` for the duration of a closure (a task-local,
// so tests running in parallel each get their own). Start reading at `record` (TraceContext+Recording.swift) for
// how operations enter the graph and at `evaluate` (TraceContext+Evaluation.swift) for how they run.
import Foundation
import Synchronization

/// Progress of a kernel launch: blocks done, blocks in all, and the launch's lanes. Called from worker threads.
public typealias LaunchProgress = @Sendable (_ done: Int, _ total: Int, _ lanes: Int) -> Void

/// A recording and evaluation context for traced arrays.
public final class TraceContext: @unchecked Sendable {
    /// The process-wide default context.
    public static let standard = TraceContext()

    @TaskLocal static var bound: TraceContext?

    /// The context in which new arrays are created: the innermost `with` binding, else `standard`.
    public static var current: TraceContext { bound ?? standard }

    /// Runs `body` with a fresh context using `options` as the current one.
    public static func with<Result>(_ options: CompileOptions, _ body: () throws -> Result) rethrows -> Result {
        let context = TraceContext(options: options)
        defer { context.clearValueNumbers() }
        return try $bound.withValue(context, operation: body)
    }

    /// Runs `body` with `context` as the current one.
    public static func with<Result>(_ context: TraceContext, _ body: () throws -> Result) rethrows -> Result {
        try $bound.withValue(context, operation: body)
    }

    /// Serialises recording and evaluation; recursive because evaluation may record (and flush) again.
    let lock = NSRecursiveLock()
    // The fields below are `@exclusivity(unchecked)`: `lock` serialises their writers, and run-time access checks
    // cost a tenth of recording's host time (ARCHITECTURE, value numbering).
    @exclusivity(unchecked) private var _options: CompileOptions
    /// Unevaluated nodes by what they compute (value numbering).
    @exclusivity(unchecked) var valueNumbers = ValueNumberTable()
    @exclusivity(unchecked) var valueNumberPurgeThreshold = 4096
    @exclusivity(unchecked) var sideEffects: [SideEffect] = []
    /// Packed copies of product factors (`packedCopy`), by the factor's id and column count, so that a fused
    /// weight gradient and a product riding on the weight's update read one copy of x.
    @exclusivity(unchecked) var packedCopies: [PackedCopyKey: WeakNode] = [:]
    @exclusivity(unchecked) var _statistics = TraceStatistics()
    /// Where compiled kernels are kept: the process-wide cache, or (in tests) a fresh one over a fresh JIT that stands
    /// for a new process.
    @exclusivity(unchecked) var kernelCache = KernelCache.shared
    /// When the last launch finished running (for the launch log's gaps).
    @exclusivity(unchecked) var lastLaunchEnd: UInt64 = 0
    /// While an evaluation is being frozen: the launches it ran (see `TraceContext+FrozenKernels.swift`).
    @exclusivity(unchecked) var capturedLaunches: [KernelLaunch]?
    /// Autodiff state: whether operations on gradient-enabled arrays are recorded on the tape.
    @exclusivity(unchecked) var gradientRecordingStack: [Bool] = []
    /// Every live tape entry in creation order (weak), for forward mode.
    @exclusivity(unchecked) var tapeRegistry: [WeakTapeEntry] = []
    @exclusivity(unchecked) var tapeRegistryPurgeThreshold = 4096
    /// Live tape entries by what they compute, so a value recorded twice shares one entry.
    @exclusivity(unchecked) var tapeEntries: [TapeKey: WeakTapeEntry] = [:]
    @exclusivity(unchecked) var tapeEntryPurgeThreshold = 4096
    /// The loop bodies being recorded or run, innermost last (see `TraceContext+Loops.swift`).
    @exclusivity(unchecked) var loopScopes: [LoopScope] = []
    /// The symbolic loop bodies being recorded, innermost last, with the adjoints they hand out (`BodyAdjoints.swift`).
    @exclusivity(unchecked) var bodyAdjointScopes: [BodyAdjointScope] = []
    /// While `collectingBodyAdjoints` runs: the buffers that top-level bodies handed their adjoints over in.
    @exclusivity(unchecked) var collectedBodyAdjoints: [(entry: TapeEntry, buffer: Node)]?
    /// The sources of the forward-mode passes running, innermost last (`LoopDerivative.swift`).
    @exclusivity(unchecked) var forwardPassSources: [UInt64] = []
    /// Nodes of other contexts read here, by identity, with the buffers that share their data here
    /// (`TraceContext+Adoption.swift`).
    @exclusivity(unchecked) var adoptedNodes: [ObjectIdentifier: AdoptedNode] = [:]
    @exclusivity(unchecked) var adoptedNodePurgeThreshold = 256

    /// Creates a context. Its value-numbering table holds the expressions recorded since the last evaluation,
    /// and they hold the context: call `clearValueNumbers()` when done with a context of your own (`with(_:_:)`
    /// does this for the contexts it makes).
    public init(options: CompileOptions = CompileOptions()) {
        _options = options
        Self.liveIdentities.withLock { _ = $0.insert(identity) }
    }

    deinit {
        Self.liveIdentities.withLock { _ = $0.remove(identity) }
    }

    /// A number that no other context of this process has had or will have: what names a context without referencing
    /// it. Why not a weak reference: the first one gives the context a side table for good, and from then on every
    /// node's retain and release of its context takes Swift's slow path (3% of the tutorial step's host time went
    /// to `incrementSlow` alone).
    package let identity = TraceContext.freshEpoch()

    /// Whether the context with `identity` is still alive.
    package static func isLive(_ identity: UInt64) -> Bool {
        liveIdentities.withLock { $0.contains(identity) }
    }

    private static let liveIdentities = Mutex<Set<UInt64>>([])

    /// Forgets every recorded expression (arrays keep working; identical expressions recorded later are just no
    /// longer shared with earlier ones) and every adoption of another context's data, so that nothing the tables
    /// hold keeps this context, or another context's arrays, alive.
    public func clearValueNumbers() {
        lock.withLock {
            valueNumbers.removeAll()
            adoptedNodes.removeAll()
        }
    }

    /// The compile and execution options. Changing them affects later evaluations.
    public var options: CompileOptions {
        get { lock.withLock { _options } }
        set { lock.withLock { _options = newValue } }
    }

    /// What this context has done so far.
    public var statistics: TraceStatistics { lock.withLock { _statistics } }

    /// Told, from worker threads, how many blocks of the running launch are done (done, total, lanes of the launch),
    /// at most once per block: for progress displays of long kernels (a symbolic path loop is one launch).
    public var launchProgress: LaunchProgress? {
        get { lock.withLock { _launchProgress } }
        set { lock.withLock { _launchProgress = newValue } }
    }
    private var _launchProgress: LaunchProgress?

    /// Sets all counters to zero.
    public func resetStatistics() {
        lock.withLock { _statistics = TraceStatistics() }
    }

    /// Counts `storage` in `statistics.allocatedBytes`: a buffer made outside a kernel launch (whose own buffers
    /// its launch counts). Takes the lock.
    func countAllocation(of storage: Storage) {
        lock.withLock { _statistics.allocatedBytes += storage.capacity * 4 }
    }

    /// The vector width kernels are built for: the option, or the host CPU's. Stops with a message naming the
    /// option when it is not 1, 2, 4, 8 or 16: buffers are padded to whole vectors of 16 lanes, so a kernel of any
    /// other width would write past them.
    public var vectorWidth: Int {
        let width = options.vectorWidth ?? HostCPU.hostVectorWidth
        precondition([1, 2, 4, 8, 16].contains(width),
                     "Tracer: CompileOptions.vectorWidth must be 1, 2, 4, 8 or 16 (buffers are padded to 16 lanes), got \(width)")
        return width
    }

    /// The number of worker threads kernels run on.
    public var threadCount: Int {
        max(1, options.threadCount ?? Self.activeProcessors)
    }

    /// The processors this process may run on, read once: Foundation reads the affinity mask and the cgroup's CPU
    /// quota from files on every call, which took 2% of the tutorial's render step (once per launch). A Slurm job's
    /// CPU set is fixed before the process starts.
    static let activeProcessors = ProcessInfo.processInfo.activeProcessorCount

    /// Node ids and tape serials, from one process-wide count: they grow with creation order in every context, and
    /// no two contexts share one, so that a tape reaching into another context's entries (a parameter tracked where
    /// a scene was loaded, rendered in a context of its own) orders and tells them apart.
    private static let idCounter = Atomic<UInt64>(0)

    func makeNodeID() -> NodeID {
        NodeID(rawValue: Self.idCounter.add(1, ordering: .relaxed).newValue)
    }

    /// A number no other call returns (ids and walk epochs share the counter): marks a graph walk's visited nodes.
    static func freshEpoch() -> UInt64 { idCounter.add(1, ordering: .relaxed).newValue }

    /// The newest id handed out (in any context): ids made from now on are larger.
    var newestNodeID: UInt64 { Self.idCounter.load(ordering: .relaxed) }
}

/// The identity of an expression for value numbering: identical keys compute identical values. Operands are
/// stored inline (graph nodes have at most three), so making a key allocates nothing.
struct NodeKey: Hashable {
    var op: Op
    var type: ScalarType
    var size: Int
    /// Operand ids; 0 where there is no operand (ids start at 1).
    var operand0: UInt64
    var operand1: UInt64
    var operand2: UInt64
    var immediate: UInt32
    var auxiliary: UInt32

    init(op: Op, type: ScalarType, size: Int, operands: [Node], immediate: UInt32, auxiliary: UInt32) {
        precondition(operands.count <= 3, "Tracer: \(op) with \(operands.count) operands (at most 3)")
        self.op = op
        self.type = type
        self.size = size
        operand0 = operands.count > 0 ? operands[0].id.rawValue : 0
        operand1 = operands.count > 1 ? operands[1].id.rawValue : 0
        operand2 = operands.count > 2 ? operands[2].id.rawValue : 0
        self.immediate = immediate
        self.auxiliary = auxiliary
    }
}

/// Names a packed copy of a factor: the factor's node and its column count.
struct PackedCopyKey: Hashable {
    var factor: NodeID
    var columns: Int
}

/// A weak reference to a node, for an assignment's replaced node and its riders.
struct WeakNode {
    weak var node: Node?
}

/// A queued scatter, scatter-add or assignment, run in program order at the next evaluation.
struct SideEffect {
    var op: Op
    var target: Node
    var index: Node
    var value: Node
    var mask: Node
    /// The number of lanes.
    var size: Int
    /// For an assignment (`op == .store`): the node that held the target's storage before, which must keep the
    /// old contents if it is still alive when the write runs (see `TraceContext+Assignment.swift`).
    weak var replaced: Node?
    /// For an assignment: products A · Bᵀ recorded on the target (B) while the write was queued, which the write's
    /// kernel computes from the value it writes (see `TraceContext+ProductRiders.swift`).
    var riders: [WeakNode] = []
}
