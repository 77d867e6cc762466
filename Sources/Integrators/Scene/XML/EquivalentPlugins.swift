// The objects made from a scene file's descriptions, shared between equivalent ones as Mitsuba's parser merges them.
import Foundation

/// Mitsuba 3.9's `merge_equivalent`: BSDFs and textures whose descriptions are equivalent
/// (`PluginDescription.equivalenceSignature`) are one object, wherever they are written (nested in different
/// BSDFs, under different slot names). `mi.traverse` then lists the object once, under the path it reaches first,
/// and setting its value changes every place that uses it. One instance serves one loaded document.
final class EquivalentPlugins: @unchecked Sendable {
    private var objects: [PluginDescription: Any] = [:]
    private let lock = NSLock()

    /// The object already made for a description equivalent to `description`, or the one `make` makes (and keeps).
    func object<Object>(for description: PluginDescription, make: () throws -> Object) throws -> Object {
        let signature = description.equivalenceSignature
        lock.lock()
        let known = objects[signature] as? Object
        lock.unlock()
        if let known { return known }
        let made = try make()
        lock.lock()
        defer { lock.unlock() }
        if let raced = objects[signature] as? Object { return raced }
        objects[signature] = made
        return made
    }
}
