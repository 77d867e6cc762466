// The interface every emitter plugin implements: direction sampling toward it, its pdf and its emitted radiance.
import Tracer

/// What kind of light an emitter is (Mitsuba's EmitterFlags).
public struct EmitterFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// A point (point, spot and projector lights): reached only by sampling it, never by a ray.
    public static let deltaPosition = EmitterFlags(rawValue: 1 << 0)
    /// A single direction (the directional light): reached only by sampling it.
    public static let deltaDirection = EmitterFlags(rawValue: 1 << 1)
    /// At infinity: rays that leave the scene see it (constant, envmap, directional).
    public static let infinite = EmitterFlags(rawValue: 1 << 2)
    /// On a shape's surface (area lights): rays that hit the shape see it.
    public static let surface = EmitterFlags(rawValue: 1 << 3)

    /// Position or direction is a Dirac delta.
    public var isDelta: Bool { !isDisjoint(with: [.deltaPosition, .deltaDirection]) }
}

/// A point on an emitter as seen from a reference point (Mitsuba's `DirectionSample3f` for emitters).
public struct EmitterSample: TraversableStruct {
    /// The point on the emitter (for lights at infinity, a point beyond all geometry along d).
    public var p: Vector3Array
    /// The emitter's normal at p (zero for point lights).
    public var n: Vector3Array
    /// The unit direction from the reference point toward p.
    public var d: Vector3Array
    /// The distance from the reference point to p.
    public var dist: FloatArray
    /// The solid-angle density of d (1 for a Dirac emitter; 0 where the sample failed).
    public var pdf: FloatArray
    /// True where the emitter is a Dirac delta (no MIS with BSDF sampling).
    public var isDelta: BoolArray
    /// The surface coordinates of p on an area light whose radiance varies over its surface (Mitsuba's `ds.uv`,
    /// which its density and radiance are looked up at); nil where no emitter needs them, so that other scenes
    /// carry no extra values.
    public var uv: Point2Array?

    public init(p: Vector3Array, n: Vector3Array, d: Vector3Array, dist: FloatArray, pdf: FloatArray,
                isDelta: BoolArray, uv: Point2Array? = nil) {
        self.p = p
        self.n = n
        self.d = d
        self.dist = dist
        self.pdf = pdf
        self.isDelta = isDelta
        self.uv = uv
    }

    /// Visits p, n, d, dist, pdf, isDelta and, when present, uv, in that order.
    public mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        p.traverse(&visitor)
        n.traverse(&visitor)
        d.traverse(&visitor)
        dist.traverse(&visitor)
        pdf.traverse(&visitor)
        isDelta.traverse(&visitor)
        uv?.traverse(&visitor)
    }
}

/// The scene facts an emitter needs: the sphere around all geometry (lights at infinity place their sample
/// points beyond it), as Mitsuba's `set_scene` hands it over.
public struct EmitterSceneBounds: Sendable {
    public var center: Vector3f
    public var radius: Float

    public init(center: Vector3f, radius: Float) {
        self.center = center
        self.radius = radius
    }
}

/// An emitter plugin (`constant`, `area`, `point`, `spot`, `projector`, `directional`). Radiance is RGB. Lookups
/// read the emitter's values from `bindings` (the render's, `RenderBindings.value(of:)`), never from its slots.
public protocol Emitter {
    /// The kind of light.
    var flags: EmitterFlags { get }
    /// Mitsuba's `sampling_weight`: how often emitter sampling picks this emitter relative to the others.
    var samplingWeight: Float { get }
    /// Samples a point on the emitter seen from `reference` and returns it with the weight radiance / pdf
    /// (visibility not tested). `sample` is uniform in [0, 1)².
    func sampleDirection(from reference: Vector3Array, sample: Point2Array, bounds: EmitterSceneBounds,
                         active: BoolArray, bindings: RenderBindings) -> (sample: EmitterSample, weight: Vector3Array)
    /// The solid-angle density with which `sampleDirection` from `reference` produces `sample` (its p, n, d and
    /// dist set; 0 for Dirac emitters, which no ray can hit).
    func pdfDirection(from reference: Vector3Array, _ sample: EmitterSample, active: BoolArray,
                      bindings: RenderBindings) -> FloatArray
    /// The radiance (or, for Dirac emitters, the intensity over the squared distance, or the irradiance) arriving at
    /// `reference` from `sample`, so that the sampled weight is `evalDirection / pdf`. Differentiable in the
    /// emitter's parameters.
    func evalDirection(from reference: Vector3Array, _ sample: EmitterSample, active: BoolArray,
                       bindings: RenderBindings) -> Vector3Array
    /// The radiance a ray sees where it reaches the emitter: on a surface hit `si` (area lights), or leaving the
    /// scene in world direction `direction` (lights at infinity).
    func eval(_ si: SurfaceInteraction, direction: Vector3Array, active: BoolArray,
              bindings: RenderBindings) -> Vector3Array
    /// The differentiable values, under keys relative to the emitter (e.g. "radiance.value").
    var parameters: [(key: String, slot: ParameterSlot)] { get }
}
