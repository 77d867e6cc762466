// A differentiable scene value that scene parameters can replace.
import Tracer

/// A differentiable scene value that `SceneParameters` can replace (Mitsuba's `params[key] = x` and
/// `params.update()`). A render never reads `value` during its work: it takes a snapshot of every slot's value when
/// it starts (`RenderBindings`) and its lookups read that, so setting a new (possibly gradient-tracked) array
/// changes what later renders see, and never a render under way or the backward of one already made.
public final class ParameterSlot {
    /// The value set by the user, flattened row-major.
    public var value: FloatArray
    /// Its shape, e.g. [H, W, 3] for a bitmap's data.
    public let shape: [Int]
    /// True when the object that reads this value can render a batch of values (`SlotBatch`).
    public internal(set) var supportsBatches = false

    public init(value: FloatArray, shape: [Int]) {
        precondition(shape.reduce(1, *) == value.count,
                     "ParameterSlot: a value of \(value.count) elements does not have shape \(shape)")
        self.value = value
        self.shape = shape
    }

    /// The number of elements of one value.
    var elementCount: Int { shape.reduce(1, *) }
}
