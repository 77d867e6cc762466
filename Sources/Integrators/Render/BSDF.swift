// The interface every BSDF plugin implements: sampling, evaluation and pdf in the local shading frame.
import Tracer

/// Which kinds of scattering a BSDF has (Mitsuba's BSDFFlags, the subset the plugins need).
public struct BSDFFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let diffuseReflection = BSDFFlags(rawValue: 1 << 0)
    public static let deltaReflection = BSDFFlags(rawValue: 1 << 1)
    public static let deltaTransmission = BSDFFlags(rawValue: 1 << 2)
    public static let frontSide = BSDFFlags(rawValue: 1 << 3)
    public static let backSide = BSDFFlags(rawValue: 1 << 4)
    public static let glossyReflection = BSDFFlags(rawValue: 1 << 5)
    public static let glossyTransmission = BSDFFlags(rawValue: 1 << 6)
    public static let diffuseTransmission = BSDFFlags(rawValue: 1 << 7)
    /// A lobe that lets light pass unchanged (Mitsuba's `Null`: `mask`'s transparent part, `thindielectric`'s
    /// straight-through transmission).
    public static let null = BSDFFlags(rawValue: 1 << 8)
    /// The parameters depend on the surface position (Mitsuba's `SpatiallyVarying`).
    public static let spatiallyVarying = BSDFFlags(rawValue: 1 << 9)

    /// Diffuse or glossy lobes: the BSDF can be evaluated for a given direction, so next event estimation helps.
    public var hasSmooth: Bool {
        !isDisjoint(with: [.diffuseReflection, .diffuseTransmission, .glossyReflection, .glossyTransmission])
    }
    /// Only Dirac lobes (a null lobe counts as one, as in Mitsuba's `Delta`).
    public var isDelta: Bool { !hasSmooth && !isDisjoint(with: [.deltaReflection, .deltaTransmission, .null]) }
}

/// The result of sampling a BSDF, per lane (meaningful where the sample is valid: weight 0 otherwise).
public struct BSDFSample {
    /// Sampled outgoing direction wo, in the local shading frame.
    public var wo: Vector3Array
    /// Solid-angle density of wo, or the discrete lobe probability for a Dirac lobe (then detached).
    public var pdf: FloatArray
    /// Relative index of refraction along the sampled path (1 for reflection).
    public var eta: FloatArray
    /// BSDF value times |cos θo| divided by pdf (Mitsuba's `bsdf_weight`), RGB.
    public var weight: Vector3Array
    /// True where the sampled lobe is a Dirac delta.
    public var isDelta: BoolArray

    public init(wo: Vector3Array, pdf: FloatArray, eta: FloatArray, weight: Vector3Array, isDelta: BoolArray) {
        self.wo = wo
        self.pdf = pdf
        self.eta = eta
        self.weight = weight
        self.isDelta = isDelta
    }
}

extension BSDFSample: TraversableStruct {
    /// Visits wo, pdf, eta, weight and isDelta, in that order.
    public mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        wo.traverse(&visitor)
        pdf.traverse(&visitor)
        eta.traverse(&visitor)
        weight.traverse(&visitor)
        isDelta.traverse(&visitor)
    }
}

/// A BSDF plugin (`diffuse`, `twosided`, `dielectric`). Directions are in the local shading frame (`si.wi`),
/// radiance transport mode, all components.
public protocol BSDF {
    /// The union of the lobes' flags.
    var flags: BSDFFlags { get }
    /// Samples wo given the 1D sample `u1` (lobe choice) and 2D sample `u2` (direction).
    func sample(_ si: SurfaceInteraction, u1: FloatArray, u2: Point2Array, active: BoolArray) -> BSDFSample
    /// f(wi, wo) |cos θo|, RGB (0 for Dirac lobes).
    func eval(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray) -> Vector3Array
    /// The solid-angle pdf of sampling wo (0 for Dirac lobes).
    func pdf(_ si: SurfaceInteraction, wo: Vector3Array, active: BoolArray) -> FloatArray
    /// The differentiable values of this BSDF, under keys relative to it (e.g. "reflectance.data").
    var parameters: [(key: String, slot: ParameterSlot)] { get }
    /// True when its values depend on the surface coordinates `si.uv` (a textured parameter). Shapes whose BSDF
    /// does not read them skip computing them (a sphere's uv costs two atan2 per hit).
    var readsSurfaceCoordinates: Bool { get }
    /// The albedo of its diffuse part, RGB (Mitsuba's `eval_diffuse_reflectance`, the `aov` integrator's albedo).
    func diffuseReflectance(_ si: SurfaceInteraction, active: BoolArray) -> Vector3Array
}

