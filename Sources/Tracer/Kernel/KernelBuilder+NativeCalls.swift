// Lowering a native call into the kernel of its size: its arguments, the call, its results.
//
// A `.nativeCall` node with n inputs and m outputs becomes, after its mask and inputs:
//
//     callArgument × n   (operand: the input value)
//     nativeCall         (operand: the mask; immediate: slot of the pointer buffer; auxiliary: n | m << 16)
//     callResult × m     (immediate: the output's position)
//
// The pointer buffer (function and context) is a slot like any input, so the program, the cache key and the
// compiled code do not depend on the pointers.

extension KernelBuilder {
    /// Emits a `.nativeCall` node whose mask and inputs are emitted, and returns the position of its `nativeCall`.
    mutating func emitNativeCall(_ node: Node) -> Int32 {
        let record = node.nativeCall!
        let inputs = node.operands[2...]
        for input in inputs {
            append(KernelInstruction(op: .callArgument, type: input.type, operands: [emitted(input)!]))
        }
        let slot = slotFor(node.operands[0].storage!, role: .gatherSource)
        let call = append(KernelInstruction(op: .nativeCall, type: .bool, operands: [emitted(node.operands[1])!],
                                            immediate: UInt32(slot),
                                            auxiliary: UInt32(inputs.count) | UInt32(record.outputTypes.count) << 16))
        for (position, type) in record.outputTypes.enumerated() {
            append(KernelInstruction(op: .callResult, type: type, immediate: UInt32(position)))
        }
        if loopDepth == 0 { outermostConstructs.append(node) }
        return call
    }
}
