// Native calls from kernels: a C function run on packets of W lanes (drjit-core's way of calling packet ray queries).

/// The C signature of a function that kernels call on packets of W lanes (W = the kernel's vector width,
/// `CompileOptions.vectorWidth`, 16 on AVX-512):
///
///     void f(void *context,                 // the context pointer given to `nativeCall`
///            const int32_t *mask,           // W lanes: -1 where the lane is active, 0 elsewhere
///            const void *const *inputs,     // one pointer per input: W lanes (float, int32_t or uint32_t)
///            void *const *outputs);         // one pointer per output: W lanes, zero on entry
///
/// Every buffer is 64-byte aligned and structure-of-arrays (lane l of input k is `((T *)inputs[k])[l]`). The
/// function must read and write only the lanes whose mask is -1: inputs of other lanes are unspecified, and their
/// outputs are 0 whatever the function leaves there. The scalar backend calls it once per lane, with only lane 0
/// active. It may be called from several threads at once, and must not call back into the tracer.
public typealias NativeFunction = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<Int32>,
                                                  UnsafePointer<UnsafeRawPointer?>,
                                                  UnsafePointer<UnsafeMutableRawPointer?>) -> Void

/// Calls `function` from the kernel, on packets of W lanes of `inputs`, for the lanes where `mask` is true, and
/// returns its outputs, of the structure of `outputs` (a template: only its arrays' element types are used; bool
/// arrays are not allowed). Lanes outside the mask read 0.
///
/// The function and context pointers are kernel parameters, not part of the code: calling another function or
/// passing another context reuses the compiled kernel. The call fuses with the code that computes its inputs and
/// uses its outputs, and works in symbolic loop bodies and dispatch cases (on their active lanes). Not
/// differentiable. See `NativeFunction` for the C ABI.
///
///     let hit = nativeCall(intersect16, context: scene, inputs: [ox, oy, oz, dx, dy, dz], outputs: FloatArray(0))
public func nativeCall<Inputs: TraversableStruct, Outputs: TraversableStruct>(
    _ function: NativeFunction, context: UnsafeMutableRawPointer? = nil, inputs: Inputs, outputs: Outputs,
    mask: BoolArray = true, keepAlive owner: AnyObject? = nil
) -> Outputs {
    nativeCall(unsafeBitCast(function, to: UnsafeRawPointer.self), context: context.map { UnsafeRawPointer($0) },
               inputs: inputs, outputs: outputs, mask: mask, keepAlive: owner)
}

/// `nativeCall` with the function given as a raw pointer (from `dlsym`, say), which must have the
/// `NativeFunction` signature. `keepAlive` is held until the call has run (what `context` points into, say: an
/// acceleration structure the caller may release before the results are evaluated).
public func nativeCall<Inputs: TraversableStruct, Outputs: TraversableStruct>(
    _ function: UnsafeRawPointer, context: UnsafeRawPointer?, inputs: Inputs, outputs: Outputs,
    mask: BoolArray = true, keepAlive owner: AnyObject? = nil
) -> Outputs {
    let inputArrays = inputs.tracedArrays, outputArrays = outputs.tracedArrays
    precondition(!outputArrays.isEmpty, "Tracer: a native call must have at least one output")
    precondition(inputArrays.count < 1 << 16 && outputArrays.count < 1 << 16,
                 "Tracer: a native call has at most 65535 inputs and outputs")
    precondition((inputArrays + outputArrays).allSatisfy { $0.node.type != .bool },
                 "Tracer: native call inputs and outputs are Float, Int32 or UInt32 arrays, not masks")
    precondition((inputArrays + [AnyTracedArray(node: mask.node, tape: nil)]).allSatisfy { $0.tape == nil },
                 "Tracer: a native call is not differentiable, and an input is gradient-tracked (detach it)")
    let traceContext = TraceContext.recording(inputArrays.map(\.node) + [mask.node])
    let nodes = traceContext.recordNativeCall(function: UInt64(UInt(bitPattern: function)),
                                              context: UInt64(UInt(bitPattern: context)),
                                              inputs: inputArrays.map(\.node), mask: mask.node,
                                              outputTypes: outputArrays.map(\.node.type), keepAlive: owner)
    return outputs.replacingTracedArrays(nodes.map { AnyTracedArray(node: $0, tape: nil) })
}