extension BSDF {
    /// 0: no diffuse part (the default).
    public func diffuseReflectance(_ si: SurfaceInteraction, active: BoolArray) -> Vector3Array {
        Vector3Array(repeating: Vector3f(0, 0, 0), count: 1)
    }
}

/// A texture: a spatially varying RGB value looked up by surface coordinates.
public protocol Texture {
    /// The value at `uv`, RGB.
    func eval(_ uv: Point2Array, active: BoolArray) -> Vector3Array
    /// The value at `uv` as one number (Mitsuba's `eval_1`, what `mask` and `blendbsdf` read): by default the
    /// luminance of `eval`, as Mitsuba's bitmap computes it.
    func evalScalar(_ uv: Point2Array, active: BoolArray) -> FloatArray
    /// The differentiable values of this texture, under keys relative to it (e.g. "data").
    var parameters: [(key: String, slot: ParameterSlot)] { get }
    /// True when the value depends on `uv`.
    var readsSurfaceCoordinates: Bool { get }
    /// The texture's mean value, one number (Mitsuba's `Texture::mean`: the average of the channels of a constant,
    /// the mean luminance of a bitmap's texels), read on the host: BSDFs weigh their lobes' sampling by it.
    var mean: Float { get }
    /// The value at a hit, RGB: by default `eval(si.uv)`; textures that read more of the hit (`mesh_attribute`)
    /// replace it. Plugins look textures up through this.
    func eval(_ si: SurfaceInteraction, active: BoolArray) -> Vector3Array
    /// The scalar value at a hit: by default `evalScalar(si.uv)`.
    func evalScalar(_ si: SurfaceInteraction, active: BoolArray) -> FloatArray
    /// True when `evalGradient` is defined (Mitsuba implements `eval_1_grad` for `bitmap` and uniform values only).
    var hasGradient: Bool { get }
    /// The gradient (∂f/∂u, ∂f/∂v) of the scalar value at a hit (Mitsuba's `eval_1_grad`); nil when the texture has
    /// none (`hasGradient` is false).
    func evalGradient(_ si: SurfaceInteraction, active: BoolArray) -> Point2Array?
}

extension Texture {
    /// `eval(si.uv)`.
    public func eval(_ si: SurfaceInteraction, active: BoolArray) -> Vector3Array { eval(si.uv, active: active) }
    /// `evalScalar(si.uv)`.
    public func evalScalar(_ si: SurfaceInteraction, active: BoolArray) -> FloatArray {
        evalScalar(si.uv, active: active)
    }
    /// False: no gradient unless the texture defines one.
    public var hasGradient: Bool { false }
    /// nil: no gradient unless the texture defines one.
    public func evalGradient(_ si: SurfaceInteraction, active: BoolArray) -> Point2Array? { nil }
}

extension Texture {
    /// The luminance of the RGB value: 0.212671 R + 0.715160 G + 0.072169 B (Mitsuba's `luminance`).
    public func evalScalar(_ uv: Point2Array, active: BoolArray) -> FloatArray {
        let rgb = eval(uv, active: active)
        return rgb.x * Float(0.212671) + rgb.y * Float(0.715160) + rgb.z * Float(0.072169)
    }
}

/// A differentiable scene value that `SceneParameters` can replace: the object that uses it reads `value` each
/// time it is evaluated, so setting a new (possibly gradient-tracked) array changes the scene.
public final class ParameterSlot {
    /// The current value, flattened row-major.
    public var value: FloatArray
    /// Its shape, e.g. [H, W, 3] for a bitmap's data.
    public let shape: [Int]
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
