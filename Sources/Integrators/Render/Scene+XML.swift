// Building a Scene from a Mitsuba 3 XML file.
import Foundation
import Tracer

extension Scene {
    /// The plugin types a scene file may use at the top level.
    static let supportedIntegrators = ["path", "prb", "prb_basic", "direct", "aov", "moment", "volpath"]

    /// Loads a Mitsuba 3 scene file (the supported subset); `overrides` replace `<default>` values (`-D`). Meshes
    /// that would take more than `memoryLimit` bytes (default: 90% of the available memory) are refused before
    /// they are loaded. `bvhQuality` is that of the meshes' Embree scene, for renders of `expectedSamplesPerPixel`
    /// (default: the file's sampler's count).
    public init(contentsOf url: URL, overrides: [String: String] = [:], memoryLimit: Int? = nil,
                bvhQuality: EmbreeBuildQuality = .automatic, expectedSamplesPerPixel: Int? = nil) throws {
        let document = try SceneDocument(contentsOf: url, overrides: overrides)
        try self.init(document: document, memoryLimit: memoryLimit, bvhQuality: bvhQuality,
                      expectedSamplesPerPixel: expectedSamplesPerPixel)
    }

    /// Builds the scene described by a parsed document (`memoryLimit`, `bvhQuality` and `expectedSamplesPerPixel` as
    /// for `init(contentsOf:)`).
    public init(document: SceneDocument, memoryLimit: Int? = nil, bvhQuality: EmbreeBuildQuality = .automatic,
                expectedSamplesPerPixel: Int? = nil) throws {
        let limit = memoryLimit ?? RenderMemory.machineDefault.limit
        let root = document.root
        // The sensor (exactly one).
        let sensors = root.children(of: .sensor)
        guard let sensorDescription = sensors.first else {
            throw SceneError("the scene has no <sensor>", at: root.location, element: root.elementDescription)
        }
        if sensors.count > 1 {
            throw sensors[1].error("only one sensor is supported, found \(sensors.count)")
        }
        // Media first: shapes and the sensor name them.
        var mediaReader = try SceneMediaReader(root: root)
        let (plainSensor, sensorMedium) = try mediaReader.sensorMedium(sensorDescription)
        let sensor = try Sensor(plainSensor, document: document)
        // Shapes, each with its BSDF; shape groups' meshes; instances of the groups.
        var shapes: [SceneShape] = []
        var groups: [String: Int] = [:]
        var instances: [SceneInstance] = []
        // Each shape's BSDF as written (nil where the shape names none), for merging equivalent ones.
        var bsdfDescriptions: [PluginDescription?] = []
        // The mesh files of the top-level shapes and of the shape groups' members, read on all cores first.
        let meshShapes = root.children(of: .shape).flatMap { $0.type == "shapegroup" ? $0.children(of: .shape) : [$0] }
        let prefetch = MeshFilePrefetch(shapes: meshShapes, document: document, memoryLimit: limit)
        func addShape(_ withMedia: PluginDescription, id: String, group: Int?, keyPrefix: String? = nil) throws {
            let (description, interior, exterior) = try mediaReader.shapeMedia(withMedia)
            if group != nil && (interior != nil || exterior != nil) {
                throw description.error("a shape inside a shapegroup cannot bound a medium")
            }
            let made = try PluginFactory.makeShape(description, document: document, memoryLimit: limit,
                                                   prefetched: prefetch)
            var bsdf = try PluginFactory.makeBSDF(made.bsdf, document: document)
            // A BSDF reached through <ref id="..."/> is shared by every shape that references it.
            let key = made.bsdf.referenceLocation != nil ? made.bsdf.id : nil
            var geometry = made.geometry
            let light = try PluginFactory.makeAreaEmitter(of: description, geometry: geometry, document: document)
            // Mitsuba gives an emitting shape without a BSDF a black one (a uniform 0): the light does not reflect.
            if light != nil && description.children(of: .bsdf).isEmpty {
                bsdf = DiffuseBSDF(reflectance: UniformTexture(0))
            }
            if let group {
                if light != nil {
                    throw description.error("a shape inside a shapegroup cannot carry an area emitter")
                }
                switch geometry {
                case .mesh(let mesh): geometry = .groupMesh(mesh, group: group)
                case .analytic(let shape): geometry = .groupAnalytic(shape, group: group)
                case .groupMesh, .groupAnalytic: throw description.error("a shapegroup cannot hold another's member")
                case .curves: throw description.error("a \(description.type) inside a shapegroup is not supported")
                }
            }
            var shape = SceneShape(id: id, geometry: geometry, bsdf: bsdf, bsdfKey: key, emitter: light)
            if let keyPrefix { shape.keyPrefix = keyPrefix }
            shape.interiorMedium = interior
            shape.exteriorMedium = exterior
            shapes.append(shape)
            bsdfDescriptions.append(description.children(of: .bsdf).isEmpty ? nil : made.bsdf)
        }
        func addGroup(_ description: PluginDescription) throws -> Int {
            let name = description.id ?? "shapegroup_\(groups.count)"
            if let known = groups[name] { return known }
            try PluginFactory.requireKnownShapeProperties(description, [])
            let group = groups.count
            groups[name] = group
            for child in description.children where child.kind != .shape {
                throw SceneError("a shapegroup holds shapes, not a \(child.kind)",
                                 at: child.referenceLocation ?? child.location, element: description.elementDescription)
            }
            // Mitsuba's keys: GROUP.ID for a named member, GROUP.shape, GROUP.shape_1, ... for unnamed ones.
            var unnamed = 0
            for (index, member) in description.children(of: .shape).enumerated() {
                var prefix = "\(name).\(member.id ?? "shape")"
                if member.id == nil {
                    if unnamed > 0 { prefix += "_\(unnamed)" }
                    unnamed += 1
                }
                try addShape(member, id: member.id ?? "\(name)_\(index)", group: group, keyPrefix: prefix)
            }
            return group
        }
        /// Places the analytic members of `instance`'s group in the world: one copy each, sharing the member's
        /// material (and its parameters).
        func placeAnalyticMembers(of instance: SceneInstance, index: Int, description: PluginDescription) throws {
            for member in shapes.indices {
                guard let (shape, group) = shapes[member].groupAnalytic, group == instance.group else { continue }
                var copy = shapes[member]
                do {
                    copy.geometry = .analytic(try shape.placed(by: instance.toWorld))
                } catch let error as SceneError {
                    throw description.error("instance '\(instance.id)' cannot place \(shapes[member].keyPrefix): "
                                            + error.message, property: "to_world")
                }
                copy.placedBy = index
                shapes.append(copy)
                bsdfDescriptions.append(bsdfDescriptions[member])
            }
        }
        let topLevel = root.children(of: .shape)
        for description in topLevel where description.type == "shapegroup" { _ = try addGroup(description) }
        for (index, description) in topLevel.enumerated() {
            switch description.type {
            case "shapegroup":
                continue
            case "instance":
                try PluginFactory.requireKnownShapeProperties(description, ["to_world"])
                let referenced = description.children(of: .shape)
                guard referenced.count == 1, referenced[0].type == "shapegroup",
                      description.children.count == 1 else {
                    throw description.error("an instance takes exactly one shapegroup (<ref id=\"...\"/>)")
                }
                let toWorld = try description.transform("to_world", default: .identity)
                guard toWorld.isInvertible else {
                    throw description.error("'to_world' must be invertible", property: "to_world")
                }
                let instance = SceneInstance(id: description.id ?? "instance_\(index)",
                                             group: try addGroup(referenced[0]), toWorld: toWorld)
                try placeAnalyticMembers(of: instance, index: instances.count, description: description)
                instances.append(instance)
            default:
                try addShape(description, id: description.id ?? "shape_\(index)", group: nil)
            }
        }
        Scene.mergeEquivalentBSDFs(&shapes, descriptions: bsdfDescriptions, declared: root.children(of: .bsdf))
        // The top-level emitters (area lights come with their shapes). An area emitter declared at the top level
        // and referenced from shapes (`<ref id="..."/>`, as Mitsuba's cbox-rgb.xml does) is only a definition.
        let referencedAreaEmitters = Set(root.children(of: .shape).flatMap { shape in
            (shape.children(of: .emitter) + shape.children(of: .shape).flatMap { $0.children(of: .emitter) })
                .compactMap { $0.referenceLocation == nil ? nil : $0.id }
        })
        let emitterDescriptions = root.children(of: .emitter).filter { description in
            !(description.type == "area" && description.id.map(referencedAreaEmitters.contains) == true)
        }
        let emitters = try emitterDescriptions.enumerated().map { index, description in
            SceneEmitter(id: description.id ?? "emitter_\(index)",
                         emitter: try PluginFactory.makeEmitter(description, document: document))
        }
        // The integrator (default: path, as Mitsuba, with its default depth: unlimited).
        var settings = IntegratorSettings(kind: .path, maxDepth: Scene.defaultMaxDepth(of: .path))
        if let description = root.children(of: .integrator).first {
            settings = try Scene.readIntegrator(description)
            if sensor.film.hasAlpha && (settings.kind == .aov || settings.kind == .moment) {
                // Mitsuba puts the alpha between the colour and the integrator's own channels; not done here.
                throw description.error("the \(settings.kind.rawValue) integrator writes no alpha channel: give the "
                                        + "film pixel_format \"rgb\"")
            }
        }
        try self.init(sensor: sensor, shapes: shapes, instances: instances, emitters: emitters, integrator: settings,
                      memoryLimit: limit, bvhQuality: bvhQuality, expectedSamplesPerPixel: expectedSamplesPerPixel)
        media = mediaReader.media
        self.sensorMedium = sensorMedium
    }

