// The differentiable values of a scene under Mitsuba's keys; setting one changes the scene.
import Tracer

/// Mitsuba's `mi.traverse(scene)`: keys to the scene's differentiable values. Setting a value (possibly a
/// gradient-tracked array) changes what the scene renders from then on; the shape must stay the same.
public struct SceneParameters {
    private let slots: [(key: String, slot: ParameterSlot)]
    /// The values listed but not differentiable (`ParameterSlot.isDifferentiable` false), in scene order.
    let fixedSlots: [(key: String, slot: ParameterSlot)]

    /// The curve shapes' keys (`fixedParameters` lists them): asking for one is an error that says why.
    let curveKeys: Set<String>

    init(_ entries: [(String, ParameterSlot)], curveKeys: Set<String> = []) {
        self.curveKeys = curveKeys
        // A value shared by several paths (twosided's brdf_0 and brdf_1) is listed once.
        var seen = Set<ObjectIdentifier>()
        let unique = entries.filter { seen.insert(ObjectIdentifier($0.1)).inserted }.map { (key: $0.0, slot: $0.1) }
        slots = unique.filter(\.slot.isDifferentiable)
        fixedSlots = unique.filter { !$0.slot.isDifferentiable }
    }

    /// The keys, in scene order.
    public var keys: [String] { slots.map(\.key) }

    /// The shape of the value under `key`.
    public func shape(of key: String) throws -> [Int] { try slot(key).shape }

    /// Mitsuba's type name for the value under `key`, as `mi.traverse` shows it: "Color3f" for 3 values, "Float"
    /// for one, "TensorXf" for a bitmap's data.
    public func typeName(of key: String) throws -> String {
        let slot = try slot(key)
        if let name = slot.typeName { return name }
        switch slot.shape {
        case [3]: return "Color3f"
        case [1], []: return "Float"
        default: return "TensorXf"
        }
    }

    /// The value under `key`.
    public func value(_ key: String) throws -> FloatArray { try slot(key).value }

    /// Replaces the value under `key`; it must have the same number of elements.
    public func set(_ key: String, to value: FloatArray) throws {
        let slot = try self.slot(key)
        guard value.count == slot.value.count else {
            throw RenderError("parameter '\(key)' has shape \(slot.shape) (\(slot.value.count) values); got \(value.count) values")
        }
        slot.value = value
    }

    /// The value under `key`, or nil for an unknown key (Mitsuba's `params[key]`).
    public subscript(key: String) -> FloatArray? { try? value(key) }

    /// Whether the scene has a parameter `key`.
    public func contains(_ key: String) -> Bool { slots.contains { $0.key == key } }

    /// Copies every value of `values` whose key the scene has into the scene, as Mitsuba's `params.update(opt)`
    /// does with an optimiser (`KeyedAdam`, `KeyedSGD`); keys the scene does not have are skipped, so an
    /// optimiser may hold other values too. Throws when a value's size differs from the parameter's.
    public func update<Values: Sequence>(_ values: Values) throws where Values.Element == (key: String, value: FloatArray) {
        for (key, value) in values where contains(key) { try set(key, to: value) }
    }

    /// The slot behind `key`, or an error listing the keys.
    func slot(_ key: String) throws -> ParameterSlot {
        guard let entry = slots.first(where: { $0.key == key }) else {
            if curveKeys.contains(key) {
                throw RenderError("scene parameter '\(key)' is a curve shape's geometry, which Refract reads from its "
                                  + "curve file and does not differentiate (Mitsuba differentiates B-spline control "
                                  + "points through silhouette sampling, which Refract does not have)")
            }
            if fixedSlots.contains(where: { $0.key == key }) {
                throw RenderError("scene parameter '\(key)' is not differentiable (Mitsuba lists it as such); Refract "
                                  + "reads it from the scene file only")
            }
            throw RenderError("unknown scene parameter '\(key)' (the scene has: \(keys.joined(separator: ", ")))")
        }
        return entry.slot
    }

    /// All slots, for the renderer's differentiation.
    var allSlots: [ParameterSlot] { slots.map(\.slot) }
}

/// A rendering error with a message that names the input and what was expected.
public struct RenderError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
