// Which plugin type makes which object: the dispatch from Mitsuba XML plugin descriptions to plugins.
import Tracer

/// Builds plugins from their XML descriptions. Unknown types are errors naming the plugin, the file and the
/// supported types.
public enum PluginFactory {
    /// The supported `<bsdf type="...">` values.
    public static let bsdfTypes = ["diffuse", "dielectric", "thindielectric", "plastic", "conductor", "roughconductor", "roughdielectric", "roughplastic", "principled", "principledthin", "twosided", "mask", "blendbsdf", "bumpmap", "normalmap", "null"]
    /// The supported `<texture type="...">` values.
    public static let textureTypes = ["bitmap", "checkerboard", "mesh_attribute", "rawconstant"]
    /// The supported `<shape type="...">` values.
    public static let shapeTypes = ["rectangle", "sphere", "disk", "cylinder", "linearcurve", "bsplinecurve", "cube", "obj", "ply", "serialized", "shapegroup", "instance"]
    /// The supported `<emitter type="...">` values (`area` only nested in a shape).
    public static let emitterTypes = ["constant", "envmap", "point", "spot", "projector", "directional", "area"]

    /// The BSDF of a `<bsdf>` description.
    /// Equivalent descriptions of one document make one object (`EquivalentPlugins`), as in Mitsuba.
    public static func makeBSDF(_ description: PluginDescription, document: SceneDocument) throws -> any BSDF {
        try requireKind(.bsdf, description)
        return try document.equivalentPlugins.object(for: description) { try makeNewBSDF(description, document: document) }
    }

    private static func makeNewBSDF(_ description: PluginDescription, document: SceneDocument) throws -> any BSDF {
        switch description.type {
        case "diffuse": return try DiffuseBSDF(description, document: document)
        case "dielectric": return try DielectricBSDF(description, document: document)
        case "plastic": return try PlasticBSDF(description, document: document)
        case "conductor": return try ConductorBSDF(description, document: document)
        case "roughconductor": return try RoughConductorBSDF(description, document: document)
        case "roughdielectric": return try RoughDielectricBSDF(description, document: document)
        case "roughplastic": return try RoughPlasticBSDF(description, document: document)
        case "principled": return try PrincipledBSDF(description, document: document)
        case "principledthin": return try PrincipledThinBSDF(description, document: document)
        case "thindielectric": return try ThinDielectricBSDF(description, document: document)
        case "twosided": return try TwoSidedBSDF(description, document: document)
        case "mask": return try MaskBSDF(description, document: document)
        case "blendbsdf": return try BlendBSDF(description, document: document)
        case "bumpmap": return try BumpMapBSDF(description, document: document)
        case "normalmap": return try NormalMapBSDF(description, document: document)
        case "null": return try NullBSDF(description, document: document)
        default: throw unsupportedType(description, supported: bsdfTypes)
        }
    }

    /// The texture of a `<texture>` description.
    /// Equivalent descriptions of one document make one object (`EquivalentPlugins`), as in Mitsuba.
    public static func makeTexture(_ description: PluginDescription, document: SceneDocument) throws -> any Texture {
        try requireKind(.texture, description)
        return try document.equivalentPlugins.object(for: description) {
            try makeNewTexture(description, document: document)
        }
    }

    private static func makeNewTexture(_ description: PluginDescription, document: SceneDocument) throws -> any Texture {
        switch description.type {
        case "bitmap": return try BitmapTexture(description, document: document)
        case "checkerboard": return try CheckerboardTexture(description, document: document)
        case "mesh_attribute": return try MeshAttributeTexture(description, document: document)
        case "rawconstant": return try rawConstantTexture(description)
        default: throw unsupportedType(description, supported: textureTypes)
        }
    }

    /// Mitsuba's `rawconstant`: its `value` (a float, or three values given as rgb, vector or point) as it is, with
    /// no colour conversion: a `UniformTexture` or a `ConstantTexture`, parameter "value".
    private static func rawConstantTexture(_ description: PluginDescription) throws -> any Texture {
        try description.requireKnownProperties(["value"])
        switch description.value("value") {
        case .float, .integer: return UniformTexture(Float(try description.float("value")))
        case .rgb(let v), .vector(let v), .point(let v): return ConstantTexture(v)
        case nil: throw description.error("missing property 'value' (a float, or an rgb, vector or point)")
        case let other?:
            throw description.error("'value' must be a float, or an rgb, vector or point, found \(other.kindName)",
                                    property: "value")
        }
    }

