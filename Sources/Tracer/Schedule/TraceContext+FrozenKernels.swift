// Frozen kernels: one kernel launch captured as it runs, then launched again on other arrays of the same layout
// without recording, graph walks or kernel building (Dr.Jit's frozen functions, for a single kernel).
//
// A wavefront loop records the same bounce over and over: only the arrays change. Recording it (a thousand nodes),
// walking the graph and building the kernel cost about 1.5 ms of host time per bounce, during which no kernel runs.
// Freezing captures the launch of one recorded iteration, naming its inputs and outputs by position; replaying it
// binds the next iteration's arrays to the same slots and runs the cached kernel.
import Foundation

/// A captured kernel launch. Inputs and outputs are named by their position in the lists given at capture; every
/// other buffer is the very buffer of the capture on every launch: data read (a scene's texture) and scatter
/// targets, so that scatter-adds accumulate over all launches into the buffer the captured step scattered into (the
/// adjoint buffer that autodiff made for that step and added to the gradient: the later steps' terms land there
/// instead of in buffers of their own, the same sum in another order). Only valid while the computation would
/// record the same graph for arrays of the same layout, while the data read stays what it was, and while scatter
/// targets are read only after the last launch: the caller's contract, as for Dr.Jit's frozen functions.
package struct FrozenKernel {
    enum Binding {
        /// inputs[i], of the launch's size (`sized`) or of the captured element count.
        case input(Int, sized: Bool, count: Int)
        /// The same buffer on every launch.
        case fixed(Storage)
        /// A fresh array of the launch's size: outputs[i].
        case output(Int)
        /// Per-block partial results of the reduction outputs[i].
        case partials(Int, ReductionKind)
        /// A fresh out-of-range counter.
        case boundsCounter
        /// A fresh zero-filled buffer of `count` elements that the kernel scatter-adds into: outputs[i].
        case accumulator(Int, count: Int)
        /// A fresh array of the launch's size that no result uses: an output of a loop or dispatch that the step
        /// kept alive but did not return (stored at capture so that the construct runs once).
        case discarded
    }

    /// Where an output comes from when the kernel does not store it.
    enum Result {
        case kernel
        case input(Int)
        case literal(Node)
    }

    let program: KernelProgram
    /// The captured launch's lanes: the size of a launch whose inputs are none of that size (a render whose lanes
    /// come from a lane index, not from an input array).
    let size: Int
    let bindings: [Binding]
    let results: [Result]
    let inputTypes: [ScalarType]
}

extension TraceContext {
    /// The id of the newest node: nodes recorded from now on have larger ids.
    package var lastNodeID: NodeID {
        lock.lock()
        defer { lock.unlock() }
        return NodeID(rawValue: newestNodeID)
    }

    /// Evaluates `outputs` as `evaluate` does and returns the launch frozen, or nil when it cannot be: the
    /// evaluation must run exactly one elementwise kernel (no block outputs, no assignments); each output must be
    /// stored or reduced by it, be one of `inputs` (evaluated arrays, each its own buffer), or be a literal; and no
    /// expression that the step recorded (nodes after `stepStart`, taken with `lastNodeID` before recording it) and
    /// left pending may read its inputs or results (a launch would not redo that work). Inputs are matched to the
    /// kernel's buffers by identity, scatter targets included; a buffer that is no input stays fixed.
    ///
    /// A step with a native call is frozen only with `allowingNativeCalls`: the caller vouches that the functions
    /// and contexts it calls stay valid, and the same, for every launch (a scene's ray queries, which the caller
    /// keeps alive). With `buffersMadeAfter` (`Storage.lastSerial` taken when the step began), a buffer that the
    /// step made and that is no input (per-step data the caller did not name) makes the launch unfreezable: frozen,
    /// it would be that step's buffer forever. Native calls' pointer buffers are exempt (made by every recording).
    ///
    /// With `accumulating`, an output that is a buffer the step made zero-filled and only scatter-adds into (the
    /// buffers in which a symbolic loop's body collects adjoints, `collectingBodyAdjoints`) is made afresh, zero-filled,
    /// by every launch and returned in its position; work the step left pending on it (the backward pass that
    /// carries it on to the leaves) is the caller's to record again after each launch.
    package func evaluateFreezing(_ outputs: [Node], inputs: [Node], recordedAfter stepStart: NodeID,
                                  allowingNativeCalls: Bool = false,
                                  buffersMadeAfter serial: UInt64? = nil) -> FrozenKernel? {
        evaluateFreezing(outputs, inputBuffers: inputs.map { $0.isLiteral ? nil : $0.storage },
                         recordedAfter: stepStart, allowingNativeCalls: allowingNativeCalls, buffersMadeAfter: serial)
    }

    /// True while scatters, scatter-adds or assignments are queued: a step recorded now would run them in its
    /// launch, and a frozen kernel cannot be launched (`launch(_:inputs:)`).
    package var hasQueuedSideEffects: Bool {
        lock.withLock { !sideEffects.isEmpty }
    }

