// A symbolic loop in the graph: the placeholders of its state, its condition, its body's results and side effects.

/// What a `.loop` node holds besides its operands. The operands list the same nodes (initial values, condition,
/// results, side-effect operands), so graph walks (dependencies across sizes, value numbering) see the body.
final class LoopRecord {
    /// Identifies the loop among the bodies being recorded (`LoopScope.recording`).
    let id: UInt64
    /// The loops whose bodies were being recorded when this loop was: it belongs to their bodies.
    let enclosingLoops: [UInt64]
    /// The state before the first iteration.
    let initialValues: [Node]
    /// The `.loopVariable` placeholders that stand for the state inside the body, one per variable.
    let variables: [Node]
    /// A lane keeps iterating while this mask is true.
    let condition: Node
    /// The state after one iteration, one per variable.
    let results: [Node]
    /// The scatters, scatter-adds and loops with side effects recorded in the body, in program order; they act on
    /// the lanes still active.
    let sideEffects: [SideEffect]
    /// The `.loopOutput` nodes: whenever the loop runs, every live one is stored, so the loop never runs twice.
    var outputs: [WeakNode] = []

    init(id: UInt64, enclosingLoops: [UInt64], initialValues: [Node], variables: [Node], condition: Node,
         results: [Node], sideEffects: [SideEffect]) {
        self.id = id
        self.enclosingLoops = enclosingLoops
        self.initialValues = initialValues
        self.variables = variables
        self.condition = condition
        self.results = results
        self.sideEffects = sideEffects
    }

    /// The nodes the body computes: condition, results and the operands of side effects.
    var bodyRoots: [Node] {
        [condition] + results + sideEffects.flatMap { [$0.index, $0.value, $0.mask] }
    }
}

/// A loop body being recorded or run, on `TraceContext.loopScopes`.
enum LoopScope {
    /// A symbolic loop's body being recorded: its side effects are collected here instead of being queued.
    case recording(id: UInt64, sideEffects: [SideEffect])
    /// An evaluated loop's body running: its side effects act only on the lanes of this mask.
    case masked(Node)
}

extension SideEffect {
    /// The arrays this side effect writes: its target, or for a loop or dispatch (`op == .loop`, `.dispatch`)
    /// those its body or cases write.
    var writtenNodes: [Node] {
        switch op {
        case .loop: target.loop!.sideEffects.flatMap(\.writtenNodes)
        case .dispatch: target.dispatch!.sideEffects.flatMap(\.writtenNodes)
        default: [target]
        }
    }

    /// True for a loop or dispatch with side effects, which runs in a kernel of its own.
    var isControlFlow: Bool { op == .loop || op == .dispatch }
}
