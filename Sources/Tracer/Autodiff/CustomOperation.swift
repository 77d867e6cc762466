// Custom differentiable operations: user forward/backward code as one node of the graph (Dr.Jit's CustomOp).

/// A user-defined differentiable operation: how an outside computation (a Swift closure, a C function, another
/// library) joins a traced program. The primal output is computed by the `compute` closure given to
/// `customOperation`; `backward` maps the output adjoint to one adjoint per input (nil where none).
public protocol CustomOperation: AnyObject {
    /// Adjoints of the inputs (one per input, nil = zero) given the adjoint of the output.
    func backward(adjoint: FloatArray) -> [FloatArray?]
    /// The output tangent given the inputs' tangents (nil = zero); nil when the tangent is zero.
    func forward(tangents: [FloatArray?]) -> FloatArray?
    /// False when `forward(tangents:)` is not implemented: forward mode then stops with an error at this operation.
    var supportsForwardMode: Bool { get }
}

extension CustomOperation {
    public var supportsForwardMode: Bool { true }
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
    public var supportsForwardMode: Bool { forwardBody != nil }
}

/// Applies a custom operation: `compute` runs on detached inputs (with recording suspended, so it may also leave
/// the traced world: read `values`, call C, wrap the result in a new array) and its result joins the tape as one
/// entry whose derivatives come from `operation`.
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

/// Applies a custom operation given as closures (Dr.Jit's `wrap`): `compute` maps the detached inputs to the
/// output, `backward` maps the output adjoint to one adjoint per input, and `tangent` (optional, for forward mode)
/// maps the inputs' tangents to the output tangent.
public func customOperation(_ inputs: [FloatArray], compute: ([FloatArray]) -> FloatArray,
                            backward: @escaping (FloatArray) -> [FloatArray?],
                            tangent: (([FloatArray?]) -> FloatArray?)? = nil) -> FloatArray {
    customOperation(inputs, ClosureOperation(backward: backward, forward: tangent), compute: compute)
}