    /// The geometry of a `<shape>` description (analytic, or a triangle mesh for `obj`, `ply`, `serialized` and
    /// `cube`) and the description of its BSDF: the nested `<bsdf>` (or `<ref>`), or Mitsuba's default, a diffuse
    /// BSDF of reflectance 0.5, when there is none.
    /// `memoryLimit` bounds what loading a mesh file may take (nil: no bound).
    public static func makeShape(_ description: PluginDescription, document: SceneDocument,
                                 memoryLimit: Int? = nil) throws -> (geometry: ShapeGeometry, bsdf: PluginDescription) {
        try makeShape(description, document: document, memoryLimit: memoryLimit, prefetched: nil)
    }

    /// `makeShape`, taking a mesh file from `prefetched` when it was read ahead.
    static func makeShape(_ description: PluginDescription, document: SceneDocument, memoryLimit: Int?,
                          prefetched: MeshFilePrefetch?) throws -> (geometry: ShapeGeometry, bsdf: PluginDescription) {
        try requireKind(.shape, description)
        let geometry: ShapeGeometry
        switch description.type {
        case "rectangle": geometry = .analytic(try RectangleShape(description, document: document))
        case "sphere": geometry = .analytic(try SphereShape(description, document: document))
        case "disk": geometry = .analytic(try DiskShape(description, document: document))
        case "cylinder": geometry = .analytic(try CylinderShape(description, document: document))
        case "linearcurve", "bsplinecurve": geometry = .curves(try makeCurves(description, document: document))
        case "shapegroup", "instance":
            throw description.error("a \(description.type) is only valid at the top level of a scene (shape groups "
                                    + "do not nest)")
        case let type where meshTypes.contains(type):
            // The BSDF is checked first: a mistake there is reported without reading a large file.
            let bsdf = try bsdfDescription(of: description)
            return (.mesh(try makeMesh(description, document: document, memoryLimit: memoryLimit,
                                       prefetched: prefetched)), bsdf)
        default: throw unsupportedType(description, supported: shapeTypes)
        }
        return (geometry, try bsdfDescription(of: description))
    }

    /// The emitter of a top-level `<emitter>` description.
    public static func makeEmitter(_ description: PluginDescription, document: SceneDocument) throws -> any Emitter {
        try requireKind(.emitter, description)
        switch description.type {
        case "constant": return try ConstantEmitter(description, document: document)
        case "envmap": return try EnvironmentMapEmitter(description, document: document)
        case "point": return try PointEmitter(description, document: document)
        case "spot": return try SpotEmitter(description, document: document)
        case "projector": return try ProjectorEmitter(description, document: document)
        case "directional": return try DirectionalEmitter(description, document: document)
        case "area": throw description.error("an area emitter belongs inside a <shape>")
        default: throw unsupportedType(description, supported: emitterTypes)
        }
    }

    /// The area emitter nested in a shape, for the shape's geometry, or nil when there is none.
    static func makeAreaEmitter(of shape: PluginDescription, geometry: ShapeGeometry,
                                document: SceneDocument) throws -> AreaEmitter? {
        let emitters = shape.children(of: .emitter)
        guard let description = emitters.first else { return nil }
        if emitters.count > 1 {
            throw SceneError("a shape takes one nested emitter, found \(emitters.count)",
                             at: emitters[1].referenceLocation ?? emitters[1].location, element: shape.elementDescription)
        }
        guard description.type == "area" else {
            throw description.error("a shape's emitter must be of type 'area', found '\(description.type)'")
        }
        let sampling: any AreaSampling
        var meshParameterization: (() throws -> any SurfaceParameterization)? = nil
        switch geometry {
        case .analytic(let analytic):
            guard let samplable = analytic as? any AreaSampling else {
                throw description.error("shape type '\(shape.type)' cannot carry an area emitter")
            }
            sampling = samplable
        case .mesh(let mesh):
            let meshSampler: MeshSampler
            do {
                meshSampler = try MeshSampler(mesh)
            } catch {
                throw description.error("cannot sample the mesh of '\(shape.id ?? shape.type)' for its area light: \(error)")
            }
            sampling = meshSampler
            // Built only for a radiance texture that varies over the surface.
            meshParameterization = { try MeshParameterization(mesh, sampler: meshSampler) }
        case .groupMesh, .groupAnalytic:
            throw description.error("a shape inside a shapegroup cannot carry an area emitter")
        case .curves:
            throw description.error("a \(shape.type) cannot carry an area emitter (Refract samples no points on "
                                    + "curves)")
        }
        return try AreaEmitter(description, shape: sampling, document: document,
                               meshParameterization: meshParameterization)
    }

