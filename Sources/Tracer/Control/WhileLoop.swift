// Loops over traced state (Dr.Jit's `dr.while_loop`): symbolic (compiled into the kernel) or evaluated (one launch per iteration).

/// How `whileLoop` runs.
public enum LoopMode: Sendable, Hashable {
    /// The condition and body are recorded once and compiled into the kernel of the state's size as a loop with
    /// per-lane masks: a vector leaves it when none of its lanes is active. The code computing the initial state
    /// and the code using the results share that kernel. Differentiable in forward mode (the tangents become loop
    /// state, `LoopDerivative`), not in reverse mode through its state; but the body may differentiate its own
    /// expressions with `backward` (as `prb.py` calls `dr.backward_from` in its loop): the adjoints that reach
    /// arrays computed outside the body are scatter-added in the loop and carried on from there.
    case symbolic
    /// The host runs the condition and body once per iteration and evaluates the state each time (one launch per
    /// iteration), until no lane is active; lanes that have left keep their values. Differentiable, since every
    /// iteration is recorded like any other code.
    case evaluated
    /// Evaluated, with wavefront compaction: once at most `threshold` (a fraction) of the lanes are active, the
    /// host lists them and the state is gathered to those lanes, so later iterations run on fewer; at the end every
    /// lane's values are scattered back to its place. The body then sees the compacted state, so it must reach the
    /// lanes' data through the state only (an array of the original size captured by the body no longer fits).
    case compacted(threshold: Double)
}

/// Runs `body` on the lanes of `state` for which `condition` holds, until it holds for none, and returns the final
/// state. Each lane leaves the loop the first time its condition is false and keeps its values from then on.
///
/// The state is any `TraversableStruct` (traced arrays of every element type, arrays of them, structs listing
/// their fields); its arrays have one size (or size 1, broadcast). `body` returns the next state, of the same
/// structure. Inside the body, gathers read arrays computed outside the loop, and scatters and scatter-adds write
/// arrays outside it for the lanes still active (a body must not read an array it writes, nor evaluate or reduce
/// its state). A `backward` in the body acts on the lanes still active too. All modes give the same values (float
/// scatter-adds may add their terms in another order).
///
///     let steps = whileLoop(Collatz(value: x, steps: Int32Array(repeating: 0))) { $0.value .> 1 } body: { state in
///         Collatz(value: select(state.value & 1 .== 0, state.value >> 1, state.value * 3 + 1),
///                 steps: state.steps + 1)
///     }.steps
public func whileLoop<State: TraversableStruct>(_ state: State, mode: LoopMode = .symbolic,
                                                condition: @escaping (State) -> BoolArray,
                                                body: @escaping (State) -> State) -> State {
    let arrays = state.tracedArrays
    precondition(!arrays.isEmpty, "Tracer: a loop's state must hold at least one traced array")
    let context = TraceContext.recording(arrays.map(\.node))
    switch mode {
    case .symbolic:
        return symbolicWhileLoop(state, arrays: arrays, context: context, condition: condition, body: body)
    case .evaluated:
        return evaluatedWhileLoop(state, context: context, compactionThreshold: nil, condition: condition, body: body)
    case .compacted(let threshold):
        return evaluatedWhileLoop(state, context: context, compactionThreshold: threshold, condition: condition,
                                  body: body)
    }
}

/// Records the loop once, with placeholders for the state (see `TraceContext.recordSymbolicLoop`). When the state
/// or the body's results are gradient-tracked, the float outputs are differentiable in forward mode
/// (`LoopDerivative`).
private func symbolicWhileLoop<State: TraversableStruct>(_ state: State, arrays: [AnyTracedArray],
                                                         context: TraceContext,
                                                         condition: @escaping (State) -> BoolArray,
                                                         body: @escaping (State) -> State) -> State {
    func placeholderState(_ variables: [Node]) -> State {
        state.replacingTracedArrays(variables.map { AnyTracedArray(node: $0, tape: nil) })
    }
    var bodyIsTracked = false
    let outputs = context.recordSymbolicLoop(initialValues: arrays.map(\.node)) { variables in
        condition(placeholderState(variables)).node
    } body: { variables in
        let next = body(placeholderState(variables)).tracedArrays
        precondition(next.count == variables.count,
                     "Tracer: a loop body returned \(next.count) traced arrays for a state of \(variables.count)")
        if next.contains(where: { $0.tape != nil }) { bodyIsTracked = true }
        return next.map(\.node)
    }
    var results = outputs.map { AnyTracedArray(node: $0, tape: nil) }
    if (bodyIsTracked || arrays.contains { $0.tape != nil }) && context.isRecordingGradients {
        results = LoopDerivative.attach(to: results, initial: state, arrays: arrays, condition: condition, body: body,
                                        in: context)
    }
    return state.replacingTracedArrays(results)
}

/// Runs the loop on the host: per iteration, the state and the active lanes are evaluated together, and the body's
/// side effects are masked by the active lanes (`TraceContext.withLoopMask`). With a compaction threshold, the
/// state shrinks to the active lanes when few are left (outside other evaluated loops, whose masks keep the size).
private func evaluatedWhileLoop<State: TraversableStruct>(_ state: State, context: TraceContext,
                                                          compactionThreshold: Double?,
                                                          condition: (State) -> BoolArray,
                                                          body: (State) -> State) -> State {
    precondition(!context.isRecordingLoopBody,
                 "Tracer: an evaluated loop cannot run inside the body of a symbolic loop (make it symbolic too)")
    let enclosingMask = context.activeLoopMask.map { BoolArray(node: $0) }
    let compactionThreshold = enclosingMask == nil ? compactionThreshold : nil
    var state = state
    var active: BoolArray?
    // Once compacted: the state of every lane at its original place, and each current lane's original place.
    var compaction: (full: State, places: UInt32Array)?
    while true {
        var mask = condition(state)
        if let enclosingMask { mask = mask & enclosingMask }
        if let active { mask = mask & active }
        if active == nil && mask.count > 1 {
            // State given at size 1 takes the loop's size, as in symbolic mode, even when no lane enters.
            state = select(BoolArray(repeating: true, count: mask.count, context: context), state, state)
        }
        context.evaluate(state.tracedNodes + [mask.node])
        let liveLanes = context.liveLanes(mask.node)
        guard !liveLanes.isEmpty else { break }
        if let compactionThreshold, mask.count > 1,
           Double(liveLanes.count) <= compactionThreshold * Double(mask.count), liveLanes.count < mask.count {
            // Lanes that left are final: they go back to their places now, and the state keeps the live ones.
            let live = UInt32Array(liveLanes, context: context)
            if case (var full, let places)? = compaction {
                scatter(state, into: &full, at: places)
                compaction = (full, places.gather(live))
            } else {
                compaction = (state, live)
            }
            state = gather(state, at: live)
            context.evaluate(state.tracedNodes + [compaction!.places.node])
            mask = BoolArray(repeating: true, count: liveLanes.count, context: context)
        }
        let next = context.withLoopMask(mask.node) { body(state) }
        state = select(mask, next, state)
        active = mask
    }
    guard case (var full, let places)? = compaction else { return state }
    scatter(state, into: &full, at: places)
    return full
}
