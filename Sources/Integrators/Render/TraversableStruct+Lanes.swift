// Whole-struct helpers for the renderer's loop state: rebuilt from a list of nodes, or narrowed to some lanes.
import Tracer

extension TraversableStruct {
    /// The same structure holding `nodes`, in traversal order (`tracedNodes`); nodes after the struct's own are
    /// ignored (a frozen bounce returns extra outputs after the state).
    func replacingNodes(_ nodes: [Node]) -> Self {
        var copy = self
        var replacer = NodeReplacer(nodes: nodes)
        copy.traverse(&replacer)
        return copy
    }

    /// The lanes `index` names, in its order, of every array (arrays of one element stay as they are).
    func keepingLanes(_ index: UInt32Array) -> Self {
        var copy = self
        var keeper = LaneKeeper(index: index)
        copy.traverse(&keeper)
        return copy
    }
}

/// Replaces each array with the next node of a list (untracked).
private struct NodeReplacer: TracedArrayVisitor {
    let nodes: [Node]
    var position = 0

    mutating func visit<Element: TracedElement>(_ array: inout TracedArray<Element>) {
        precondition(position < nodes.count, "Integrators: a loop state has more arrays than the \(nodes.count) nodes given")
        array = TracedArray(node: nodes[position])
        position += 1
    }
}

/// Keeps the lanes an index names, array by array (`TracedArray.keepingLanes`).
private struct LaneKeeper: TracedArrayVisitor {
    let index: UInt32Array

    mutating func visit<Element: TracedElement>(_ array: inout TracedArray<Element>) {
        array = array.keepingLanes(index)
    }
}