    /// An integrator's settings from its description, an `aov` integrator's nested integrators included.
    static func readIntegrator(_ description: PluginDescription, nestedIn parent: PluginDescription? = nil) throws
        -> IntegratorSettings {
        if description.type == "volpathmis" {
            throw description.error("the 'volpathmis' integrator is not supported (use 'volpath')")
        }
        try description.requirePluginType(in: Scene.supportedIntegrators)
        if description.type == "volpath", let parent, parent.type != "moment" {
            throw description.error("a volpath integrator can be nested only in a moment integrator")
        }
        var settings = IntegratorSettings(kind: IntegratorSettings.Kind(rawValue: description.type)!)
        if settings.kind == .direct {
            try Scene.readDirectSettings(description, into: &settings)
        }
        if settings.kind == .moment {
            try readMomentIntegrators(description, nestedIn: parent, into: &settings)
        }
        if settings.kind == .aov {
            if let parent {
                throw SceneError("an aov integrator nested in another aov integrator is not supported",
                                 at: description.referenceLocation ?? description.location,
                                 element: parent.elementDescription)
            }
            let list = try description.string("aovs")
            guard let aovs = AOV.parse(list) else {
                let kinds = AOV.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                throw description.error("aovs must be a list of name:type with type one of \(kinds), got '\(list)'",
                                        property: "aovs")
            }
            settings.aovs = aovs
            // Nested integrators render the colour channels, each under its name (Mitsuba's `aov` children).
            for (index, child) in description.children.enumerated() {
                guard child.kind == .integrator else {
                    throw SceneError("an aov integrator's children must be integrators, got <\(child.kind.rawValue)>",
                                     at: child.referenceLocation ?? child.location,
                                     element: description.elementDescription)
                }
                let name = child.name ?? child.id ?? "integrator_\(index)"
                settings.nested.append(NestedIntegrator(name: name,
                                                        settings: try readIntegrator(child, nestedIn: description)))
            }
        }
        settings.maxDepth = try description.integer("max_depth", default: Scene.defaultMaxDepth(of: settings.kind))
        settings.rrDepth = try description.integer("rr_depth", default: 5)
        settings.hideEmitters = try description.boolean("hide_emitters", default: false)
        if settings.maxDepth < -1 { throw description.error("max_depth must be -1 or more, got \(settings.maxDepth)", property: "max_depth") }
        if settings.rrDepth < 1 { throw description.error("rr_depth must be at least 1, got \(settings.rrDepth)", property: "rr_depth") }
        return settings
    }

