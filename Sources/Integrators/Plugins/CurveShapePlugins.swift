// Mitsuba's `linearcurve` and `bsplinecurve` shapes: their curve file read through `to_world`.
import Foundation

extension PluginFactory {
    /// The curves of a `linearcurve` or `bsplinecurve` description: `filename` (Mitsuba's curve text format) with
    /// positions through `to_world` (invertible) and radii as written, as Mitsuba's plugins load them.
    static func makeCurves(_ description: PluginDescription, document: SceneDocument) throws -> CurveSet {
        try requireKnownShapeProperties(description, ["filename", "to_world"])
        guard let basis = CurveBasis(rawValue: description.type) else {
            preconditionFailure("PluginFactory.makeCurves: '\(description.type)' is not a curve type")
        }
        let toWorld = try description.transform("to_world", default: .identity)
        guard toWorld.isInvertible else { throw description.error("'to_world' must be invertible", property: "to_world") }
        let url = try document.resolveFile(description)
        do {
            var curves = try CurveFileReader.read(contentsOf: url, basis: basis, toWorld: toWorld)
            if let id = description.id { curves.name = id }
            return curves
        } catch let error as MeshLoadError {
            throw description.error("cannot load the curves: \(error)", property: "filename")
        }
    }
}
