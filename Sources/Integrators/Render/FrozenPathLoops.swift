// Symbolic path loops frozen for a scene rendered again and again: recorded once, launched again on new inputs.
import Foundation
import Tracer

/// The path-loop kernels of a scene that renders again and again with new seeds and parameter values (an
/// optimisation loop, a farm worker's frames), frozen as Dr.Jit's frozen functions freeze a function: the first
/// render records the loop and builds its kernel as usual and keeps the launch (`TraceContext.evaluateFreezing`);
/// a later render whose inputs have the same structure, in the same context, launches that kernel on its own
/// buffers without recording the loop (in the Cornell box's optimisation, the host time before each render's kernel
/// fell from 3.8-4.8 ms to about 2 ms, time in which no kernel runs). Every scene does this unless
/// `IntegratorSettings.freezesPathLoops` is off; a structure whose recordings cannot be frozen (`refusalLimit`
/// times) is recorded from then on without trying.
///
/// The inputs are everything the loop is handed: the camera rays, the samplers' seeds, every parameter slot's value
/// and the PRB replay's hit log, compared by structure (`TraceContext.inputStructure`: operations, sizes and
/// literal values, so that another film size, sample count or seed layout records anew). What a frozen kernel keeps
/// as it was recorded is the rest of the scene: its geometry, materials, emitters and their fixed data, which a
/// scene never changes (its parameters are values that renders snapshot, `RenderBindings`), and the integrator's
/// settings, which are compared. A render whose buffers the kernel would not name (data made during the render that
/// is no input) is never frozen.
///
/// PRB's adjoint loop is frozen too: its body's backward pass scatter-adds the adjoints of the parameter values it
/// reads into buffers of its own (`TraceContext.collectingBodyAdjoints`), which a frozen launch makes afresh, and
/// the backward pass from them to the render's gradient leaves is recorded again after each launch (a few
/// operations, where the loop's recording is thousands).
public final class FrozenPathLoops: @unchecked Sendable {
    /// What a kept kernel or a refusal is for: a structure of inputs, rendered with `settings` in a context (whose
    /// nodes a kernel's results may name; other contexts record anew), named by its identity: a key neither keeps
    /// the context alive nor references it weakly (`TraceContext.identity`).
    private struct Key {
        let structure: Int
        let settings: IntegratorSettings
        let contextIdentity: UInt64

        init(structure: Int, settings: IntegratorSettings, context: TraceContext) {
            (self.structure, self.settings, contextIdentity) = (structure, settings, context.identity)
        }

        func matches(_ other: Key) -> Bool {
            structure == other.structure && settings == other.settings && contextIdentity == other.contextIdentity
        }

        /// Whether the context is gone (its entries can never match again).
        var isStale: Bool { !TraceContext.isLive(contextIdentity) }
    }

    private struct Entry {
        let key: Key
        let kernel: FrozenKernel
        /// For an adjoint loop: per accumulator output, the position of the parameter value whose adjoint it holds.
        let gradientPositions: [Int]
    }

    private let lock = NSLock()
    private var entries: [Entry] = []
    /// The recordings whose launch could not be frozen, per key: after `refusalLimit` of them, renders with that key
    /// stop trying (the checks that freezing adds to a recording are then saved).
    private var refusals: [(key: Key, count: Int)] = []
    static let refusalLimit = 2
    /// Launches that ran a frozen kernel instead of recording, captures kept and recordings refused (what tests check).
    private(set) var launches = 0
    private(set) var captures = 0
    var refused: Int { lock.withLock { refusals.reduce(0) { $0 + $1.count } } }
    /// The most kernels kept, and keys refused: one per input layout a caller alternates between (a render and a
    /// gradient render).
    static let capacity = 8

    public init() {}

    func kernel(structure: Int, settings: IntegratorSettings, context: TraceContext)
        -> (kernel: FrozenKernel, gradientPositions: [Int])? {
        let key = Key(structure: structure, settings: settings, context: context)
        return lock.withLock {
            entries.first { $0.key.matches(key) }.map { ($0.kernel, $0.gradientPositions) }
        }
    }

    /// False once recordings with this key were refused `refusalLimit` times.
    func mayFreeze(structure: Int, settings: IntegratorSettings, context: TraceContext) -> Bool {
        let key = Key(structure: structure, settings: settings, context: context)
        return lock.withLock { (refusals.first { $0.key.matches(key) }?.count ?? 0) < Self.refusalLimit }
    }

    /// Keeps `kernel` for the key, or counts a refusal when it is nil.
    func keep(_ kernel: FrozenKernel?, structure: Int, settings: IntegratorSettings, context: TraceContext,
              gradientPositions: [Int]) {
        let key = Key(structure: structure, settings: settings, context: context)
        lock.withLock {
            guard let kernel else {
                let count = (refusals.first { $0.key.matches(key) }?.count ?? 0) + 1
                refusals.removeAll { $0.key.matches(key) || $0.key.isStale }
                if refusals.count == Self.capacity { refusals.removeFirst() }
                refusals.append((key, count))
                return
            }
            entries.removeAll { $0.key.matches(key) || $0.key.isStale }
            if entries.count == Self.capacity { entries.removeFirst() }
            entries.append(Entry(key: key, kernel: kernel, gradientPositions: gradientPositions))
            captures += 1
        }
    }

