// The derivatives of a dispatch: a second dispatch whose cases differentiate their own case (reverse or forward).
//
// Dr.Jit differentiates a virtual call by calling, per lane, the backward pass of the function that lane called.
// Here the float results of a differentiable dispatch get one tape entry each, all children of one joint entry
// whose parents are the tracked arguments. `backward` reaches the result entries first (they are newer) and each
// leaves its adjoint with the joint; the joint then records the adjoint dispatch: on the same index and mask, case
// c records case c again with its tracked arguments as leaves and calls `backward` from its results with their
// adjoints. Captured arrays receive their gradients through the case's scatter-adds (`BodyAdjoints.swift`); the
// arguments' adjoints are the case's results.

/// The joint entry of a differentiable dispatch: holds what the adjoint dispatch needs.
final class DispatchDerivative<Arguments: TraversableStruct, Result: TraversableStruct>: CustomOperation {
    let index: UInt32Array
    let mask: BoolArray
    /// The arguments, untracked.
    let arguments: Arguments
    /// Positions (in traversal order) of the tracked float arguments: the joint entry's inputs.
    let trackedArguments: [Int]
    /// Positions of the float results, each with its own entry.
    let floatResults: [Int]
    let count: Int
    let body: (Int, Arguments) -> Result
    /// The adjoints of the float results, left by their entries during one backward pass.
    var resultAdjoints: [FloatArray?]

    private init(index: UInt32Array, mask: BoolArray, arguments: Arguments, trackedArguments: [Int],
                 floatResults: [Int], count: Int, body: @escaping (Int, Arguments) -> Result) {
        self.index = index
        self.mask = mask
        self.arguments = arguments
        self.trackedArguments = trackedArguments
        self.floatResults = floatResults
        self.count = count
        self.body = body
        resultAdjoints = Array(repeating: nil, count: floatResults.count)
    }

    /// `results` of a dispatch, their float arrays gradient-tracked through one joint entry.
    static func attach(to results: [AnyTracedArray], index: UInt32Array, mask: BoolArray, arguments: Arguments,
                       count: Int, body: @escaping (Int, Arguments) -> Result,
                       in context: TraceContext) -> [AnyTracedArray] {
        let arrays = arguments.tracedArrays
        let tracked = arrays.indices.filter { arrays[$0].tape != nil }
        let floats = results.indices.filter { results[$0].node.type == .float32 }
        let untracked = arguments.replacingTracedArrays(arrays.map { AnyTracedArray(node: $0.node, tape: nil) })
        let joint = DispatchDerivative(index: index, mask: mask, arguments: untracked, trackedArguments: tracked,
                                       floatResults: floats, count: count, body: body)
        let size = results.map(\.node.size).max() ?? 1
        let jointEntry = context.customEntry(joint, inputs: tracked.map { arrays[$0].node },
                                             parents: tracked.map { arrays[$0].tape }, result:
                                                context.literal(0, type: .float32, size: size))
        var tracedResults = results
        for (position, resultIndex) in floats.enumerated() {
            let pick = DispatchResultAdjoint(joint: joint, position: position)
            tracedResults[resultIndex].tape = context.customEntry(pick, inputs: [jointEntry.result],
                                                                  parents: [jointEntry],
                                                                  result: results[resultIndex].node)
        }
        return tracedResults
    }

