// Mitsuba's `spot` light: a point source whose intensity falls off linearly between a beam and a cutoff cone.
import Foundation
import Tracer

/// A spot light at `toWorld`'s origin shining along its +z axis: full `intensity` within `beamWidth` degrees of
/// the axis, falling linearly (in angle) to 0 at `cutoffAngle` degrees, times an optional projected `texture`.
/// Intensity, texture and both angles are parameters (Mitsuba's keys "intensity.value", "texture.…",
/// "cutoff_angle", "beam_width"); the angles are read from their slots at each lookup, so setting them (or
/// differentiating with respect to them) changes the cone.
public struct SpotEmitter: Emitter {
    public let toWorld: Transform4
    /// The radiant intensity on the axis: an RGB or uniform texture (not spatially varying).
    public let intensity: any Texture
    /// The image projected through the cone (Mitsuba's `texture`, looked up at uv = ½ + ½ (x, y) / (z tan cutoff)
    /// of the local direction), or a uniform 1 when none is given (still listed as "texture.value").
    public let texture: any Texture
    /// True when `texture` was given (Mitsuba multiplies by it only then).
    public let isTextured: Bool
    /// Cone half-angles in degrees, shape [1] (Mitsuba's defaults: cutoff 20, beam 3/4 of the cutoff).
    public let cutoffAngle: ParameterSlot
    public let beamWidth: ParameterSlot
    public let samplingWeight: Float
    /// `toWorld` as `mi.traverse` lists it.
    private let toWorldListing: ParameterSlot

    /// A spot light; `texture` nil: none (a uniform 1, as Mitsuba's default).
    public init(toWorld: Transform4 = .identity, intensity: Vector3f = .one, cutoffAngle: Float = 20,
                beamWidth: Float? = nil, texture: (any Texture)? = nil, samplingWeight: Float = 1) {
        self.init(toWorld: toWorld, intensity: ConstantTexture(intensity), cutoffAngle: cutoffAngle,
                  beamWidth: beamWidth, texture: texture, samplingWeight: samplingWeight)
    }

    /// A spot light whose intensity is a texture that does not vary over the surface (RGB or uniform).
    public init(toWorld: Transform4, intensity: any Texture, cutoffAngle: Float, beamWidth: Float?,
                texture: (any Texture)?, samplingWeight: Float) {
        self.toWorld = toWorld
        self.intensity = intensity
        self.texture = texture ?? UniformTexture(1)
        isTextured = texture != nil
        self.cutoffAngle = ParameterSlot(value: FloatArray([cutoffAngle]), shape: [1])
        self.beamWidth = ParameterSlot(value: FloatArray([beamWidth ?? cutoffAngle * 3 / 4]), shape: [1])
        self.samplingWeight = samplingWeight
        toWorldListing = .listing(toWorld)
    }

    public var flags: EmitterFlags { .deltaPosition }

    /// The light's position, pdf 1 (a Dirac delta), weight intensity · falloff / dist².
    public func sampleDirection(from reference: Vector3Array, sample: Point2Array, bounds: EmitterSceneBounds,
                                active: BoolArray, bindings: RenderBindings)
        -> (sample: EmitterSample, weight: Vector3Array) {
        let lanes = Swift.max(reference.count, sample.count)
        let position = toWorld.translation
        let offset = Vector3Array.constant(position) - reference
        let dist = offset.length
        let emitterSample = EmitterSample(p: .constant(position), n: .constant(.zero), d: offset * (1 / dist),
                                          dist: dist, pdf: FloatArray(repeating: 1, count: lanes),
                                          isDelta: BoolArray(repeating: true, count: lanes))
        return (emitterSample, evalDirection(from: reference, emitterSample, active: active, bindings: bindings))
    }

    /// 0: no ray reaches a point.
    public func pdfDirection(from reference: Vector3Array, _ sample: EmitterSample, active: BoolArray,
                             bindings: RenderBindings) -> FloatArray {
        .constant(0)
    }