    func countLaunch() { lock.withLock { launches += 1 } }
}

extension Scene {
    /// Drops the frozen loops of this scene (not those of copies made before the change that calls it), for a change
    /// of what the loops bake in.
    mutating func forgetFrozenPathLoops() {
        frozenPathLoops = FrozenPathLoops()
    }
}

/// One symbolic path loop's inputs, ready to launch a frozen kernel on or to freeze the loop's launch with.
struct FrozenPathLoopStep {
    let loops: FrozenPathLoops
    let settings: IntegratorSettings
    let structure: Int
    /// The buffers the inputs read, in `inputStructure`'s order (held as buffers while the loop records, so that
    /// the hit log's arrays stay the loop's only holders and its scatters write into them, not into copies).
    let buffers: [Storage]
    /// Every parameter slot's bound value, in the scene's slot order (an adjoint loop's gradients reach these).
    let values: [FloatArray]
    let start: NodeID
    let serial: UInt64

    /// The step of a loop over `roots` (the arrays handed to it) in `scene`, nil when the scene does not freeze its
    /// loops or the inputs cannot be compared; `layout` holds what else the recording bakes in (lane counts, say).
    /// `differentiating` marks PRB's adjoint loop, whose kernel depends on which values track gradients too.
    /// With `launched`, a frozen kernel fit the inputs and ran: its outputs (for an adjoint loop, the outputs the
    /// caller named, its gradients already carried on to the render's leaves).
    static func prepare(scene: Scene, roots: [Node], bindings: RenderBindings, layout: [Int],
                        differentiating: Bool = false) -> (step: FrozenPathLoopStep?, launched: [Node]?) {
        let context = TraceContext.current
        guard scene.integrator.freezesPathLoops, !bindings.isBatched, !context.hasQueuedSideEffects else {
            return (nil, nil)
        }
        let loops = scene.frozenPathLoops
        let values = scene.parameters.allSlots.map { bindings.value(of: $0) }
        guard let inputs = context.inputStructure(of: roots + values.map(\.node)) else { return (nil, nil) }
        var hasher = Hasher()
        hasher.combine(inputs.hash)
        hasher.combine(layout)
        hasher.combine(differentiating)
        if differentiating { hasher.combine(values.map(\.requiresGradient)) }
        let structure = hasher.finalize()
        if let (kernel, gradientPositions) = loops.kernel(structure: structure, settings: scene.integrator,
                                                          context: context),
           let outputs = context.launch(kernel, inputs: inputs.buffers) {
            loops.countLaunch()
            let accumulators = outputs.suffix(gradientPositions.count).map { FloatArray(node: $0) }
            backward(Array(zip(gradientPositions.map { values[$0] }, accumulators)))
            return (nil, Array(outputs.dropLast(gradientPositions.count)))
        }
        guard loops.mayFreeze(structure: structure, settings: scene.integrator, context: context) else {
            return (nil, nil)
        }
        let step = FrozenPathLoopStep(loops: loops, settings: scene.integrator, structure: structure,
                                      buffers: inputs.buffers.map { $0.storage! }, values: values,
                                      start: context.lastNodeID, serial: Storage.lastSerial)
        return (step, nil)
    }

    /// Evaluates the recorded loop's `outputs` and keeps the launch frozen when it can be.
    func evaluate(_ outputs: [Node]) {
        let context = TraceContext.current
        let kernel = context.evaluateFreezing(outputs, inputBuffers: buffers, recordedAfter: start,
                                              allowingNativeCalls: true, buffersMadeAfter: serial)
        loops.keep(kernel, structure: structure, settings: settings, context: context, gradientPositions: [])
    }

    /// Records an adjoint loop (`record`, returning its outputs) collecting the adjoints its body hands over, then
    /// evaluates the outputs with those adjoints' buffers and keeps the launch frozen when it can be. Returns the
    /// outputs, evaluated when frozen, else left pending as the loop left them.
    func recordDifferentiating(_ record: () -> [Node]) -> [Node] {
        let context = TraceContext.current
        let (outputs, accumulators) = context.collectingBodyAdjoints(of: values, record)
        guard let accumulators else {
            loops.keep(nil, structure: structure, settings: settings, context: context, gradientPositions: [])
            return outputs
        }
        let kernel = context.evaluateFreezing(outputs + accumulators.map(\.buffer.node), inputBuffers: buffers,
                                              recordedAfter: start, allowingNativeCalls: true,
                                              buffersMadeAfter: serial, accumulating: true)
        loops.keep(kernel, structure: structure, settings: settings, context: context,
                   gradientPositions: accumulators.map(\.position))
        return outputs
    }
}
