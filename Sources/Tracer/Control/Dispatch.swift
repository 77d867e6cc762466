// Symbolic dispatch (Dr.Jit's `dr.switch` and virtual calls): each lane runs the case its index selects.

/// Runs, for each lane, the case that `index` selects on `arguments`, and returns the case's result: lane l gets
/// `cases[index[l]](arguments)[l]`. Lanes where `mask` is false or whose index is `cases.count` or more run no
/// case and get 0 in every result array.
///
/// Each case is recorded once, on placeholders for the arguments, and the dispatch is compiled into the kernel of
/// its size with the code producing its arguments and using its results. A vector of W lanes runs only the cases
/// that some lane of it selects, once each, on the lanes that select it (in increasing case order), so 400 cases
/// cost what the ones a vector needs cost. Cases may gather from arrays computed outside (evaluated before the
/// kernel), and may scatter and scatter-add (for their own lanes only); a case must not read an array that a case
/// writes, nor evaluate or reduce its arguments. Dispatches work inside symbolic loop bodies and inside cases.
///
/// Differentiable, as Dr.Jit's virtual calls: when the arguments or the arrays the cases capture are
/// gradient-tracked, the float results are too, and `backward` (or `forward`) through them runs a second dispatch
/// whose cases record their own case again and differentiate it (`DispatchDerivative`), so gradients reach both the
/// arguments and the captured arrays (and tangents flow from both). The cases are therefore kept (`@escaping`) and must record the same code when called
/// again.
///
/// `Arguments` and `Result` are any `TraversableStruct`s; every case must return the same structure.
///
///     let color = dispatch(materialIndex, cases: [diffuse, conductor, dielectric], arguments: hit)
public func dispatch<Arguments: TraversableStruct, Result: TraversableStruct>(
    _ index: UInt32Array, cases: [(Arguments) -> Result], arguments: Arguments, mask: BoolArray = true
) -> Result {
    dispatch(index, count: cases.count, arguments: arguments, mask: mask) { number, arguments in
        cases[number](arguments)
    }
}

/// `dispatch` with `count` cases given by one closure: `body(c, arguments)` records case c (c in 0..<count).
public func dispatch<Arguments: TraversableStruct, Result: TraversableStruct>(
    _ index: UInt32Array, count: Int, arguments: Arguments, mask: BoolArray = true,
    body: @escaping (Int, Arguments) -> Result
) -> Result {
    precondition(count >= 1, "Tracer: a dispatch needs at least one case")
    let arrays = arguments.tracedArrays
    let context = TraceContext.recording([index.node, mask.node] + arrays.map(\.node))
    // The cases see untracked placeholders; a result that is tracked all the same depends on a captured array.
    var template: Result?
    var capturesTrackedArrays = false
    let outputs = context.recordDispatch(index: index.node, mask: mask.node, arguments: arrays.map(\.node),
                                         count: count) { number, placeholders in
        let result = body(number, arguments.replacingTracedArrays(placeholders.map { AnyTracedArray(node: $0, tape: nil) }))
        let results = result.tracedArrays
        if results.contains(where: { $0.tape != nil }) { capturesTrackedArrays = true }
        if template == nil { template = result }
        return results.map(\.node)
    }
    var results = outputs.map { AnyTracedArray(node: $0, tape: nil) }
    if (capturesTrackedArrays || arrays.contains { $0.tape != nil }) && context.isRecordingGradients {
        results = DispatchDerivative.attach(to: results, index: index, mask: mask, arguments: arguments,
                                            count: count, body: body, in: context)
    }
    return template!.replacingTracedArrays(results)
}