    /// `evaluateFreezing(_:inputs:...)` with the inputs given by their buffers (nil: an input that is no buffer,
    /// which makes the launch unfreezable), for a caller that must not hold their nodes while it records the step:
    /// a node held twice is copied before a scatter writes into it, and the step would write into a buffer that is no
    /// input.
    package func evaluateFreezing(_ outputs: [Node], inputBuffers inputs: [Storage?], recordedAfter stepStart: NodeID,
                                  allowingNativeCalls: Bool = false,
                                  buffersMadeAfter serial: UInt64? = nil,
                                  accumulating: Bool = false) -> FrozenKernel? {
        lock.lock()
        defer { lock.unlock() }
        let previous = capturedLaunches
        capturedLaunches = []
        evaluate(outputs)
        let launches = capturedLaunches ?? []
        capturedLaunches = previous.map { $0 + launches }
        // A native call's function and context pointers are a buffer the step made; frozen, they would stay those
        // of the captured step, so such a step is frozen only where the caller vouches for them.
        guard launches.count == 1, let launch = launches.first,
              allowingNativeCalls || !launch.program.instructions.contains(where: { $0.op == .nativeCall })
        else { return nil }
        // Accumulators: outputs that are buffers made by the step and scatter-added into by the kernel, each in one
        // slot only (a kernel that also read one would read the zeros of a fresh launch).
        var accumulatorPositions: [ObjectIdentifier: Int] = [:]
        if accumulating {
            let slotCounts = Dictionary(launch.storages.map { (ObjectIdentifier($0), 1) }, uniquingKeysWith: +)
            for (position, output) in outputs.enumerated() {
                guard let storage = output.storage, !output.isLiteral, let serial, storage.serial > serial,
                      slotCounts[ObjectIdentifier(storage)] == 1,
                      let slot = launch.storages.firstIndex(where: { $0 === storage }),
                      launch.program.slots[slot].role == .scatterAddTarget else { continue }
                accumulatorPositions[ObjectIdentifier(storage)] = position
            }
        }
        guard !deferredWorkReads(launch.outputs.map(\.node) + launch.reductions.map(\.node),
                                 buffers: inputs.compactMap { $0 }, recordedAfter: stepStart) else { return nil }
        // Each input its own buffer and each computed output its own node: a position that shares one with another
        // at capture need not later, and the launch would bind only one of them.
        var inputPositions: [ObjectIdentifier: Int] = [:]
        for (position, input) in inputs.enumerated() {
            guard let storage = input,
                  inputPositions.updateValue(position, forKey: ObjectIdentifier(storage)) == nil else { return nil }
        }
        var outputPositions: [ObjectIdentifier: Int] = [:]
        for (position, output) in outputs.enumerated() where !output.isLiteral {
            guard outputPositions.updateValue(position, forKey: ObjectIdentifier(output)) == nil else { return nil }
        }
        var results = [FrozenKernel.Result?](repeating: nil, count: outputs.count)
        var bindings: [FrozenKernel.Binding] = []
        let pointerSlots = Set(launch.program.instructions.filter { $0.op == .nativeCall }.map { Int($0.immediate) })
        for (slot, description) in launch.program.slots.enumerated() {
            let storage = launch.storages[slot]
            switch description.role {
            case .input, .gatherSource, .scatterTarget, .scatterAddTarget:
                if let position = accumulatorPositions[ObjectIdentifier(storage)] {
                    bindings.append(.accumulator(position, count: storage.count))
                    results[position] = .kernel
                } else if let position = inputPositions[ObjectIdentifier(storage)] {
                    bindings.append(.input(position, sized: storage.count == launch.size, count: storage.count))
                } else if let serial, storage.serial > serial, !pointerSlots.contains(slot) {
                    return nil
                } else {
                    bindings.append(.fixed(storage))
                }
            case .output:
                guard let node = launch.outputs.first(where: { $0.slot == slot })?.node else { return nil }
                guard let position = outputPositions[ObjectIdentifier(node)] else {
                    bindings.append(.discarded)
                    continue
                }
                bindings.append(.output(position))
                results[position] = .kernel
            case .reductionPartials:
                guard let reduction = launch.reductions.first(where: { $0.slot == slot }),
                      let position = outputPositions[ObjectIdentifier(reduction.node)] else { return nil }
                bindings.append(.partials(position, reduction.kind))
                results[position] = .kernel
            case .boundsCounter:
                bindings.append(.boundsCounter)
            case .blockOutput, .assignTarget, .productOutput:
                return nil
            }
        }
        for (position, output) in outputs.enumerated() where results[position] == nil {
            if let storage = output.storage, !output.isLiteral, let input = inputs.firstIndex(where: { $0 === storage }) {
                results[position] = .input(input)
            } else if output.isLiteral {
                results[position] = .literal(output)
            } else {
                return nil
            }
        }
        return FrozenKernel(program: launch.program, size: launch.size, bindings: bindings, results: results.map { $0! },
                            inputTypes: inputs.map { $0!.type })
    }

