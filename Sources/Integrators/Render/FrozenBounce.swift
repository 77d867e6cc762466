// The arrays a wavefront bounce reads and writes, in a fixed order, and a bounce frozen to run again on new ones.
import Tracer

/// Everything per lane that a bounce reads and writes: the path state, the samplers' streams, the caller's
/// carried arrays and the image of each lane for batched scene parameters, flattened to nodes in a fixed order.
struct LoopArrays {
    var state: PathState
    var sampler: IndependentSampler
    var carried: [FloatArray]
    /// Per batched scene parameter, the image of each lane (`Scene.originalBatchLanes`).
    var laneImages: [Int32Array]

    /// The state's arrays (`PathState.arrays`, then depth, previousWasDelta and active), the sampler's, the
    /// carried, the lane images.
    var nodes: [Node] {
        state.arrays.map(\.node) + [state.depth.node, state.previousWasDelta.node, state.active.node]
            + sampler.arrays.map(\.node) + carried.map(\.node) + laneImages.map(\.node)
    }

    /// The same layout holding `nodes` (in the order of `nodes`; anything after them is ignored).
    func replacing(_ nodes: [Node]) -> LoopArrays {
        let floats = state.arrays.count, streams = sampler.arrays.count
        func float(_ i: Int) -> FloatArray { FloatArray(node: nodes[i]) }
        var result = self
        result.state = state.replacing(floats: (0..<floats).map(float), depth: UInt32Array(node: nodes[floats]),
                                       previousWasDelta: BoolArray(node: nodes[floats + 1]),
                                       active: BoolArray(node: nodes[floats + 2]))
        let streamStart = floats + 3
        result.sampler.replaceArrays((0..<streams).map { UInt32Array(node: nodes[streamStart + $0]) })
        let carriedStart = streamStart + streams
        result.carried = carried.indices.map { float(carriedStart + $0) }
        let laneImagesStart = carriedStart + carried.count
        result.laneImages = laneImages.indices.map { Int32Array(node: nodes[laneImagesStart + $0]) }
        return result
    }

    /// The lanes `index` names, in its order (a compaction), of every array.
    func keepingLanes(_ index: UInt32Array) -> LoopArrays {
        var result = self
        result.state = state.keepingLanes(index)
        result.sampler.keepLanes(index)
        result.carried = carried.map { $0.keepingLanes(index) }
        result.laneImages = laneImages.map { $0.keepingLanes(index) }
        return result
    }
}

/// A bounce's kernel launch, frozen (`TraceContext.evaluateFreezing`) to run again on the next bounce's arrays.
/// Literal arrays (a ray length that is infinite everywhere, say) are part of the code, not inputs, so the frozen
/// bounce only fits arrays whose literals sit in the same places.
struct FrozenBounce {
    let kernel: FrozenKernel
    let literals: [Bool]

    /// Evaluates `outputs` (the bounce recorded from `inputs`, its nodes after `stepStart`) and freezes the
    /// launch; nil when it cannot be frozen (then `outputs` are evaluated all the same).
    init?(evaluating outputs: [Node], recordedAfter stepStart: NodeID, from inputs: LoopArrays,
          in context: TraceContext) {
        let nodes = inputs.nodes
        guard nodes.allSatisfy({ $0.isEvaluated }),
              let kernel = context.evaluateFreezing(outputs, inputs: nodes.filter { !$0.isLiteral },
                                                    recordedAfter: stepStart) else {
            return nil
        }
        self.kernel = kernel
        literals = nodes.map(\.isLiteral)
    }

    /// The outputs of the frozen bounce on `inputs`, or nil (nothing run) when they do not fit.
    func launch(on inputs: LoopArrays, in context: TraceContext) -> [Node]? {
        let nodes = inputs.nodes
        guard nodes.map(\.isLiteral) == literals else { return nil }
        return context.launch(kernel, inputs: nodes.filter { !$0.isLiteral })
    }
}

extension PathState {
    /// The state with its arrays replaced, `floats` in the order of `arrays`.
    func replacing(floats: [FloatArray], depth: UInt32Array, previousWasDelta: BoolArray, active: BoolArray) -> PathState {
        var state = self
        state.ray = RayArray(origin: Vector3Array(x: floats[0], y: floats[1], z: floats[2]),
                             direction: Vector3Array(x: floats[3], y: floats[4], z: floats[5]), maxT: floats[6])
        state.radiance = Vector3Array(x: floats[7], y: floats[8], z: floats[9])
        state.throughput = Vector3Array(x: floats[10], y: floats[11], z: floats[12])
        state.eta = floats[13]
        state.previousPDF = floats[14]
        state.depth = depth
        state.previousWasDelta = previousWasDelta
        state.active = active
        return state
    }
}
