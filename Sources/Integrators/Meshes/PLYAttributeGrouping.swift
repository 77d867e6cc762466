// Which extra PLY properties form named mesh attributes, by the rules of Mitsuba 3.9.1's ply plugin.

/// An attribute made of some of an element's scalar properties: `name` ("vertex_…" or "face_…") and the indices
/// of its properties in the element, one per channel.
struct PLYAttributeGroup: Equatable {
    var name: String
    var properties: [Int]
}

/// Mitsuba groups the properties of a vertex or face element that are not positions, normals, texture
/// coordinates or face indices into attributes:
/// - a colour: `r`, `g`, `b` (and `a`), or `red`, `green`, `blue` (and `alpha`), named "<element>_color";
/// - runs of consecutive properties `<prefix>_<c>` whose suffixes follow one of the sequences x y z w, r g b a,
///   0 1 2 3 or 1 2 3 4 from its start, named "<element>_<prefix>" ("<element>_<prefix>_color" for r g b a).
///   A run must have 1 or 3 properties; other runs, names without a one-letter suffix after the last underscore,
///   runs that break their sequence and prefixes seen before are ignored (Mitsuba warns about each).
enum PLYAttributeGrouping {
    /// The suffix sequences, by position in the run.
    private static let sequences: [[Character]] = [["x", "y", "z", "w"], ["r", "g", "b", "a"],
                                                   ["0", "1", "2", "3"], ["1", "2", "3", "4"]]

    /// The attributes of `element`, whose properties named in `reserved` are read otherwise; `kind` is "vertex_"
    /// or "face_". With `includingColor` false the colour properties are left out (the vertex colour is read
    /// into `TriangleMesh.colors`) but still reserved.
    static func groups(of element: PLYElement, kind: String, reserved: Set<String>,
                       includingColor: Bool) -> [PLYAttributeGroup] {
        var result: [PLYAttributeGroup] = []
        func index(_ name: String) -> Int? { element.scalarIndex(name) }
        var taken = reserved
        for names in [["r", "g", "b", "a"], ["red", "green", "blue", "alpha"]] {
            guard let r = index(names[0]), let g = index(names[1]), let b = index(names[2]) else { continue }
            let alpha = index(names[3])
            if includingColor { result.append(PLYAttributeGroup(name: kind + "color", properties: [r, g, b] + (alpha.map { [$0] } ?? []))) }
            taken.formUnion(names)
            break
        }
        taken.formUnion(["r", "g", "b", "a"])

        var seen = Set<String>()
        var run: (prefix: String, sequence: Int, properties: [Int])?
        func finish() {
            defer { run = nil }
            guard let current = run else { return }
            seen.insert(current.prefix)
            guard current.properties.count == 1 || current.properties.count == 3 else { return }
            let suffix = current.sequence == 1 ? "_color" : ""
            result.append(PLYAttributeGroup(name: kind + current.prefix + suffix, properties: current.properties))
        }
        var skipping: String?
        for (i, property) in element.properties.enumerated() {
            guard case .scalar = property.kind, !taken.contains(property.name) else { continue }
            let name = property.name
            guard let underscore = name.lastIndex(of: "_"), name.index(after: underscore) < name.endIndex,
                  name.distance(from: name.index(after: underscore), to: name.endIndex) == 1 else {
                finish()
                continue
            }
            let prefix = String(name[..<underscore]), letter = name[name.index(after: underscore)]
            if let skipped = skipping, prefix == skipped { continue }
            skipping = nil
            if let current = run, current.prefix != prefix { finish() }
            if var current = run {
                let position = current.properties.count
                guard position < 4, sequences[current.sequence][position] == letter else {
                    // A broken sequence drops the whole run, and the rest of its prefix.
                    seen.insert(prefix)
                    run = nil
                    skipping = prefix
                    continue
                }
                current.properties.append(i)
                run = current
                continue
            }
            guard !seen.contains(prefix) else {
                skipping = prefix
                continue
            }
            guard let sequence = sequences.firstIndex(where: { $0[0] == letter }) else { continue }
            run = (prefix, sequence, [i])
        }
        finish()
        return result
    }
}
