// The traced array: a lazily evaluated, differentiable array value, and how it is created and read.

/// An array whose operations are recorded, fused and compiled instead of run one by one.
///
/// A `TracedArray` is a small value: a reference to a graph node (and, for gradient-enabled `Float` arrays, to a
/// tape entry). Operations record new nodes; nothing runs until the values are needed (`values`, `eval`).
/// Sizes of operands must be equal or 1 (a size-1 array broadcasts).
public struct TracedArray<Element: TracedElement>: @unchecked Sendable {
    /// The graph node computing this array.
    package internal(set) var node: Node
    /// The autodiff tape entry, when gradients are tracked for this array.
    var tape: TapeEntry?

    /// Wraps a node.
    package init(node: Node) {
        precondition(node.type == Element.scalarType,
                     "Tracer: a node of type \(node.type) cannot be a TracedArray<\(Element.self)>")
        self.node = node
        self.tape = nil
    }

    init(node: Node, tape: TapeEntry?) {
        self.node = node
        self.tape = tape
    }

    /// An array holding `values` (copied into aligned memory now).
    public init(_ values: [Element], context: TraceContext = .current) {
        let storage = Storage(count: values.count, type: Element.scalarType)
        let words = storage.words
        if Element.self == Bool.self {
            for i in values.indices { words[i] = values[i].bits }
        } else {
            values.withUnsafeBytes { storage.pointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        }
        self.init(node: context.buffer(storage))
    }

    /// An array of `count` elements written by `initializer` straight into the array's memory (no intermediate
    /// Swift array: for large data read from files).
    public init(count: Int, context: TraceContext = .current,
                initializingWith initializer: (UnsafeMutableBufferPointer<Element>) -> Void) {
        precondition(count >= 0, "Tracer: an array cannot have \(count) elements")
        let storage = Storage(uninitializedCount: count, type: Element.scalarType)
        initializer(UnsafeMutableBufferPointer(start: storage.pointer.bindMemory(to: Element.self, capacity: count),
                                               count: count))
        self.init(node: context.buffer(storage))
    }

    /// `count` copies of `value`: a literal, folded into the code of the kernels that use it.
    public init(repeating value: Element, count: Int = 1, context: TraceContext = .current) {
        self.init(node: context.literal(value.bits, type: Element.scalarType, size: count))
    }

    /// An evaluated array of `count` elements whose contents are undefined (Dr.Jit's `dr.empty`): for memory that a
    /// program writes before it reads each element (a log that scatters fill), where filling it first would cost a
    /// pass over the memory.
    public static func empty(count: Int, context: TraceContext = .current) -> Self {
        Self(count: count, context: context) { _ in }
    }

    /// A single value passed to kernels as a parameter rather than compiled into them: changing it between launches
    /// does not compile a new kernel (learning rates, seeds, iteration counters).
    public static func opaque(_ value: Element, count: Int = 1, context: TraceContext = .current) -> Self {
        Self(node: context.buffer(Storage(repeating: value.bits, count: count, type: Element.scalarType)))
    }

    /// The number of elements.
    public var count: Int { node.size }

    /// The context the array belongs to.
    public var context: TraceContext { node.context }

    /// Calls `body` with the elements in place, without copying them (evaluates the array first; a literal gets
    /// storage of its own). The buffer is valid only during the call. Not for masks, whose elements are stored as
    /// 32-bit words.
    public func withUnsafeElements<Result>(_ body: (UnsafeBufferPointer<Element>) throws -> Result) rethrows -> Result {
        precondition(Element.self != Bool.self, "Tracer: withUnsafeElements is for Float, Int32 and UInt32 arrays")
        eval()
        if node.isLiteral && node.storage == nil {
            node.materialize(Storage(repeating: node.immediate, count: node.size, type: node.type))
        }
        let storage = node.storage!
        return try body(UnsafeBufferPointer(start: UnsafeRawPointer(storage.words).assumingMemoryBound(to: Element.self),
                                            count: storage.count))
    }

    /// The elements (evaluates the array first).
    public var values: [Element] {
        eval()
        if node.isLiteral && node.storage == nil {
            return [Element](repeating: Element(bits: node.immediate), count: node.size)
        }
        let storage = node.storage!
        let words = storage.words
        if Element.self == Bool.self {
            return [Element](unsafeUninitializedCapacity: storage.count) { buffer, initialized in
                for i in 0..<storage.count { buffer[i] = Element(bits: words[i]) }
                initialized = storage.count
            }
        }
        // Float, Int32 and UInt32 elements are their 32 bits as stored.
        return Array(UnsafeBufferPointer(start: UnsafeRawPointer(words).assumingMemoryBound(to: Element.self),
                                         count: storage.count))
    }

    /// The single element of a size-1 array (or the first of a larger one).
    public var first: Element {
        precondition(count > 0, "Tracer: the array is empty")
        eval()
        if node.isLiteral && node.storage == nil { return Element(bits: node.immediate) }
        return Element(bits: node.storage!.words[0])
    }

    /// Evaluates the array now (and every queued scatter).
    public func eval() {
        node.context.evaluate([node])
    }

    /// True when the array holds data (or is a literal) and needs no computation.
    public var isEvaluated: Bool { node.isEvaluated || node.isLiteral }
}

extension TracedArray where Element: TracedNumeric {
    /// An array of `count` zeros.
    public static func zeros(_ count: Int, context: TraceContext = .current) -> Self {
        Self(repeating: Element.tracedValue(of: 0), count: count, context: context)
    }

    /// An array of `count` copies of `value`.
    public static func full(_ value: Element, count: Int, context: TraceContext = .current) -> Self {
        Self(repeating: value, count: count, context: context)
    }

    /// 0, 1, ..., count-1.
    public static func arange(_ count: Int, context: TraceContext = .current) -> Self {
        let index = context.laneIndex(type: Element.scalarType == .int32 ? .int32 : .uint32, size: count)
        if Element.scalarType == index.type { return Self(node: index) }
        return Self(node: context.record(.cast, type: Element.scalarType, operands: [index]))
    }
}

extension TracedArray: ExpressibleByBooleanLiteral where Element == Bool {
    /// A size-1 literal mask.
    public init(booleanLiteral value: Bool) {
        self.init(repeating: value)
    }
}

extension TracedArray: CustomStringConvertible {
    /// The values, evaluated (at most 16 shown).
    public var description: String {
        let shown = values.prefix(16).map { "\($0)" }.joined(separator: ", ")
        return "[\(shown)\(count > 16 ? ", ... (\(count) elements)" : "")]"
    }
}

/// Float arrays.
public typealias FloatArray = TracedArray<Float>
/// Signed 32-bit integer arrays.
public typealias Int32Array = TracedArray<Int32>
/// Unsigned 32-bit integer arrays.
public typealias UInt32Array = TracedArray<UInt32>
/// Masks.
public typealias BoolArray = TracedArray<Bool>

/// Evaluates several arrays together: arrays of one size share one kernel.
public func eval<each E: TracedElement>(_ arrays: repeat TracedArray<each E>) {
    var nodes: [Node] = []
    for array in repeat each arrays { nodes.append(array.node) }
    guard let context = nodes.first?.context else { return }
    context.evaluate(nodes)
}

/// Evaluates a list of arrays of one element type together.
public func eval<E: TracedElement>(_ arrays: [TracedArray<E>]) {
    guard let context = arrays.first?.context else { return }
    context.evaluate(arrays.map(\.node))
}
