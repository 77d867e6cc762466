// Building a Scene from a Mitsuba 3 XML file.
import Foundation
import Tracer

extension Scene {
    /// The plugin types a scene file may use at the top level.
    static let supportedIntegrators = ["path", "prb"]
    static let supportedEmitters = ["constant"]

    /// Loads a Mitsuba 3 scene file (the supported subset); `overrides` replace `<default>` values (`-D`).
    public init(contentsOf url: URL, overrides: [String: String] = [:]) throws {
        let document = try SceneDocument(contentsOf: url, overrides: overrides)
        try self.init(document: document)
    }

    /// Builds the scene described by a parsed document.
    public init(document: SceneDocument) throws {
        let root = document.root
        // The sensor (exactly one).
        let sensors = root.children(of: .sensor)
        guard let sensorDescription = sensors.first else {
            throw SceneError("the scene has no <sensor>", at: root.location, element: root.elementDescription)
        }
        if sensors.count > 1 {
            throw sensors[1].error("only one sensor is supported, found \(sensors.count)")
        }
        let sensor = try PerspectiveSensor(sensorDescription, document: document)
        // Shapes, each with its BSDF.
        var shapes: [SceneShape] = []
        for (index, description) in root.children(of: .shape).enumerated() {
            let made = try PluginFactory.makeShape(description, document: document)
            let bsdf = try PluginFactory.makeBSDF(made.bsdf, document: document)
            // A BSDF reached through <ref id="..."/> is shared by every shape that references it.
            let key = made.bsdf.referenceLocation != nil ? made.bsdf.id : nil
            shapes.append(SceneShape(id: description.id ?? "shape_\(index)", geometry: made.geometry, bsdf: bsdf,
                                     bsdfKey: key))
        }
        // The emitter (at most one, constant).
        let emitters = root.children(of: .emitter)
        if emitters.count > 1 { throw emitters[1].error("only one emitter is supported, found \(emitters.count)") }
        let emitter = try emitters.first.map { description -> ConstantEmitter in
            try description.requirePluginType(in: Scene.supportedEmitters)
            return try ConstantEmitter(description, document: document)
        }
        // The integrator (default: path, as Mitsuba).
        var settings = IntegratorSettings(kind: .path)
        if let description = root.children(of: .integrator).first {
            try description.requirePluginType(in: Scene.supportedIntegrators)
            settings.kind = IntegratorSettings.Kind(rawValue: description.type)!
            settings.maxDepth = try description.integer("max_depth", default: 6)
            settings.rrDepth = try description.integer("rr_depth", default: 5)
            settings.hideEmitters = try description.boolean("hide_emitters", default: false)
            if settings.maxDepth < -1 { throw description.error("max_depth must be -1 or more, got \(settings.maxDepth)", property: "max_depth") }
            if settings.rrDepth < 1 { throw description.error("rr_depth must be at least 1, got \(settings.rrDepth)", property: "rr_depth") }
        }
        try self.init(sensor: sensor, shapes: shapes, emitter: emitter, integrator: settings)
    }
}
