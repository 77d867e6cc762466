// Building a sensor from Mitsuba XML (`<sensor type="perspective|thinlens|orthographic">` with its film and sampler).
import Foundation

extension Sensor {
    /// The supported sensor plugins.
    static let pluginTypes = ["perspective", "thinlens", "orthographic"]

    /// A camera from `<sensor>`, with Mitsuba's properties and defaults:
    /// - every sensor: `to_world`, `near_clip` (0.01), `far_clip` (10000), `focus_distance` (far_clip; only a thin
    ///   lens uses it), `shutter_open` (0) and `shutter_close` (shutter_open), a nested `<film>` (default hdrfilm)
    ///   and a nested `<sampler>` (independent; stratified or multijitter, with `jitter` (default true); or
    ///   ldsampler) whose `sample_count` (default 4, rounded up as Mitsuba does for the stratified ones) becomes
    ///   `sampleCount`;
    /// - `perspective` and `thinlens`: `fov` with `fov_axis` (x, y, diagonal, smaller, larger; default x) or else
    ///   `focal_length` (default "50mm", along the diagonal of a 36x24 mm frame); `to_world` without scale;
    /// - `thinlens`: `aperture_radius` (required; 0 becomes the float epsilon, as in Mitsuba);
    /// - `orthographic`: `to_world` may scale (it sets the extent of the image).
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try description.requirePluginType(in: Self.pluginTypes)
        var known: Set<String> = ["to_world", "near_clip", "far_clip", "focus_distance", "shutter_open", "shutter_close",
                     "film", "sampler"]
        if description.type != "orthographic" { known.formUnion(["fov", "fov_axis", "focal_length"]) }
        if description.type == "thinlens" { known.insert("aperture_radius") }
        try description.requireKnownProperties(known)
        let children = try Film.nested(description, accepting: .film, .sampler)
        let film = try Self.single(.film, in: children, of: description)
            .map { try Film($0, document: document) } ?? Film()
        let (sampleCount, pattern) = try Self.single(.sampler, in: children, of: description)
            .map { try Self.sampling(of: $0) } ?? (4, .independent)
        let toWorld = try description.transform("to_world", default: .identity)
        let nearClip = Float(try description.float("near_clip", default: 0.01))
        let farClip = Float(try description.float("far_clip", default: 10000))
        let projection = try Self.projection(of: description, farClip: farClip)
        if projection.hasFieldOfView && toWorld.hasScale {
            throw description.error("scale factors in the camera-to-world transform are not allowed",
                                    property: "to_world")
        }
        let (fieldOfView, axis) = projection.hasFieldOfView ? try FieldOfViewAxis.fieldOfView(of: description) : (90, .x)
        if let problem = Self.problem(projection: projection, toWorld: toWorld, fieldOfView: fieldOfView,
                                      nearClip: nearClip, farClip: farClip, sampleCount: sampleCount) {
            throw description.error(problem)
        }
        self.init(projection: projection, toWorld: toWorld, fieldOfView: Float(fieldOfView), fieldOfViewAxis: axis,
                  nearClip: nearClip, farClip: farClip, film: film, sampleCount: sampleCount)
        (shutterOpen, shutterOpenTime) = try Self.shutter(of: description)
        samplePattern = pattern
        if let id = description.id { self.id = id }
    }

    /// The projection a `<sensor>`'s plugin type names, with a thin lens's `aperture_radius` and `focus_distance`.
    private static func projection(of description: PluginDescription, farClip: Float) throws -> SensorProjection {
        switch description.type {
        case "thinlens":
            guard description.has("aperture_radius") else {
                throw description.error("a thinlens sensor needs an 'aperture_radius'")
            }
            var radius = Float(try description.float("aperture_radius"))
            // Mitsuba warns and uses the float epsilon for a zero aperture (a pinhole with a thin lens's rays).
            if radius == 0 { radius = Float.ulpOfOne / 2 }
            let focus = Float(try description.float("focus_distance", default: Double(farClip)))
            return .thinLens(apertureRadius: radius, focusDistance: focus)
        case "orthographic":
            return .orthographic
        default:
            return .perspective
        }
    }

    /// `shutter_open` and the open time `shutter_close` − `shutter_open`, which must not be negative.
    private static func shutter(of description: PluginDescription) throws -> (Float, Float) {
        let open = Float(try description.float("shutter_open", default: 0))
        let close = Float(try description.float("shutter_close", default: 0))
        guard open.isFinite, close.isFinite, close - open >= 0 else {
            throw description.error("the shutter must close (shutter_close = \(close)) no earlier than it opens "
                                    + "(shutter_open = \(open))", property: "shutter_close")
        }
        return (open, close - open)
    }

    /// The sampler plugins read here.
    static let samplerTypes = ["independent", "stratified", "multijitter", "ldsampler", "orthogonal"]

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
        case "orthogonal":
            try sampler.requireKnownProperties(["sample_count", "jitter", "strength"])
            let strength = try sampler.integer("strength", default: 2)
            guard (2...16).contains(strength) else {
                throw sampler.error("strength must be from 2 to 16, got \(strength)", property: "strength")
            }
            pattern = .orthogonal(jitter: try sampler.boolean("jitter", default: true), strength: strength)
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
        if case .orthogonal(_, let strength) = pattern {
            // The array has p^strength rows, numbered by 32-bit integers as in Mitsuba.
            let p = Double(SamplePattern.orthogonalResolution(count))
            guard strength == 2 || pow(p, Double(strength)) < 4_294_967_296 else {
                throw sampler.error("an orthogonal array of strength \(strength) over \(Int(p)) x \(Int(p)) cells has "
                                    + "more than 2^32 rows", property: "strength")
            }
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
