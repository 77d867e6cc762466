// The arrays a wavefront bounce reads and writes, in a fixed order, and a bounce frozen to run again on new ones.
import Tracer

/// Everything per lane that a bounce reads and writes: the path state, the samplers' streams, the caller's
/// carried arrays and the image of each lane for batched scene parameters, flattened to nodes in a fixed order.
struct LoopArrays: TraversableStruct {
    var state: PathState
    var sampler: Sampler
    var carried: [FloatArray]
    /// Per batched scene parameter, the image of each lane (`RenderBindings.originalLaneImages`).
    var laneImages: [Int32Array]

    /// Visits the state, the sampler's streams, the carried arrays and the lane images, in that order.
    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        state.traverse(&visitor)
        sampler.traverse(&visitor)
        carried.traverse(&visitor)
        laneImages.traverse(&visitor)
    }

    /// Every array's node, in traversal order.
    var nodes: [Node] { tracedNodes }

    /// The same layout holding `nodes` (in the order of `nodes`; anything after them is ignored).
    func replacing(_ nodes: [Node]) -> LoopArrays { replacingNodes(nodes) }

    /// The lanes `index` names, in its order (a compaction), of every array.
    func keepingLanes(_ index: UInt32Array) -> LoopArrays {
        var result = self
        result.state = state.keepingLanes(index)
        result.sampler.keepLanes(index)
        result.carried = carried.keepingLanes(index)
        result.laneImages = laneImages.keepingLanes(index)
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
    /// launch; nil when it cannot be frozen (then `outputs` are evaluated all the same). `launchesBefore` is the
    /// context's launch count before the bounce was recorded: a bounce that launched other kernels of its own (a
    /// dispatch with scatter-adds, such as the PRB adjoint's differentiable BSDF dispatch, runs in a kernel of its
    /// own) is not frozen, since a launch of the frozen kernel would not redo their work.
    init?(evaluating outputs: [Node], recordedAfter stepStart: NodeID, launchesBefore: Int, from inputs: LoopArrays,
          in context: TraceContext) {
        let nodes = inputs.nodes
        guard nodes.allSatisfy({ $0.isEvaluated }),
              let kernel = context.evaluateFreezing(outputs, inputs: nodes.filter { !$0.isLiteral },
                                                    recordedAfter: stepStart),
              context.statistics.kernelsLaunched - launchesBefore == 1 else {
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