    /// intensity · falloff(direction from the light) / dist².
    public func evalDirection(from reference: Vector3Array, _ sample: EmitterSample, active: BoolArray,
                              bindings: RenderBindings) -> Vector3Array {
        let local = Transform4(matrix: toWorld.inverse, inverse: toWorld.matrix).applyVector(-sample.d)
        let cutoff = degreesToRadians(cutoffAngle, bindings)
        let falloff = self.falloff(local, cutoff: cutoff, bindings: bindings)
        let inverseDist = 1 / sample.dist
        let lit = active & (falloff .> 0)
        var radiance = intensity.eval(Point2Array(repeating: 0, 0), active: lit, bindings: bindings)
        if isTextured {
            // Mitsuba's direction_to_uv: the cone's cross-section at z = 1 mapped onto [0, 1]².
            let scale = 0.5 / (local.z * tan(cutoff))
            let uv = Point2Array(x: fma(local.x, scale, .constant(0.5)), y: fma(local.y, scale, .constant(0.5)))
            radiance = radiance * texture.eval(uv, active: lit, bindings: bindings)
        }
        return radiance * (falloff * inverseDist * inverseDist)
    }

    /// A slot's angle in radians, broadcast.
    private func degreesToRadians(_ slot: ParameterSlot, _ bindings: RenderBindings) -> FloatArray {
        bindings.value(of: slot).gather(UInt32Array(repeating: 0)) * (Float.pi / 180)
    }

    /// 0: no ray reaches a point.
    public func eval(_ si: SurfaceInteraction, direction: Vector3Array, active: BoolArray,
                     bindings: RenderBindings) -> Vector3Array {
        .constant(.zero)
    }

    /// 1 within the beam, (cutoff − θ) / (cutoff − beam) between beam and cutoff (angles in radians), 0 beyond.
    func falloff(_ localDirection: Vector3Array, cutoff: FloatArray, bindings: RenderBindings) -> FloatArray {
        let beam = degreesToRadians(beamWidth, bindings)
        let cosTheta = localDirection.normalized().z
        let theta = atan2(sqrt(max(1 - cosTheta * cosTheta, .constant(0))), cosTheta)
        let ramp = (cutoff - theta) * (1 / (cutoff - beam))
        let beamValue = select(cosTheta .>= cos(beam), .constant(1), ramp)
        return select(cosTheta .> cos(cutoff), beamValue, .constant(0))
    }

    /// Mitsuba's keys in its order: "intensity.…", "texture.…", "cutoff_angle", "beam_width", and "to_world"
    /// (listed, not differentiable).
    public var parameters: [(key: String, slot: ParameterSlot)] {
        intensity.parameters.map { ("intensity." + $0.key, $0.slot) }
            + texture.parameters.map { ("texture." + $0.key, $0.slot) }
            + [("cutoff_angle", cutoffAngle), ("beam_width", beamWidth), ("to_world", toWorldListing)]
    }
}

extension SpotEmitter {
    /// From `<emitter type="spot">`: `to_world`, `intensity` (default 1), `cutoff_angle` (20), `beam_width`
    /// (3/4 of the cutoff), `sampling_weight`.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.emitter, type: "spot", description)
        try description.requireKnownProperties(["to_world", "intensity", "texture", "cutoff_angle", "beam_width",
                                                "sampling_weight"])
        try PluginFactory.rejectUnnamedChildren(description, expected: "<texture name=\"texture\">")
        if let nested = description.child(named: "intensity") {
            throw SceneError("'intensity' cannot vary over the light (give an rgb or float value)",
                             at: nested.referenceLocation ?? nested.location, element: description.elementDescription)
        }
        let intensity = try PluginFactory.colorTexture(description, "intensity", default: 1, document: document)
        var texture: (any Texture)?
        if description.has("texture") || description.child(named: "texture") != nil {
            texture = try PluginFactory.optionalColorTexture(description, "texture", document: document)
            guard texture?.readsSurfaceCoordinates == true else {
                throw description.error("'texture' must vary over the cone (a bitmap or checkerboard texture)",
                                        property: "texture")
            }
        }
        let cutoff = Float(try description.float("cutoff_angle", default: 20))
        let beam = Float(try description.float("beam_width", default: Double(cutoff * 3 / 4)))
        guard cutoff > 0, cutoff < 180 else {
            throw description.error("cutoff_angle must be in (0, 180) degrees, got \(cutoff)", property: "cutoff_angle")
        }
        guard beam > 0, beam < cutoff else {
            throw description.error("beam_width must be in (0, cutoff_angle = \(cutoff)) degrees, got \(beam)",
                                    property: "beam_width")
        }
        let toWorld = try description.transform("to_world", default: .identity)
        guard toWorld.isInvertible else { throw description.error("'to_world' must be invertible", property: "to_world") }
        self.init(toWorld: toWorld, intensity: intensity, cutoffAngle: cutoff, beamWidth: beam, texture: texture,
                  samplingWeight: try PluginFactory.samplingWeight(description))
    }
}
