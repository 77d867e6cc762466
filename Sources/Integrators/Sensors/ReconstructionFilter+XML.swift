// Building a reconstruction filter from Mitsuba XML (`<rfilter type="...">`), with Mitsuba's property names.

extension ReconstructionFilter {
    /// The supported reconstruction filter plugins.
    static let pluginTypes = ["gaussian", "box", "tent", "mitchell", "catmullrom", "lanczos"]

    /// A filter from `<rfilter>`: `gaussian` (float `stddev`, default 0.5), `box`, `tent` (float `radius`, default
    /// 1), `mitchell` (floats `B` and `C`, default 1/3 each, as Mitsuba's source reads them), `catmullrom`, or
    /// `lanczos` (integer `lobes`, default 3). Radii must be positive and at most `largestRadius`.
    public init(_ description: PluginDescription, document: SceneDocument) throws {
        try description.requirePluginType(in: Self.pluginTypes)
        switch description.type {
        case "box":
            try description.requireKnownProperties([])
            self = .box
        case "tent":
            try description.requireKnownProperties(["radius"])
            let radius = try description.float("radius", default: 1)
            try Self.requireRadius(radius, description, property: "radius")
            self = .tent(radius: Float(radius))
        case "mitchell":
            try description.requireKnownProperties(["B", "C"])
            let b = try description.float("B", default: Double(1 / 3 as Float))
            let c = try description.float("C", default: Double(1 / 3 as Float))
            for (name, value) in [("B", b), ("C", c)] where !value.isFinite {
                throw description.error("\(name) must be finite, got \(value)", property: name)
            }
            self = .mitchell(b: Float(b), c: Float(c))
        case "catmullrom":
            try description.requireKnownProperties([])
            self = .catmullRom
        case "lanczos":
            try description.requireKnownProperties(["lobes"])
            let lobes = try description.integer("lobes", default: 3)
            guard lobes >= 1, Float(lobes) <= Self.largestRadius else {
                throw description.error("lobes must be an integer from 1 to \(Int(Self.largestRadius)), got \(lobes)",
                                        property: "lobes")
            }
            self = .lanczos(lobes: lobes)
        default:
            try description.requireKnownProperties(["stddev"])
            let sigma = try description.float("stddev", default: 0.5)
            guard sigma.isFinite, sigma > 0, 4 * sigma <= Double(Self.largestRadius) else {
                throw description.error("stddev must be positive and at most \(Self.largestRadius / 4) (a radius of "
                                        + "4 x stddev up to \(Self.largestRadius) pixels), got \(sigma)", property: "stddev")
            }
            self = .gaussian(standardDeviation: Float(sigma))
        }
    }

    /// Throws unless `radius` is finite, positive and at most `largestRadius`, naming `property`.
    private static func requireRadius(_ radius: Double, _ description: PluginDescription,
                                      property: String) throws {
        guard radius.isFinite, radius > 0, radius <= Double(largestRadius) else {
            throw description.error(
                "\(property) must be positive and at most \(largestRadius) pixels, got \(radius)", property: property)
        }
    }
}
