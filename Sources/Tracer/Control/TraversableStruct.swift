// Traversable structs (Dr.Jit's DRJIT_STRUCT): values that list their traced arrays, so loops and select take them whole.

/// Visits the traced arrays of a `TraversableStruct` one by one, and may replace each with an array of the same
/// element type.
public protocol TracedArrayVisitor {
    /// Visits one array of the struct.
    mutating func visit<Element: TracedElement>(_ array: inout TracedArray<Element>)
}

/// A value made of traced arrays that lists them, always in the same order, so that `whileLoop` and `select` work
/// on the whole value rather than on positions in a list. A struct adopts it by traversing its fields in order:
///
///     struct Ray: TraversableStruct {
///         var origin: Vector3Array
///         var distance: FloatArray
///         mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
///             origin.traverse(&visitor)
///             distance.traverse(&visitor)
///         }
///     }
///
/// Traced arrays are traversable (one field: themselves), and so are Swift arrays of traversable values (their
/// elements in order; the count is part of the structure and must not change in a loop body).
public protocol TraversableStruct {
    /// Calls `visitor.visit` on every traced array of the value, in a fixed order.
    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V)
}

extension TracedArray: TraversableStruct {
    /// Visits the array itself.
    public mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        visitor.visit(&self)
    }
}

extension Array: TraversableStruct where Element: TraversableStruct {
    /// Traverses the elements in order.
    public mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        for index in indices { self[index].traverse(&visitor) }
    }
}

/// A traced array of any element type: its node and, for a gradient-tracked `Float` array, its tape entry.
struct AnyTracedArray {
    var node: Node
    var tape: TapeEntry?
}

extension TraversableStruct {
    /// The nodes of the value's traced arrays, in traversal order.
    package var tracedNodes: [Node] { tracedArrays.map(\.node) }

    /// True when any of the value's arrays is recorded for differentiation (`requiresGradient`).
    public var requiresGradient: Bool { tracedArrays.contains { $0.tape != nil } }

    /// The value's traced arrays, in traversal order.
    var tracedArrays: [AnyTracedArray] {
        var copy = self
        var collector = TracedArrayCollector()
        copy.traverse(&collector)
        return collector.arrays
    }

    /// A copy whose traced arrays are `arrays`, in traversal order (same count and element types).
    func replacingTracedArrays(_ arrays: [AnyTracedArray]) -> Self {
        var copy = self
        var replacer = TracedArrayReplacer(arrays: arrays)
        copy.traverse(&replacer)
        precondition(replacer.position == arrays.count,
                     "Tracer: a struct of \(replacer.position) traced arrays cannot take \(arrays.count)")
        return copy
    }
}

/// `a` where `mask` is true, else `b`, array by array (`a` and `b` must have the same structure).
public func select<S: TraversableStruct>(_ mask: BoolArray, _ a: S, _ b: S) -> S {
    var result = a
    var selector = TracedArraySelector(mask: mask, alternatives: b.tracedArrays)
    result.traverse(&selector)
    precondition(selector.position == selector.alternatives.count,
                 "Tracer: select of structs with \(selector.position) and \(selector.alternatives.count) traced arrays")
    return result
}

/// `value[index]` per lane, array by array (see `TracedArray.gather`).
public func gather<S: TraversableStruct, I: TracedIndex>(_ value: S, at index: TracedArray<I>,
                                                         mask: BoolArray = true) -> S {
    var result = value
    var gatherer = TracedArrayGatherer(index: index, mask: mask)
    result.traverse(&gatherer)
    return result
}

/// Writes `value` to `target[index]` per lane, array by array (see `TracedArray.scatter`).
public func scatter<S: TraversableStruct, I: TracedIndex>(_ value: S, into target: inout S, at index: TracedArray<I>,
                                                          mask: BoolArray = true) {
    var scatterer = TracedArrayScatterer(values: value.tracedArrays, index: index, mask: mask)
    target.traverse(&scatterer)
    precondition(scatterer.position == scatterer.values.count,
                 "Tracer: scatter of a struct of \(scatterer.values.count) traced arrays into one of \(scatterer.position)")
}

private struct TracedArrayGatherer<I: TracedIndex>: TracedArrayVisitor {
    let index: TracedArray<I>
    let mask: BoolArray

    mutating func visit<Element: TracedElement>(_ array: inout TracedArray<Element>) {
        array = array.gather(index, mask: mask)
    }
}

private struct TracedArrayScatterer<I: TracedIndex>: TracedArrayVisitor {
    let values: [AnyTracedArray]
    let index: TracedArray<I>
    let mask: BoolArray
    var position = 0

    mutating func visit<Element: TracedElement>(_ array: inout TracedArray<Element>) {
        precondition(position < values.count, "Tracer: scatter of structs with different numbers of arrays")
        let value = values[position]
        precondition(value.node.type == Element.scalarType,
                     "Tracer: scatter of a struct whose traced array \(position) is \(value.node.type) into \(Element.self)")
        array.scatter(TracedArray(node: value.node, tape: value.tape), at: index, mask: mask)
        position += 1
    }
}

private struct TracedArrayCollector: TracedArrayVisitor {
    var arrays: [AnyTracedArray] = []

    mutating func visit<Element: TracedElement>(_ array: inout TracedArray<Element>) {
        arrays.append(AnyTracedArray(node: array.node, tape: array.tape))
    }
}

private struct TracedArrayReplacer: TracedArrayVisitor {
    let arrays: [AnyTracedArray]
    var position = 0

    mutating func visit<Element: TracedElement>(_ array: inout TracedArray<Element>) {
        precondition(position < arrays.count, "Tracer: a struct has more traced arrays than the \(arrays.count) given")
        let replacement = arrays[position]
        precondition(replacement.node.type == Element.scalarType,
                     "Tracer: traced array \(position) of a struct is \(Element.self), not \(replacement.node.type)")
        array = TracedArray(node: replacement.node, tape: replacement.tape)
        position += 1
    }
}

private struct TracedArraySelector: TracedArrayVisitor {
    let mask: BoolArray
    let alternatives: [AnyTracedArray]
    var position = 0

    mutating func visit<Element: TracedElement>(_ array: inout TracedArray<Element>) {
        precondition(position < alternatives.count, "Tracer: select of structs with different numbers of arrays")
        let other = alternatives[position]
        precondition(other.node.type == Element.scalarType,
                     "Tracer: select of structs whose traced array \(position) is \(Element.self) and \(other.node.type)")
        array = select(mask, array, TracedArray(node: other.node, tape: other.tape))
        position += 1
    }
}