    /// Records the adjoint dispatch for the adjoints the result entries left, and returns the tracked arguments'.
    func backward(adjoint _: FloatArray) -> [FloatArray?] {
        let given = floatResults.indices.filter { resultAdjoints[$0] != nil }
        let adjoints = given.map { resultAdjoints[$0]! }
        resultAdjoints = Array(repeating: nil, count: floatResults.count)
        guard !given.isEmpty else { return trackedArguments.map { _ in nil } }
        let (body, trackedArguments, floatResults) = (self.body, self.trackedArguments, self.floatResults)
        let argumentAdjoints = dispatch(index, count: count,
                                        arguments: CaseAdjointArguments(arguments: arguments, adjoints: adjoints),
                                        mask: mask) { number, query in
            // The tracked arguments are leaves of the case, so that their adjoints stay per lane in it.
            var arrays = query.arguments.tracedArrays
            let leaves = arrays.makeLeaves(at: trackedArguments).map { FloatArray(node: $0.result, tape: $0) }
            let context = query.adjoints[0].context
            let results = context.withGradientsResumed {
                body(number, query.arguments.replacingTracedArrays(arrays)).tracedArrays
            }
            let seeds = zip(given, query.adjoints).compactMap { position, adjoint -> (FloatArray, FloatArray)? in
                let result = results[floatResults[position]]
                return result.tape.map { (FloatArray(node: result.node, tape: $0), adjoint) }
            }
            Tracer.backward(seeds)
            return leaves.map { $0.gradient }
        }
        return argumentAdjoints.map { Optional($0) }
    }

    /// Records the tangent dispatch: case c records case c again with its tracked arguments as leaves seeded with
    /// their tangents, and carries the tangents through what it recorded (captured arrays take the running pass's,
    /// `TraceContext.tangents(of:sources:recordedAfter:)`). Keeps the results' tangents for their entries and
    /// returns a zero tangent for the joint itself.
    func forward(tangents: [FloatArray?]) -> FloatArray? {
        let context = index.context
        let zero = FloatArray(repeating: 0, context: context)
        let seeds = tangents.map { $0 ?? zero }
        let (body, trackedArguments, floatResults) = (self.body, self.trackedArguments, self.floatResults)
        guard !floatResults.isEmpty else { return zero }
        let resultTangents = dispatch(index, count: count,
                                      arguments: CaseAdjointArguments(arguments: arguments, adjoints: seeds),
                                      mask: mask) { number, query in
            let caseStart = context.lastNodeID.rawValue
            var arrays = query.arguments.tracedArrays
            let leaves = arrays.makeLeaves(at: trackedArguments)
            let results = context.withGradientsResumed {
                body(number, query.arguments.replacingTracedArrays(arrays)).tracedArrays
            }
            return context.tangents(of: floatResults.map { results[$0] }, sources: Array(zip(leaves, query.adjoints)),
                                    recordedAfter: caseStart).map { $0 ?? zero }
        }
        self.resultTangents = resultTangents.map { Optional($0) }
        return zero
    }

    /// The tangents of the float results, left by the last forward pass for their entries.
    var resultTangents: [FloatArray?] = []
}

/// The entry of one float result of a differentiable dispatch: hands its adjoint to the joint entry, and takes its
/// tangent from it.
final class DispatchResultAdjoint<Arguments: TraversableStruct, Result: TraversableStruct>: CustomOperation {
    let joint: DispatchDerivative<Arguments, Result>
    let position: Int

    init(joint: DispatchDerivative<Arguments, Result>, position: Int) {
        self.joint = joint
        self.position = position
    }

    func backward(adjoint: FloatArray) -> [FloatArray?] {
        joint.resultAdjoints[position] = joint.resultAdjoints[position].map { $0 + adjoint } ?? adjoint
        // A zero adjoint for the joint, so that the traversal reaches it.
        return [FloatArray(repeating: 0, context: adjoint.context)]
    }

    /// The tangent the joint's forward pass computed for this result.
    func forward(tangents _: [FloatArray?]) -> FloatArray? {
        position < joint.resultTangents.count ? joint.resultTangents[position] : nil
    }
}

/// The adjoint (or tangent) dispatch's arguments: the primal ones and the results' adjoints (or the tracked
/// arguments' tangents).
private struct CaseAdjointArguments<Arguments: TraversableStruct>: TraversableStruct {
    var arguments: Arguments
    var adjoints: [FloatArray]

    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        arguments.traverse(&visitor)
        adjoints.traverse(&visitor)
    }
}
