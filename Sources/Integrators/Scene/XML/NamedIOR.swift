// Mitsuba 3's table of named indices of refraction (include/mitsuba/render/ior.h, `lookup_ior`).
import Foundation

/// Named indices of refraction, as accepted by Mitsuba's `int_ior` / `ext_ior` strings.
/// Values from Hecht, Optics (4th ed.), measured at 0–20 °C and ~589 nm.
public enum NamedIOR {
    /// The table in Mitsuba's order.
    public static let table: [(name: String, value: Double)] = [
        ("vacuum", 1.0),
        ("helium", 1.000036),
        ("hydrogen", 1.000132),
        ("air", 1.000277),
        ("carbon dioxide", 1.00045),
        ("water", 1.3330),
        ("acetone", 1.36),
        ("ethanol", 1.361),
        ("carbon tetrachloride", 1.461),
        ("glycerol", 1.4729),
        ("benzene", 1.501),
        ("silicone oil", 1.52045),
        ("bromine", 1.661),
        ("water ice", 1.31),
        ("fused quartz", 1.458),
        ("pyrex", 1.470),
        ("acrylic glass", 1.49),
        ("polypropylene", 1.49),
        ("bk7", 1.5046),
        ("sodium chloride", 1.544),
        ("amber", 1.55),
        ("pet", 1.5750),
        ("diamond", 2.419),
    ]

    /// The known names, in table order.
    public static var names: [String] { table.map(\.name) }

    /// The index of refraction called `name` (case-insensitive, surrounding spaces ignored).
    public static func value(_ name: String) throws -> Double {
        let key = name.trimmingCharacters(in: .whitespaces).lowercased()
        if let entry = table.first(where: { $0.name == key }) { return entry.value }
        throw SceneError(
            "unknown index of refraction '\(name)' (give a number or one of: \(names.joined(separator: ", ")))",
            at: nil)
    }

    /// A number ("1.5") or a name ("bk7").
    public static func parse(_ text: String) throws -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let x = Double(trimmed) { return x }
        return try value(trimmed)
    }
}

extension PluginDescription {
    /// An index of refraction given as a float property or a string (a number or a `NamedIOR` name),
    /// like Mitsuba's `lookup_ior(props, name, default)`.
    public func ior(_ name: String, default def: Double) throws -> Double {
        guard let v = properties[name] else { return def }
        switch v {
        case .float(let x): return x
        case .integer(let i): return Double(i)
        case .string(let s):
            do { return try NamedIOR.parse(s) } catch let e as SceneError {
                throw error("property '\(name)': \(e.message)", property: name)
            }
        default:
            throw error("property '\(name)' must be a float or an IOR name, found \(v.kindName)", property: name)
        }
    }

    /// As `ior(_:default:)` with the default given by name, e.g. `ior("int_ior", default: "bk7")`.
    public func ior(_ name: String, default def: String) throws -> Double {
        try ior(name, default: try NamedIOR.value(def))
    }

    /// A BSDF's `int_ior` and `ext_ior` (numbers or names, with these defaults), each a positive finite index;
    /// with `mustDiffer`, refused when they are equal (a rough interface between equal media has no reflection
    /// to sample).
    public func interfaceIORs(interior: String, exterior: String = "air", mustDiffer: Bool = false) throws
        -> (interior: Double, exterior: Double) {
        let inside = try ior("int_ior", default: interior)
        let outside = try ior("ext_ior", default: exterior)
        for (name, value) in [("int_ior", inside), ("ext_ior", outside)] where !(value > 0 && value.isFinite) {
            throw error("'\(name)' must be a positive index of refraction, got \(value)", property: name)
        }
        if mustDiffer && Float(inside) == Float(outside) {
            throw error("'int_ior' and 'ext_ior' must differ (both are \(inside))", property: "int_ior")
        }
        return (inside, outside)
    }
}
