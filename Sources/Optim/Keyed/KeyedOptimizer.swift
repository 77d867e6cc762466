// KeyedOptimizer: Dr.Jit's dictionary-like optimisers (Mitsuba's mi.ad.Adam): named arrays, each with its own state.

import Foundation
import Tracer

/// An optimiser that holds named arrays, as Dr.Jit's `dr.opt.Optimizer` (which Mitsuba re-exports as `mi.ad.*`)
/// does: `optimizer[key] = value` registers a detached copy of `value` with gradient tracking; render with it,
/// call `backward()`, then `step()` replaces every value by its update and tracks gradients on the new value.
/// Because it is a sequence of `(key, value)` pairs, `SceneParameters.update(optimizer)` copies the values back into
/// a scene, as Mitsuba's `params.update(opt)` does.
public protocol KeyedOptimizer: AnyObject, Sequence where Element == (key: String, value: FloatArray) {
    /// The learning rate; may change between steps.
    var lr: Double { get set }
    /// The registered keys, in registration order.
    var keys: [String] { get }
    /// The value under `key` (tracking gradients), or nil. Setting registers a new key, or replaces the value of a
    /// known one and keeps its state unless the size changes (then the state starts again, as Dr.Jit's `reset`).
    subscript(key: String) -> FloatArray? { get set }
    /// Updates every value from its gradient; values without a gradient (none reached them) step with a zero
    /// gradient, as in Dr.Jit.
    func step()
    /// Forgets the state of `key` (Dr.Jit's `reset(key)`).
    func reset(_ key: String)
    /// The values and per-key state as tensors: "value.<key>" and "<prefix>.<key>.<state>", for checkpoints.
    func stateTensors() -> [String: SafeTensor]
    /// Restores values and state from the tensors of `stateTensors()`, for the keys registered now; checks every
    /// tensor's size before changing anything.
    func loadState(from tensors: SafeTensors) throws
}

/// What `KeyedAdam` and `KeyedSGD` share: the registered values with their per-key `State`, looked up, set,
/// iterated and reset by key.
public class KeyedOptimizerBase<State> {
    var entries = KeyedEntries<State>()

    init() {}

    /// The registered keys, in registration order.
    public var keys: [String] { entries.keys }

    /// The value under `key` (tracking gradients), or nil; see `KeyedOptimizer`.
    public subscript(key: String) -> FloatArray? {
        get { entries[key]?.value }
        set {
            guard let newValue else { return entries.remove(key) }
            entries.register(key, newValue)
        }
    }

    /// The `(key, value)` pairs in registration order.
    public func makeIterator() -> IndexingIterator<[(key: String, value: FloatArray)]> { entries.pairs.makeIterator() }

    /// Forgets the state of `key` (Dr.Jit's `reset(key)`).
    public func reset(_ key: String) { entries[key]?.state = nil }
}

/// The registry that Dr.Jit-style optimisers share: ordered keys, values tracking gradients, per-key state.
struct KeyedEntries<State> {
    struct Entry {
        var value: FloatArray
        var state: State?
    }

    private(set) var keys: [String] = []
    private var entries: [String: Entry] = [:]

    subscript(key: String) -> Entry? {
        get { entries[key] }
        set { entries[key] = newValue }
    }

    /// Registers `value` (a detached, gradient-tracking copy) under `key`, keeping the state of a known key of the
    /// same size.
    mutating func register(_ key: String, _ value: FloatArray) {
        precondition(value.count > 0, "Optim: parameter '\(key)' is empty")
        var copy = value.detached()
        copy.eval()
        copy.enableGradient()
        if let old = entries[key] {
            entries[key] = Entry(value: copy, state: old.value.count == copy.count ? old.state : nil)
        } else {
            keys.append(key)
            entries[key] = Entry(value: copy, state: nil)
        }
    }

    mutating func remove(_ key: String) {
        entries[key] = nil
        keys.removeAll { $0 == key }
    }

    var pairs: [(key: String, value: FloatArray)] { keys.map { ($0, entries[$0]!.value) } }
}

/// What a checkpoint of a keyed optimiser could not restore.
public struct KeyedOptimizerStateError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension SafeTensors {
    /// The floats of `name`, checked to number `count`.
    func floats(_ name: String, count: Int) throws -> [Float] {
        guard let tensor = self[name] else { throw KeyedOptimizerStateError("the checkpoint has no tensor '\(name)'") }
        guard let values = tensor.floats(), values.count == count else {
            throw KeyedOptimizerStateError("tensor '\(name)' has shape \(tensor.shape) (\(tensor.dtype.rawValue)); expected \(count) float values")
        }
        return values
    }
}