    /// True when an expression recorded by the step (after `stepStart`) and still pending (referenced, not
    /// evaluated) reads one of `arrays` or `buffers`: work that the step deferred (a gradient term summed later, say) and that a
    /// launch of the frozen kernel would not redo. Deferred work that reads only other buffers (autodiff adding the
    /// step's adjoint buffer to a gradient, which later launches keep accumulating into) is fine.
    private func deferredWorkReads(_ arrays: [Node], buffers: [Storage], recordedAfter stepStart: NodeID) -> Bool {
        valueNumbers.purge()
        let watched = Set(arrays.map(ObjectIdentifier.init))
        let watchedBuffers = Set(buffers.map(ObjectIdentifier.init))
        let epoch = Self.freshEpoch()
        var stack = valueNumbers.heldNodes.filter { $0.id > stepStart }
        while let node = stack.popLast() {
            guard node.visitEpoch != epoch else { continue }
            node.visitEpoch = epoch
            if watched.contains(ObjectIdentifier(node)) { return true }
            if let storage = node.storage, watchedBuffers.contains(ObjectIdentifier(storage)) { return true }
            if !node.isEvaluated { stack.append(contentsOf: node.operands) }
        }
        return false
    }

    /// Launches `frozen` with `inputs` (evaluated arrays of the captured types, those of the launch's size all of
    /// one size, which may differ from the captured one; without such inputs, the captured size) and returns the
    /// outputs in their captured positions, evaluated; nil, with nothing run, when the inputs do not fit, a buffer
    /// that is no input would be read per lane at another size, or side effects are queued (the recorded path would
    /// run them first).
    package func launch(_ frozen: FrozenKernel, inputs: [Node]) -> [Node]? {
        lock.lock()
        defer { lock.unlock() }
        guard sideEffects.isEmpty, inputs.count == frozen.inputTypes.count,
              frozen.program.vectorWidth == vectorWidth,
              zip(inputs, frozen.inputTypes).allSatisfy({ $0.isEvaluated && !$0.isLiteral && $0.type == $1 })
        else { return nil }
        var inputSize: Int?
        for binding in frozen.bindings {
            guard case let .input(position, sized, count) = binding else { continue }
            let actual = inputs[position].storage!.count
            if sized {
                guard inputSize == nil || inputSize == actual else { return nil }
                inputSize = actual
            } else if actual != count {
                return nil
            }
        }
        let size = inputSize ?? frozen.size
        guard size > 0 else { return nil }
        // A buffer that is no input and is read one element per lane has the captured size: launched on another
        // size, those lanes would read it wrongly.
        for (slot, binding) in frozen.bindings.enumerated() {
            guard case let .fixed(storage) = binding, frozen.program.slots[slot].role == .input else { continue }
            if storage.count != 1 && storage.count != size { return nil }
        }
        let blockSize = launchBlockSize(size: size, unit: vectorWidth)
        let blocks = (size + blockSize - 1) / blockSize
        var storages: [Storage] = []
        var outputs: [(node: Node, slot: Int)] = []
        var reductions: [(node: Node, slot: Int, kind: ReductionKind)] = []
        var produced = [Node?](repeating: nil, count: frozen.results.count)
        var allocatedBytes = 0
        for (slot, binding) in frozen.bindings.enumerated() {
            let type = frozen.program.slots[slot].type
            switch binding {
            case let .input(position, _, _):
                storages.append(inputs[position].storage!)
            case let .fixed(storage):
                storages.append(storage)
            case let .output(position):
                let storage = Storage(uninitializedCount: size, type: type)
                allocatedBytes += storage.capacity * 4
                let node = Node(id: makeNodeID(), op: .buffer, type: type, size: size, operands: [], immediate: 0,
                                auxiliary: 0, storage: nil, context: self)
                storages.append(storage)
                outputs.append((node, slot))
                produced[position] = node
            case let .partials(position, kind):
                storages.append(Storage(count: max(blocks, 1), type: type))
                let node = Node(id: makeNodeID(), op: .buffer, type: type, size: 1, operands: [], immediate: 0,
                                auxiliary: 0, storage: nil, context: self)
                reductions.append((node, slot, kind))
                produced[position] = node
            case .boundsCounter:
                storages.append(Storage(count: 2, type: .uint32))
            case let .accumulator(position, count):
                let storage = Storage(count: count, type: type)
                allocatedBytes += storage.capacity * 4
                storages.append(storage)
                produced[position] = Node(id: makeNodeID(), op: .buffer, type: type, size: count, operands: [],
                                          immediate: 0, auxiliary: 0, storage: storage, context: self)
            case .discarded:
                let storage = Storage(uninitializedCount: size, type: type)
                allocatedBytes += storage.capacity * 4
                storages.append(storage)
            }
        }
        _statistics.allocatedBytes += allocatedBytes
        run(KernelLaunch(program: frozen.program, storages: storages, outputs: outputs, reductions: reductions,
                         size: size, blockSize: blockSize, allocatedBytes: allocatedBytes))
        return frozen.results.enumerated().map { position, result in
            switch result {
            case .kernel: produced[position]!
            case let .input(input): inputs[input]
            case let .literal(node): node
            }
        }
    }
}
