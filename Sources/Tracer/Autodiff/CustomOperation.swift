// Custom differentiable operations: user forward/backward code as one node of the graph (Dr.Jit's CustomOp).

/// A user-defined differentiable operation: how an outside computation (a Swift closure, a C function, another
/// library) joins a traced program. `forward` computes the outputs from detached inputs; `backward` maps the
/// output adjoint to one adjoint per input (nil where none).
public protocol CustomOperation: AnyObject {
    /// Adjoints of the inputs given the adjoint of the output.
    func backward(adjoint: FloatArray) -> [FloatArray?]
    /// The output tangent given the inputs' tangents (nil = zero); return nil if forward mode is unsupported.
    func forward(tangents: [FloatArray?]) -> FloatArray?
}

/// A custom operation built from closures.
public final class ClosureOperation: CustomOperation {
    let backwardBody: (FloatArray) -> [FloatArray?]
    let forwardBody: (([FloatArray?]) -> FloatArray?)?

    /// `backward` maps the output adjoint to input adjoints; `forward` (optional) maps input tangents to the
    /// output tangent.
    public init(backward: @escaping (FloatArray) -> [FloatArray?],
                forward: (([FloatArray?]) -> FloatArray?)? = nil) {
        backwardBody = backward
        forwardBody = forward
    }

    public func backward(adjoint: FloatArray) -> [FloatArray?] { backwardBody(adjoint) }
    public func forward(tangents: [FloatArray?]) -> FloatArray? { forwardBody?(tangents) }
}

/// Applies a custom operation: `compute` runs on detached inputs (with recording suspended) and its result joins
/// the tape as one entry whose derivatives come from `operation`.
public func customOperation(_ inputs: [FloatArray], _ operation: any CustomOperation,
                            compute: ([FloatArray]) -> FloatArray) -> FloatArray {
    precondition(!inputs.isEmpty, "Autodiff: a custom operation needs at least one input")
    let context = inputs[0].context
    let output = context.withGradientsSuspended { compute(inputs.map { $0.detached() }) }
    guard inputs.contains(where: \.requiresGradient), context.isRecordingGradients else { return output }
    let entry = context.customEntry(operation, inputs: inputs.map(\.node), parents: inputs.map(\.tape),
                                    result: output.node)
    return FloatArray(node: output.node, tape: entry)
}