    /// Mitsuba's `sampling_weight` of an emitter (default 1; must be positive and finite).
    static func samplingWeight(_ description: PluginDescription) throws -> Float {
        let weight = Float(try description.float("sampling_weight", default: 1))
        guard weight > 0, weight.isFinite else {
            throw description.error("sampling_weight must be positive, got \(weight)", property: "sampling_weight")
        }
        return weight
    }

    /// A BSDF's lobe sampling rate `name` (the principled BSDFs' `*_sampling_rate`): a plain float ≥ 0, default 1.
    static func lobeSamplingRate(_ description: PluginDescription, _ name: String) throws -> Float {
        if description.child(named: name) != nil {
            throw description.error("a textured '\(name)' is not supported (give a float, as Mitsuba requires)",
                                    property: name)
        }
        let value = try description.float(name, default: 1)
        guard value >= 0, value.isFinite else {
            throw description.error("'\(name)' must be a finite sampling weight ≥ 0, got \(value)", property: name)
        }
        return Float(value)
    }

    /// Throws for any nested plugin of a plugin that takes only values.
    static func rejectNestedPlugins(_ description: PluginDescription, instead: String) throws {
        guard let child = description.children.first else { return }
        throw SceneError("a nested \(child.kind) is not supported here (\(instead))",
                         at: child.referenceLocation ?? child.location, element: description.elementDescription)
    }

    /// The one nested bsdf of a shape, or a default diffuse description located at the shape.
    static func bsdfDescription(of shape: PluginDescription) throws -> PluginDescription {
        for child in shape.children where child.kind != .bsdf && child.kind != .emitter {
            throw SceneError("unexpected nested \(child.kind) (a shape takes one nested bsdf and one area emitter)",
                             at: child.referenceLocation ?? child.location, element: shape.elementDescription)
        }
        let bsdfs = shape.children(of: .bsdf)
        if bsdfs.count > 1 {
            throw SceneError("a shape takes one nested bsdf, found \(bsdfs.count)",
                             at: bsdfs[1].referenceLocation ?? bsdfs[1].location, element: shape.elementDescription)
        }
        return bsdfs.first ?? PluginDescription(kind: .bsdf, type: "diffuse", location: shape.location)
    }

    /// Throws for the first property of a shape not in `allowed`. Nested plugins are checked by `bsdfDescription`,
    /// which accepts a bsdf under any slot name, as Mitsuba does.
    static func requireKnownShapeProperties(_ description: PluginDescription, _ allowed: Set<String>) throws {
        var properties = description
        properties.children = []
        try properties.requireKnownProperties(allowed)
    }

    /// Throws unless `description` is a `<kind>` plugin (and, when given, of plugin type `type`).
    static func requireKind(_ kind: PluginKind, type: String? = nil, _ description: PluginDescription) throws {
        guard description.kind == kind else {
            throw description.error("expected a <\(kind)> plugin, found <\(description.kind)>")
        }
        if let type, description.type != type {
            throw description.error("expected a \(kind) of type '\(type)', found '\(description.type)'")
        }
    }

    /// Throws for the first nested plugin without a name (`requireKnownProperties` checks only named ones).
    static func rejectUnnamedChildren(_ description: PluginDescription, expected: String) throws {
        guard let child = description.children.first(where: { $0.name == nil }) else { return }
        throw SceneError("unexpected nested \(child.kind) (expected \(expected))",
                         at: child.referenceLocation ?? child.location, element: description.elementDescription)
    }

    /// The error for a plugin type not in `supported`.
    private static func unsupportedType(_ description: PluginDescription, supported: [String]) -> Error {
        do {
            try description.requirePluginType(in: supported)
        } catch {
            return error
        }
        return description.error("plugin type '\(description.type)' has no constructor")
    }
}
