// Mitsuba's `spot` light: a point source whose intensity falls off linearly between a beam and a cutoff cone.
import Foundation
import Tracer

/// A spot light at `toWorld`'s origin shining along its +z axis: full `intensity` within `beamWidth` degrees of
/// the axis, falling linearly (in angle) to 0 at `cutoffAngle` degrees.
public struct SpotEmitter: Emitter {
    public let toWorld: Transform4
    /// The RGB radiant intensity on the axis, a parameter under "intensity.value".
    public let intensity: ConstantTexture
    /// Cone half-angles in degrees (Mitsuba's defaults: cutoff 20, beam 3/4 of the cutoff).
    public let cutoffAngle: Float
    public let beamWidth: Float
    public let samplingWeight: Float

    public init(toWorld: Transform4 = .identity, intensity: Vector3f = .one, cutoffAngle: Float = 20,
                beamWidth: Float? = nil, samplingWeight: Float = 1) {
        self.toWorld = toWorld
        self.intensity = ConstantTexture(intensity)
        self.cutoffAngle = cutoffAngle
        self.beamWidth = beamWidth ?? cutoffAngle * 3 / 4
        self.samplingWeight = samplingWeight
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
        let falloff = self.falloff(local)
        let inverseDist = 1 / sample.dist
        let lit = active & (falloff .> 0)
        return intensity.eval(Point2Array(repeating: 0, 0), active: lit,
                              bindings: bindings) * (falloff * inverseDist * inverseDist)
    }

    /// 0: no ray reaches a point.
    public func eval(_ si: SurfaceInteraction, direction: Vector3Array, active: BoolArray,
                     bindings: RenderBindings) -> Vector3Array {
        .constant(.zero)
    }

    /// 1 within the beam, (cutoff − θ) / (cutoff − beam) between beam and cutoff (angles in radians), 0 beyond.
    func falloff(_ localDirection: Vector3Array) -> FloatArray {
        let cutoff = cutoffAngle * .pi / 180, beam = beamWidth * .pi / 180
        let cosTheta = localDirection.normalized().z
        let theta = atan2(sqrt(max(1 - cosTheta * cosTheta, .constant(0))), cosTheta)
        let ramp = (cutoff - theta) * (1 / (cutoff - beam))
        let beamValue = select(cosTheta .>= Foundation.cos(beam), .constant(1), ramp)
        return select(cosTheta .> Foundation.cos(cutoff), beamValue, .constant(0))
    }

    public var parameters: [(key: String, slot: ParameterSlot)] { [("intensity.value", intensity.value)] }
}

extension SpotEmitter {
    /// From `<emitter type="spot">`: `to_world`, `intensity` (default 1), `cutoff_angle` (20), `beam_width`
    /// (3/4 of the cutoff), `sampling_weight`.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try PluginFactory.requireKind(.emitter, type: "spot", description)
        try description.requireKnownProperties(["to_world", "intensity", "cutoff_angle", "beam_width",
                                                "sampling_weight"])
        try PluginFactory.rejectNestedPlugins(description, instead: "give 'intensity' as rgb or float")
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
        self.init(toWorld: toWorld, intensity: try description.rgb("intensity", default: .one), cutoffAngle: cutoff,
                  beamWidth: beam, samplingWeight: try PluginFactory.samplingWeight(description))
    }
}
