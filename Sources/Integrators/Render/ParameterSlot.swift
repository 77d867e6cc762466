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
    /// False for a value that Mitsuba's `mi.traverse` lists but Refract neither sets nor differentiates (a texture's
    /// `to_uv`, a `dielectric`'s `eta`, a light's `to_world`): `Scene.fixedParameters` lists it, `SceneParameters`
    /// does not.
    public let isDifferentiable: Bool
    /// Mitsuba's type name for listing ("float", "AffineTransform4f", ...); nil: derived from the shape.
    public let typeName: String?
    /// True when the object that reads this value can render a batch of values (`SlotBatch`).
    public internal(set) var supportsBatches = false

    public init(value: FloatArray, shape: [Int]) {
        precondition(shape.reduce(1, *) == value.count,
                     "ParameterSlot: a value of \(value.count) elements does not have shape \(shape)")
        self.value = value
        self.shape = shape
        isDifferentiable = true
        typeName = nil
    }

    /// A value listed as Mitsuba lists it but not differentiable here: `values` (row-major) of `shape`, under
    /// Mitsuba's type name `type`.
    public init(fixed values: [Float], shape: [Int], type: String) {
        precondition(shape.reduce(1, *) == values.count,
                     "ParameterSlot: \(values.count) fixed values do not have shape \(shape)")
        value = FloatArray(values)
        self.shape = shape
        isDifferentiable = false
        typeName = type
    }

    /// The number of elements of one value.
    var elementCount: Int { shape.reduce(1, *) }
}

extension ParameterSlot {
    /// A number as `mi.traverse` lists a non-differentiable scalar property (type "float").
    static func listing(_ value: Float) -> ParameterSlot {
        ParameterSlot(fixed: [value], shape: [], type: "float")
    }

    /// A placement as `mi.traverse` lists a `to_world`: its 4 × 4 matrix, row-major (type "AffineTransform4f").
    static func listing(_ transform: Transform4) -> ParameterSlot {
        let matrix = transform.matrix.elements
        return ParameterSlot(fixed: (0..<16).map { matrix[$0] }, shape: [4, 4], type: "AffineTransform4f")
    }
}
