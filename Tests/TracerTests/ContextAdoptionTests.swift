// Arrays of one context used by another: the current context records, evaluated data is shared without a copy,
// pending work runs in its own context first, and writes never reach the other context's data.
import Testing

@testable import Tracer

@Suite("Arrays across contexts")
struct ContextAdoptionTests {
    static func context() -> TraceContext { TraceContext(options: CompileOptions(variant: .llvm)) }

    @Test("an evaluated array of another context is read in place by the current one")
    func evaluatedDataIsShared() {
        let owner = Self.context(), reader = Self.context()
        defer { owner.clearValueNumbers(); reader.clearValueNumbers() }
        let data = FloatArray([1, 2, 3, 4], context: owner)
        let (sum, product) = TraceContext.with(reader) {
            let lanes = FloatArray([10, 20, 30, 40])
            return (lanes + data, data * lanes)
        }
        #expect(sum.context === reader && product.context === reader)
        #expect(sum.values == [11, 22, 33, 44] && product.values == [10, 40, 90, 160])
        // Both operations read one buffer node of the reader that shares the owner's storage.
        let adopted = reader.lock.withLock { reader.adoptedNodes[ObjectIdentifier(data.node)]?.local }
        #expect(adopted?.storage === data.node.storage)
        #expect(owner.statistics.kernelsLaunched == 0)
    }

    @Test("a pending array of another context is evaluated there, then read")
    func pendingWorkRunsInItsOwnContext() {
        let owner = Self.context(), reader = Self.context()
        defer { owner.clearValueNumbers(); reader.clearValueNumbers() }
        let pending = FloatArray([1, 2, 3], context: owner) * 3
        let result = TraceContext.with(reader) { FloatArray([1, 1, 1]) - pending }
        #expect(result.values == [-2, -5, -8])
        #expect(owner.statistics.kernelsLaunched == 1)
        #expect(pending.node.isEvaluated)
    }

    @Test("a gather inside a symbolic loop of the current context reads a table of another")
    func loopReadsAnotherContextsTable() {
        let owner = Self.context(), reader = Self.context()
        defer { owner.clearValueNumbers(); reader.clearValueNumbers() }
        let table = Int32Array([5, 7, 9, 11], context: owner)
        let steps = TraceContext.with(reader) {
            whileLoop([Int32Array([0, 1, 2, 3]), Int32Array(repeating: 0, count: 4)]) { $0[0] .< 4 } body: { state in
                [state[0] + 1, state[1] + table.gather(UInt32Array(state[0]))]
            }[1]
        }
        #expect(steps.context === reader)
        #expect(steps.values == [32, 27, 20, 11])
    }

    @Test("writing into a value shared with another context copies it: the other context's data stays")
    func writesCopySharedData() {
        let owner = Self.context(), reader = Self.context()
        defer { owner.clearValueNumbers(); reader.clearValueNumbers() }
        let data = FloatArray([1, 2, 3, 4], context: owner)
        let written = TraceContext.with(reader) { () -> FloatArray in
            var copy = FloatArray.zeros(4) + data
            copy.scatter(FloatArray([-1]), at: UInt32Array([0]))
            var same = select(BoolArray(repeating: true, count: 4), data, FloatArray.zeros(4))
            same.scatterAdd(FloatArray([100]), at: UInt32Array([3]))
            return copy + same
        }
        #expect(written.values == [0, 4, 6, 108])
        #expect(data.values == [1, 2, 3, 4])
    }

    @Test("a loss recorded in one context differentiates a leaf of another")
    func gradientsReachAnotherContextsLeaf() {
        let owner = Self.context(), reader = Self.context()
        defer { owner.clearValueNumbers(); reader.clearValueNumbers() }
        var weights = FloatArray([1, 2, 3], context: owner)
        weights.enableGradient()
        let scaled = weights * 2  // recorded in the owner, on its tape
        TraceContext.with(reader) {
            let x = FloatArray([4, 5, 6])
            (scaled * x + weights).sum().backward()
        }
        #expect(weights.gradient.values == [9, 11, 13])
    }

    @Test("a borrowed buffer is copied before a write even once its source is gone, and is never overwritten in place")
    func borrowedDataIsNeverWritten() {
        let owner = Self.context(), reader = Self.context()
        defer { owner.clearValueNumbers(); reader.clearValueNumbers() }
        // Two nodes of the owner share one storage (as an assignment's old and new node can).
        let storage = Storage(bits: [1, 2, 3, 4].map { Float($0).bitPattern }, type: .float32)
        var source: FloatArray? = FloatArray(node: owner.buffer(storage))
        let sibling = FloatArray(node: owner.buffer(storage))
        var borrowed = FloatArray(node: reader.localized(source!.node))
        #expect(borrowed.node.isBorrowed)
        source = nil
        reader.purgeAdoptions()
        #expect(reader.lock.withLock { reader.adoptedNodes.isEmpty })
        #expect(!borrowed.overwritingInPlace { $0[0] = -1 })
        var assigned = borrowed
        TraceContext.with(reader) { assigned.assign(FloatArray([7, 7, 7, 7])) }
        TraceContext.with(reader) { borrowed.scatter(FloatArray([-5]), at: UInt32Array([1])) }
        #expect(assigned.values == [7, 7, 7, 7])
        #expect(borrowed.values == [1, -5, 3, 4])
        #expect(sibling.values == [1, 2, 3, 4])
    }

    @Test("a context's identity names it while it lives, and no other context ever gets it")
    func identities() {
        var identity: UInt64 = 0
        do {
            let context = TraceContext()
            identity = context.identity
            #expect(TraceContext.isLive(identity))
            #expect(TraceContext().identity != identity)
            withExtendedLifetime(context) {}
        }
        #expect(!TraceContext.isLive(identity))
        #expect(TraceContext().identity > identity)
    }
}
