// Forward mode through a symbolic loop: a second loop that carries the tangents of the state beside the state.
//
// Dr.Jit differentiates a symbolic loop in forward mode by adding the tangents to the loop state. Here a symbolic
// loop whose state (or whose body, through captured arrays) is gradient-tracked gets one joint tape entry, parent of
// one entry per float output, as a differentiable dispatch does. `forward` reaches the joint first; it records the
// tangent loop: each iteration records the body again with the float state as leaves and carries the tangents
// through the entries the body recorded (`TraceContext.tangents(of:sources:recordedAfter:)`), taking the tangents
// of captured arrays from the running forward pass. Reverse mode through the state would need every iteration's
// state, so it stops with a message, as in Dr.Jit: use an evaluated loop, or `backward` inside the body.

/// The joint entry of a differentiable symbolic loop.
final class LoopDerivative<State: TraversableStruct>: CustomOperation {
    /// The initial state, untracked.
    let initial: State
    /// Positions (in traversal order) of the float state variables.
    let floats: [Int]
    /// Positions of the tracked float state variables: the joint entry's inputs.
    let tracked: [Int]
    let condition: (State) -> BoolArray
    let body: (State) -> State
    /// The tangents of the float outputs, left by the last forward pass for the output entries.
    var outputTangents: [FloatArray?] = []

    private init(initial: State, floats: [Int], tracked: [Int], condition: @escaping (State) -> BoolArray,
                 body: @escaping (State) -> State) {
        self.initial = initial
        self.floats = floats
        self.tracked = tracked
        self.condition = condition
        self.body = body
    }

    /// `outputs` of a loop over `arrays` (the initial state's), their float arrays tracked through one joint entry.
    static func attach(to outputs: [AnyTracedArray], initial state: State, arrays: [AnyTracedArray],
                       condition: @escaping (State) -> BoolArray, body: @escaping (State) -> State,
                       in context: TraceContext) -> [AnyTracedArray] {
        let floats = arrays.indices.filter { arrays[$0].node.type == .float32 }
        let tracked = floats.filter { arrays[$0].tape != nil }
        let initial = state.replacingTracedArrays(arrays.map { AnyTracedArray(node: $0.node, tape: nil) })
        let joint = LoopDerivative(initial: initial, floats: floats, tracked: tracked, condition: condition,
                                   body: body)
        let size = outputs.map(\.node.size).max() ?? 1
        let jointEntry = context.customEntry(joint, inputs: tracked.map { arrays[$0].node },
                                             parents: tracked.map { arrays[$0].tape },
                                             result: context.literal(0, type: .float32, size: size))
        var traced = outputs
        for (position, output) in floats.enumerated() {
            traced[output].tape = context.customEntry(LoopOutputTangent(joint: joint, position: position),
                                                      inputs: [jointEntry.result], parents: [jointEntry],
                                                      result: outputs[output].node)
        }
        return traced
    }

    /// Records the tangent loop and keeps the outputs' tangents; returns a zero tangent for the joint itself.
    func forward(tangents: [FloatArray?]) -> FloatArray? {
        let context = TraceContext.current
        let given = Dictionary(uniqueKeysWithValues: zip(tracked, tangents))
        let start = TangentLoopState(primal: initial, tangents: floats.map { position in
            (given[position] ?? nil) ?? FloatArray(repeating: 0, context: context)
        })
        let (floats, condition, body) = (self.floats, self.condition, self.body)
        let end = whileLoop(start, mode: .symbolic) { condition($0.primal) } body: { state in
            let bodyStart = context.lastNodeID.rawValue
            var arrays = state.primal.tracedArrays
            let leaves = arrays.makeLeaves(at: floats)
            let results = context.withGradientsResumed {
                body(state.primal.replacingTracedArrays(arrays)).tracedArrays
            }
            let next = context.tangents(of: floats.map { results[$0] }, sources: Array(zip(leaves, state.tangents)),
                                        recordedAfter: bodyStart)
            let primal = state.primal.replacingTracedArrays(results.map { AnyTracedArray(node: $0.node, tape: nil) })
            return TangentLoopState(primal: primal, tangents: zip(next, state.tangents).map { $0 ?? $1 * 0 })
        }
        outputTangents = end.tangents.map { Optional($0) }
        return FloatArray(repeating: 0, context: context)
    }

    func backward(adjoint _: FloatArray) -> [FloatArray?] {
        preconditionFailure("Autodiff: reverse mode through the state of a symbolic loop is not supported (use "
            + "mode: .evaluated, or differentiate inside the body with backward); forward mode is")
    }
}

/// The entry of one float output of a differentiable symbolic loop: its tangent comes from the joint.
final class LoopOutputTangent<State: TraversableStruct>: CustomOperation {
    let joint: LoopDerivative<State>
    let position: Int

    init(joint: LoopDerivative<State>, position: Int) {
        self.joint = joint
        self.position = position
    }

    func forward(tangents _: [FloatArray?]) -> FloatArray? {
        position < joint.outputTangents.count ? joint.outputTangents[position] : nil
    }

    func backward(adjoint: FloatArray) -> [FloatArray?] { joint.backward(adjoint: adjoint) }
}

/// The tangent loop's state: the primal state and one tangent per float variable.
private struct TangentLoopState<State: TraversableStruct>: TraversableStruct {
    var primal: State
    var tangents: [FloatArray]

    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        primal.traverse(&visitor)
        tangents.traverse(&visitor)
    }
}

extension TraceContext {
    /// Forward mode over the entries recorded after `bodyStart` that `results` depend on: the tangents of
    /// `results` (nil where none), given the sources' tangents. Entries recorded before take the tangent the running
    /// forward pass gave them, if it reached them.
    func tangents(of results: [AnyTracedArray], sources: [(TapeEntry, FloatArray)],
                  recordedAfter bodyStart: UInt64) -> [FloatArray?] {
        let passStart = lock.withLock { forwardPassSources.last } ?? UInt64.max
        var tangents: [UInt64: FloatArray] = [:]
        for (entry, tangent) in sources { tangents[entry.serial] = tangent }
        var local: [UInt64: TapeEntry] = [:]
        var stack = results.compactMap(\.tape)
        while let entry = stack.popLast() {
            guard entry.serial > bodyStart, local[entry.serial] == nil, tangents[entry.serial] == nil else { continue }
            local[entry.serial] = entry
            stack.append(contentsOf: entry.parents.compactMap { $0 })
        }
        func tangent(_ entry: TapeEntry) -> FloatArray? {
            if let known = tangents[entry.serial] { return known }
            // Outside the body: the running pass's tangent, for entries it reached.
            return entry.serial <= bodyStart && entry.serial >= passStart ? entry.gradient : nil
        }
        withGradientsSuspended {
            for entry in local.values.sorted(by: { $0.serial < $1.serial }) where !entry.isLeaf {
                let inputs = entry.parents.map { $0.flatMap(tangent) }
                let result = entry.custom.map { $0.forward(tangents: inputs) }
                    ?? DerivativeTable.forward(entry, tangents: inputs)
                if let result { tangents[entry.serial] = result }
            }
        }
        return results.map { $0.tape.flatMap(tangent) }
    }
}
