// Which kinds of scattering a BSDF has (Mitsuba's BSDFFlags).

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