    /// The nested integrators of a `moment` integrator (path, prb, prb_basic or direct), named as Mitsuba names its
    /// children: the `name` attribute, else "_arg_N" (N counting the unnamed ones).
    private static func readMomentIntegrators(_ description: PluginDescription, nestedIn parent: PluginDescription?,
                                              into settings: inout IntegratorSettings) throws {
        if let parent {
            throw SceneError("a moment integrator cannot be nested in another integrator",
                             at: description.referenceLocation ?? description.location,
                             element: parent.elementDescription)
        }
        var unnamed = 0
        for child in description.children {
            guard child.kind == .integrator else {
                throw SceneError("a moment integrator's children must be integrators, got <\(child.kind.rawValue)>",
                                 at: child.referenceLocation ?? child.location, element: description.elementDescription)
            }
            guard ["path", "prb", "prb_basic", "direct", "volpath"].contains(child.type) else {
                throw SceneError("a moment integrator nests path, prb, prb_basic, direct or volpath integrators, not '\(child.type)'",
                                 at: child.referenceLocation ?? child.location, element: description.elementDescription)
            }
            let name = child.name ?? "_arg_\(unnamed)"
            if child.name == nil { unnamed += 1 }
            settings.nested.append(NestedIntegrator(name: name, settings: try readIntegrator(child, nestedIn: description)))
        }
        if settings.nested.isEmpty {
            throw description.error("a moment integrator needs at least one nested integrator")
        }
    }

