// Building the perspective sensor from Mitsuba XML (`<sensor type="perspective">` with its film and sampler).
import Foundation

extension PerspectiveSensor {
    /// The supported sensor plugins.
    static let pluginTypes = ["perspective"]

    /// A camera from `<sensor type="perspective">`: `to_world` (no scale), `fov` with `fov_axis` (x, y, diagonal,
    /// smaller, larger; default x) or else `focal_length` (default "50mm", along the diagonal of a 36x24 mm
    /// frame), `near_clip` (0.01), `far_clip` (10000), `focus_distance` (unused by a pinhole), a nested `<film>`
    /// (default hdrfilm) and a nested `<sampler>` (independent; stratified or multijitter, with `jitter` (default
    /// true); or ldsampler) whose `sample_count` (default 4, rounded up as Mitsuba does for the stratified ones)
    /// becomes `sampleCount`.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try description.requirePluginType(in: Self.pluginTypes)
        try description.requireKnownProperties(
            ["to_world", "fov", "fov_axis", "focal_length", "near_clip", "far_clip", "focus_distance",
             "film", "sampler"])
        let children = try Film.nested(description, accepting: .film, .sampler)
        let film = try Self.single(.film, in: children, of: description)
            .map { try Film($0, document: document) } ?? Film()
        let (sampleCount, pattern) = try Self.single(.sampler, in: children, of: description)
            .map { try Self.sampling(of: $0) } ?? (4, .independent)
        let toWorld = try description.transform("to_world", default: .identity)
        if toWorld.hasScale {
            throw description.error("scale factors in the camera-to-world transform are not allowed",
                                    property: "to_world")
        }
        let (fieldOfView, axis) = try FieldOfViewAxis.fieldOfView(of: description)
        let nearClip = Float(try description.float("near_clip", default: 0.01))
        let farClip = Float(try description.float("far_clip", default: 10000))
        if let problem = Self.problem(toWorld: toWorld, fieldOfView: fieldOfView, nearClip: nearClip,
                                      farClip: farClip, sampleCount: sampleCount) {
            throw description.error(problem)
        }
        self.init(toWorld: toWorld, fieldOfView: Float(fieldOfView), fieldOfViewAxis: axis, nearClip: nearClip,
                  farClip: farClip, film: film, sampleCount: sampleCount)
        samplePattern = pattern
        if let id = description.id { self.id = id }
    }

    /// The sampler plugins read here.
    static let samplerTypes = ["independent", "stratified", "multijitter", "ldsampler"]

    /// The pattern and `sample_count` of a `<sampler>`: the count as the sampler settles on it (stratified rounds
    /// up to a square, multijitter to a near-square grid, as Mitsuba's `set_sample_count`).
    private static func sampling(of sampler: PluginDescription) throws -> (Int, SamplePattern) {
        try sampler.requirePluginType(in: samplerTypes)
        let pattern: SamplePattern
        switch sampler.type {
        case "stratified":
            try sampler.requireKnownProperties(["sample_count", "jitter"])
            pattern = .stratified(jitter: try sampler.boolean("jitter", default: true))
        case "multijitter":
            try sampler.requireKnownProperties(["sample_count", "jitter"])
            pattern = .multijitter(jitter: try sampler.boolean("jitter", default: true))
        case "ldsampler":
            try sampler.requireKnownProperties(["sample_count"])
            pattern = .lowDiscrepancy
        default:
            try sampler.requireKnownProperties(["sample_count"])
            pattern = .independent
        }
        let count = try sampler.integer("sample_count", default: 4)
        guard count >= 1 else {
            throw sampler.error("sample_count must be at least 1, got \(count)", property: "sample_count")
        }
        guard count <= 1 << 20 else {
            throw sampler.error("sample_count \(count) is more than \(1 << 20) samples per pixel", property: "sample_count")
        }
        return (pattern.sampleCount(forRequested: count), pattern)
    }

    /// The only nested plugin of `kind` among `children`, or nil; throws when there are several.
    private static func single(_ kind: PluginKind, in children: [PluginDescription],
                               of description: PluginDescription) throws -> PluginDescription? {
        let matching = children.filter { $0.kind == kind }
        if matching.count > 1 {
            throw description.error("more than one nested <\(kind.rawValue)> (found \(matching.count))")
        }
        return matching.first
    }
}
