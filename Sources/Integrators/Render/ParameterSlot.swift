// A differentiable scene value that scene parameters can replace, and the layout of a batched one.
import Tracer

/// A differentiable scene value that `SceneParameters` can replace: the object that uses it reads `value` each
/// time it is evaluated, so setting a new (possibly gradient-tracked) array changes the scene.
public final class ParameterSlot {
    /// The current value, flattened row-major.
    public var value: FloatArray
    /// Its shape, e.g. [H, W, 3] for a bitmap's data.
    public let shape: [Int]
    /// False for a value that Mitsuba's `mi.traverse` lists but Refract neither sets nor differentiates (a texture's
    /// `to_uv`, a `dielectric`'s `eta`, a light's `to_world`): `Scene.fixedParameters` lists it, `SceneParameters`
    /// does not.
    public let isDifferentiable: Bool
    /// Mitsuba's type name for listing ("float", "AffineTransform4f", ...); nil: derived from the shape.
    public let typeName: String?
    /// True when the object that reads this value can render a batch of values (see `SlotBatch`).
    public internal(set) var supportsBatches = false
    /// During a batched render: `value` holds one value per image, one after another, and lane l reads the
    /// value of image ⌊l / lanesPerImage⌋.
    var batch: SlotBatch?

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

    /// Per lane of a batched wavefront of `lanes` lanes: the offset of its image's value in `value` (nil outside
    /// batched renders).
    func batchOffsets(lanes: Int) -> Int32Array? {
        guard let batch else { return nil }
        let elements = Int32(shape.reduce(1, *))
        if let laneImages = batch.laneImages {
            precondition(lanes == laneImages.count,
                         "ParameterSlot: a lookup over \(lanes) lanes in a compacted batch of \(laneImages.count) lanes")
            return batch.valueIndex(ofImage: laneImages) * elements
        }
        precondition(lanes % (batch.images * batch.lanesPerImage) == 0,
                     "ParameterSlot: a lookup over \(lanes) lanes in a batch of \(batch.images) x \(batch.lanesPerImage)")
        return batch.valueIndex(ofImage: batch.originalLaneImages(lanes: lanes)) * elements
    }
}

/// The layout of a batched parameter value: `images` values, read by consecutive runs of `lanesPerImage` lanes.
/// A wavefront may hold the batch more than once (the image's samples, then the replay's): image i reads value
/// i mod `images`.
struct SlotBatch {
    var images: Int
    var lanesPerImage: Int
    /// The image of each lane of the wavefront being traced (`Scene.originalBatchLanes`); nil when lane l is in its
    /// original place, image ⌊l / lanesPerImage⌋.
    var laneImages: Int32Array?

    init(images: Int, lanesPerImage: Int) {
        self.images = images
        self.lanesPerImage = lanesPerImage
    }

    /// The image of each of `lanes` lanes in their original places: lane l belongs to image ⌊l / lanesPerImage⌋.
    func originalLaneImages(lanes: Int) -> Int32Array {
        Int32Array.arange(lanes) / Int32(lanesPerImage)
    }

    /// The value that each lane's image reads.
    func valueIndex(ofImage image: Int32Array) -> Int32Array {
        image - image / Int32(images) * Int32(images)
    }
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
