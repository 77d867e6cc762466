// Mitsuba's `homogeneous` participating medium: constant extinction and albedo, a phase function, read from XML.
import Tracer

/// A medium of constant extinction σt and single-scattering albedo α (σs = α σt) everywhere, in RGB
/// (Mitsuba's `homogeneous` in an RGB variant).
public struct HomogeneousMedium: Sendable, Equatable {
    /// The extinction coefficient per channel, `scale` already applied (Mitsuba's `sigma_t` times `scale`).
    public var sigmaT: Vector3f
    /// The single-scattering albedo per channel.
    public var albedo: Vector3f
    /// How light scatters at a collision.
    public var phase: PhaseFunction
    /// Whether paths sample emitters at scattering events in this medium (Mitsuba's `sample_emitters`).
    public var sampleEmitters: Bool
    /// Whether free-flight sampling weighs the extinction of every channel (Mitsuba's `has_spectral_extinction`,
    /// true by default); false takes the simpler weights of a grey extinction.
    public var hasSpectralExtinction: Bool

    /// A medium of extinction `sigmaT` and albedo `albedo`, both non-negative.
    public init(sigmaT: Vector3f, albedo: Vector3f, phase: PhaseFunction = .isotropic, sampleEmitters: Bool = true,
                hasSpectralExtinction: Bool = true) {
        self.sigmaT = sigmaT
        self.albedo = albedo
        self.phase = phase
        self.sampleEmitters = sampleEmitters
        self.hasSpectralExtinction = hasSpectralExtinction
    }

    /// The medium plugin types Mitsuba has; only `homogeneous` is supported.
    static let knownTypes = ["homogeneous", "heterogeneous"]

    /// Reads `<medium type="homogeneous">`: `sigma_t` (default 1) and `albedo` (default 0.75) as a float, an rgb,
    /// a spectrum or a nested `constvolume`, `scale` (1), `sample_emitters` (true), `has_spectral_extinction` (true)
    /// and at most one nested `<phase>` (default isotropic).
    init(_ description: PluginDescription) throws {
        guard description.kind == .medium else {
            throw description.error("expected a <medium> plugin, found <\(description.kind)>")
        }
        if description.type == "heterogeneous" {
            throw description.error("the 'heterogeneous' medium is not supported (only 'homogeneous' media are)")
        }
        try description.requirePluginType(in: ["homogeneous"])
        var phases: [PluginDescription] = []
        var volumes: [String: PluginDescription] = [:]
        for child in description.children {
            switch child.kind {
            case .phase:
                phases.append(child)
            case .volume where child.name == "sigma_t" || child.name == "albedo":
                volumes[child.name!] = child
            default:
                throw SceneError("unexpected nested \(child.kind) (a homogeneous medium takes a <phase> and "
                                 + "constant 'sigma_t' and 'albedo')",
                                 at: child.referenceLocation ?? child.location, element: description.elementDescription)
            }
        }
        if phases.count > 1 {
            throw SceneError("a medium takes one phase function, found \(phases.count)",
                             at: phases[1].referenceLocation ?? phases[1].location,
                             element: description.elementDescription)
        }
        var properties = description
        properties.children = []
        try properties.requireKnownProperties(["sigma_t", "albedo", "scale", "sample_emitters",
                                               "has_spectral_extinction"])
        let scale = try description.float("scale", default: 1)
        let sigmaT = try HomogeneousMedium.constant(description, "sigma_t", volume: volumes["sigma_t"], default: 1)
        let albedo = try HomogeneousMedium.constant(description, "albedo", volume: volumes["albedo"], default: 0.75)
        guard scale >= 0 && scale.isFinite else {
            throw description.error("'scale' must be finite and non-negative, got \(scale)", property: "scale")
        }
        self.init(sigmaT: sigmaT * Float(scale), albedo: albedo,
                  phase: try phases.first.map(PhaseFunction.init) ?? .isotropic,
                  sampleEmitters: try description.boolean("sample_emitters", default: true),
                  hasSpectralExtinction: try description.boolean("has_spectral_extinction", default: true))
    }

    /// The constant RGB value of property `name` (a float, an rgb or a spectrum), or of a nested
    /// `<volume type="constvolume" name="...">` holding one; non-negative and finite, and an rgb within [0, 1], as
    /// Mitsuba reads an rgb there as a reflectance (a larger extinction comes from a float or `scale`).
    private static func constant(_ description: PluginDescription, _ name: String, volume: PluginDescription?,
                                 default def: Float) throws -> Vector3f {
        let value: Vector3f
        if let volume {
            guard volume.type == "constvolume" else {
                throw SceneError("a '\(volume.type)' volume is not supported for '\(name)' (a homogeneous medium "
                                 + "takes a constant value or a constvolume)",
                                 at: volume.referenceLocation ?? volume.location,
                                 element: description.elementDescription)
            }
            if description.has(name) { throw description.error("'\(name)' is given twice", property: name) }
            try PluginFactory.rejectNestedPlugins(volume, instead: "give 'value' as a float or an rgb")
            try volume.requireKnownProperties(["value"])
            value = try volume.rgb("value", default: Vector3f(repeating: 1))
            if case .rgb = volume.value("value") { try requireUnitRange(value, volume, "value") }
        } else {
            value = try description.rgb(name, default: Vector3f(repeating: def))
            if case .rgb = description.value(name) { try requireUnitRange(value, description, name) }
        }
        for c in [value.x, value.y, value.z] where !(c >= 0 && c.isFinite) {
            throw description.error("'\(name)' must be finite and non-negative, got \(value)", property: name)
        }
        return value
    }

    /// Throws unless every component of the rgb `value` of property `name` lies in [0, 1].
    private static func requireUnitRange(_ value: Vector3f, _ description: PluginDescription, _ name: String) throws {
        for c in [value.x, value.y, value.z] where !(c >= 0 && c <= 1) {
            throw description.error("'\(name)' as an rgb must lie in [0, 1] (Mitsuba reads it as a reflectance; give "
                                    + "a float or use 'scale' for a larger extinction), got \(value)", property: name)
        }
    }
}
