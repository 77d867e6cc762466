// Recording a native call into the graph: one `.nativeCall` node and a `.nativeCallOutput` node per output.
//
// The function and context pointers live in a four-word `uint32` buffer (two 64-bit values), a kernel parameter:
// the kernel program holds only its slot, so another function or context hits the same compiled kernel.
// Lowering: `KernelBuilder+NativeCalls.swift`.

/// What a `.nativeCall` node holds besides its operands (pointer buffer, mask, inputs).
final class NativeCallRecord {
    /// The number of inputs (the node's operands after the pointer buffer and the mask).
    let inputCount: Int
    /// The element type of each output.
    let outputTypes: [ScalarType]
    /// The `.nativeCallOutput` nodes: whenever the call runs, every live one is stored, so it never runs twice.
    var outputs: [WeakNode] = []
    /// An object the call's context pointer points into, held while the call node exists.
    var keepAlive: AnyObject?

    init(inputCount: Int, outputTypes: [ScalarType]) {
        self.inputCount = inputCount
        self.outputTypes = outputTypes
    }
}

extension TraceContext {
    /// Records a call of `function` with `context` on `inputs` under `mask`, and returns one node per output.
    func recordNativeCall(function: UInt64, context pointer: UInt64, inputs: [Node], mask: Node,
                          outputTypes: [ScalarType], keepAlive owner: AnyObject? = nil) -> [Node] {
        lock.lock()
        defer { lock.unlock() }
        let inputs = inputs.map(localized), mask = maskedByLoop(localized(mask))
        precondition(mask.type == .bool, "Tracer: a native call's mask must be a mask, not \(mask.type)")
        let size = broadcastSize(.nativeCall, inputs + [mask])
        let storage = Storage(uninitializedCount: 4, type: .uint32)
        storage.pointer.storeBytes(of: function, toByteOffset: 0, as: UInt64.self)
        storage.pointer.storeBytes(of: pointer, toByteOffset: 8, as: UInt64.self)
        let pointers = buffer(storage)
        let record = NativeCallRecord(inputCount: inputs.count, outputTypes: outputTypes)
        record.keepAlive = owner
        let call = Node(id: makeNodeID(), op: .nativeCall, type: .bool, size: size, operands: [pointers, mask] + inputs,
                        immediate: UInt32(inputs.count), auxiliary: UInt32(outputTypes.count), storage: nil,
                        context: self)
        call.nativeCall = record
        let outputs = outputTypes.enumerated().map { position, type in
            Node(id: makeNodeID(), op: .nativeCallOutput, type: type, size: size, operands: [call],
                 immediate: UInt32(position), auxiliary: 0, storage: nil, context: self)
        }
        record.outputs = outputs.map { WeakNode(node: $0) }
        _statistics.nodesRecorded += 1 + outputs.count
        return outputs
    }
}