    /// Mitsuba's default `max_depth` of an integrator: -1 (unlimited, Russian roulette ends paths) for the C++
    /// integrators (`path`, `aov`'s nested ones), 6 for the differentiable Python ones (`prb`, `prb_basic`).
    static func defaultMaxDepth(of kind: IntegratorSettings.Kind) -> Int {
        switch kind {
        case .prb, .prbBasic: 6
        default: -1
        }
    }

    /// Makes shapes whose BSDFs are equivalent (`PluginDescription.equivalenceSignature`) share one material, as
    /// Mitsuba's parser merges them: the equivalent BSDF written first survives, a top-level declaration
    /// (`declared`, referenced or not) under its id, a shape's own under the path of the shape whose id sorts first
    /// (Mitsuba's traversal order); `descriptions[i]` is shape i's BSDF as written.
    private static func mergeEquivalentBSDFs(_ shapes: inout [SceneShape], descriptions: [PluginDescription?],
                                             declared: [PluginDescription]) {
        var first: [PluginDescription: (description: PluginDescription, key: String)] = [:]
        func offer(_ description: PluginDescription, key: String) {
            let signature = description.equivalenceSignature
            if let known = first[signature], !description.isWritten(before: known.description) { return }
            first[signature] = (description, key)
        }
        for description in declared { if let id = description.id { offer(description, key: id) } }
        for (index, description) in descriptions.enumerated() {
            guard let description else { continue }
            offer(description, key: shapes[index].bsdfKey ?? "\(shapes[index].keyPrefix).bsdf")
        }
        // A survivor without an id of its own is named by the path Mitsuba's traversal reaches it by first: the
        // shape whose id sorts first (the scene keeps its children sorted by name).
        var firstShape: [PluginDescription: Int] = [:]
        for (index, description) in descriptions.enumerated() {
            guard let description, shapes[index].bsdfKey == nil else { continue }
            let signature = description.equivalenceSignature
            if let known = firstShape[signature], shapes[known].keyPrefix <= shapes[index].keyPrefix { continue }
            firstShape[signature] = index
        }
        var objects: [PluginDescription: any BSDF] = [:]
        for (index, description) in descriptions.enumerated() {
            guard let description else { continue }
            let signature = description.equivalenceSignature
            let survivor = first[signature]!
            // An inline survivor (keyed by its shape's path) takes the first shape's path; a declared one its id.
            if survivor.key.hasSuffix(".bsdf"), let shape = firstShape[signature] {
                shapes[index].bsdfKey = "\(shapes[shape].keyPrefix).bsdf"
            } else {
                shapes[index].bsdfKey = survivor.key
            }
            if let object = objects[signature] { shapes[index].bsdf = object } else { objects[signature] = shapes[index].bsdf }
        }
    }

    /// `shading_samples`, or `emitter_samples` and `bsdf_samples`, of Mitsuba's `direct`.
    private static func readDirectSettings(_ description: PluginDescription, into settings: inout IntegratorSettings)
        throws {
        if description.has("shading_samples") && (description.has("emitter_samples") || description.has("bsdf_samples")) {
            throw description.error("give 'shading_samples' or 'emitter_samples'/'bsdf_samples', not both",
                                    property: "shading_samples")
        }
        let shading = try description.integer("shading_samples", default: 1)
        settings.emitterSamples = try description.integer("emitter_samples", default: shading)
        settings.bsdfSamples = try description.integer("bsdf_samples", default: shading)
        guard settings.emitterSamples >= 0, settings.bsdfSamples >= 0,
              settings.emitterSamples + settings.bsdfSamples > 0 else {
            throw description.error("direct needs at least one emitter or BSDF sample and no negative counts",
                                    property: "emitter_samples")
        }
    }
}
