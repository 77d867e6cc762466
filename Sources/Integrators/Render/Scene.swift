// A scene ready to render: the sensor, the shapes with their BSDFs, the emitter and the integrator settings.
import Tracer

/// An integrator nested in an `aov` integrator, under the name that prefixes its channels.
public struct NestedIntegrator: Sendable, Equatable {
    public var name: String
    public var settings: IntegratorSettings

    public init(name: String, settings: IntegratorSettings) {
        self.name = name
        self.settings = settings
    }
}

/// Which light transport algorithm renders the scene, with Mitsuba's parameters and defaults.
public struct IntegratorSettings: Sendable, Equatable {
    /// `path` or `prb`: the same estimator; `prb` also differentiates with path replay backpropagation.
    /// `prb_basic`: PRB without emitter sampling or Russian roulette (paths find emitters by BSDF sampling alone).
    /// `direct`: direct illumination only (Mitsuba's `direct`, differentiated as recorded). `aov`: geometry and
    /// material outputs (`aovs`; `Scene.renderAOVs`). `moment`: its nested integrators' images with the second
    /// moments of their samples (`Scene.renderMoments`). `volpath`: Mitsuba's volumetric path tracer through
    /// homogeneous media (`Scene.media`), forward only.
    public enum Kind: String, Sendable, CaseIterable {
        case path, prb, direct, aov, moment, volpath
        case prbBasic = "prb_basic"
    }

    public var kind: Kind
    /// Longest path, in rays (-1: unlimited). Mitsuba's defaults: -1 for `path`, 6 (at most 5 scattering events)
    /// for `prb` and `prb_basic`.
    public var maxDepth: Int
    /// Depth from which Russian roulette starts.
    public var rrDepth: Int
    /// When true, emitters seen directly by the camera are black.
    public var hideEmitters: Bool
    /// Not Mitsuba's: once at most this fraction of a wavefront's lanes is still active, later bounces trace only
    /// those lanes (wavefront compaction); 0 turns it off. Images are the same bit for bit either way, and gradients
    /// the same up to the order of their sums.
    public var compactionThreshold: Double
    /// Not Mitsuba's: when true, a bounce that would record the same kernel as the bounce before it is launched
    /// from that bounce's frozen launch instead of being recorded again (the same results, less host time).
    public var freezesBounces: Bool
    /// Not Mitsuba's: how the path loops run, the PRB adjoint replay's included. Images are the
    /// same bit for bit either way. Symbolic by default: measured alternating on the 2-core test machine, 1.4 times
    /// the wavefront's samples per second at 512x512 spp 64 and about 10% faster on the tutorial's batched render.
    public var pathLoop: PathLoop
    /// Not Mitsuba's: when true, a PRB gradient render of a scene with meshes keeps its primal replay's Embree answers
    /// for the first bounces (`ReplayHitLog`: 28 bytes per sample and bounce, at most 8 bounces), and the adjoint
    /// pass reads them instead of tracing the same rays again. Symbolic path loops only. Gradients are the same
    /// either way, up to the order of their sums.
    public var reusesReplayHits: Bool
    /// Not Mitsuba's: when true, a render launches the symbolic path-loop kernel (and PRB's adjoint loop) that an
    /// earlier render of the same scene froze for inputs of the same structure, instead of recording the loop again
    /// (`FrozenPathLoops`). Images and gradients are the same bit for bit either way; a scene whose bounding
    /// sphere or media change starts afresh.
    public var freezesPathLoops: Bool

    /// The `direct` integrator's emitter and BSDF samples per camera ray (Mitsuba's `emitter_samples`,
    /// `bsdf_samples`, both defaulting to `shading_samples`, 1).
    public var emitterSamples = 1
    public var bsdfSamples = 1
    /// The `aov` integrator's outputs.
    public var aovs: [AOV] = []
    /// The `aov` integrator's nested integrators, whose images come first in its output (Mitsuba's children); the
    /// `moment` integrator's, whose images and moments it renders.
    public var nested: [NestedIntegrator] = []

    /// How the bounces of the primal path loop run.
    public enum PathLoop: String, Sendable, CaseIterable {
        /// The host runs the bounce loop: one kernel launch per bounce over the path state in memory, with
        /// compaction and frozen bounces (`compactionThreshold`, `freezesBounces`).
        case wavefront
        /// All bounces run inside one kernel as a symbolic loop (`whileLoop(mode: .symbolic)`): the path state
        /// stays in registers, and a vector of lanes leaves the loop when its last path ends.
        case symbolic
    }

    public init(kind: Kind = .prb, maxDepth: Int = 6, rrDepth: Int = 5, hideEmitters: Bool = false,
                compactionThreshold: Double = 0.25, freezesBounces: Bool = true, pathLoop: PathLoop = .symbolic,
                reusesReplayHits: Bool = true, freezesPathLoops: Bool = true) {
        self.kind = kind
        self.maxDepth = maxDepth
        self.rrDepth = rrDepth
        self.hideEmitters = hideEmitters
        self.compactionThreshold = compactionThreshold
        self.freezesBounces = freezesBounces
        self.pathLoop = pathLoop
        self.reusesReplayHits = reusesReplayHits
        self.freezesPathLoops = freezesPathLoops
    }
}

/// A renderable scene.
public struct Scene {
    /// The camera, with its film. Changing it keeps the frozen loops (`frozenPathLoops`): the path loops never read
    /// the sensor (its rays are their inputs), and renders set the film's image count on copies of the scene.
    public var sensor: Sensor
    /// The shapes, in declaration order (a hit's `shapeIndex` indexes this list).
    public let shapes: [SceneShape]
    /// The emitters: the top-level ones, then the area lights of shapes in shape order. Emitter sampling picks
    /// among them (by `samplingWeight`).
    public let emitters: [SceneEmitter]
    /// How emitter sampling chooses among `emitters` when their sampling weights differ (nil: uniformly).
    let emitterDistribution: DiscreteDistribution?
    /// The index in `emitters` of the environment (the light at infinity that escaped rays see), if any.
    public let environmentIndex: Int?
    /// For each shape, the index in `emitters` of its area light, if it has one.
    let shapeEmitters: [Int?]
    /// How to render.
    public var integrator: IntegratorSettings
    /// Centre and radius of a sphere containing all geometry (shadow rays toward the environment end beyond it).
    public var boundingSphere: (center: Vector3f, radius: Float) { didSet { forgetFrozenPathLoops() } }
    /// The distinct materials: one per shape, except that shapes sharing a `bsdfKey` share one. The per-lane
    /// material dispatch has one case per entry.
    public let materials: [SceneMaterial]
    /// For each shape, the index of its material in `materials`.
    let shapeMaterials: [Int]
    /// `shapeEmitters` and `shapeMaterials` as arrays for lookups by shape index, made once: a table made by each
    /// recording would be a buffer of that render's, which a frozen path loop cannot keep (`FrozenPathLoops`).
    let shapeTables: ShapeTables
    /// The placements of shape groups (whose meshes are the shapes with `.groupMesh` geometry).
    public let instances: [SceneInstance]
    /// The triangle meshes on Embree, or nil when the scene has none.
    public let meshes: MeshGeometry?
    /// The frozen path loops that renders of this scene (and of its unchanged copies) launch instead of recording
    /// their loop again, unless `integrator.freezesPathLoops` is off. Made afresh whenever a value that the loops
    /// bake in changes (the bounding sphere, media), so that a copy changed that way never shares
    /// the kernels of the scene it was copied from.
    public internal(set) var frozenPathLoops = FrozenPathLoops()
    /// The participating media that shapes (`SceneShape.interiorMedium`, `exteriorMedium`) and the sensor
    /// (`sensorMedium`) name by index. Only `volpath` renders them; other integrators ignore them, as Mitsuba's do.
    public var media: [HomogeneousMedium] = [] { didSet { forgetFrozenPathLoops() } }
    /// The index in `media` of the medium the camera sits in, nil for vacuum.
    public var sensorMedium: Int? { didSet { forgetFrozenPathLoops() } }

    /// A scene of `shapes` and `instances` of their shape groups, lit by `emitter`. `boundingSphere` defaults to
    /// the sphere around all geometry. Throws when the scene has triangle meshes and Embree cannot be loaded, or a
    /// mesh or an instance is invalid, or a shape uses a mesh attribute it lacks, or the meshes would take more than `memoryLimit` bytes to trace (default:
    /// 90% of the available memory).
    /// `emitters` are the top-level ones (the shapes bring their area lights). `bvhQuality` is that of the meshes'
    /// Embree scene (`automatic` weighs the build against the render: the sensor's film at
    /// `expectedSamplesPerPixel`, by default its sampler's count).
    public init(sensor: Sensor, shapes: [SceneShape], instances: [SceneInstance] = [],
                emitters: [SceneEmitter], integrator: IntegratorSettings = IntegratorSettings(),
                boundingSphere: (center: Vector3f, radius: Float)? = nil, memoryLimit: Int? = nil,
                bvhQuality: EmbreeBuildQuality = .automatic, expectedSamplesPerPixel: Int? = nil) throws {
        self.sensor = sensor
        self.shapes = shapes
        self.instances = instances
        var all = emitters
        var shapeEmitters: [Int?] = []
        for shape in shapes {
            guard let light = shape.emitter else {
                shapeEmitters.append(nil)
                continue
            }
            shapeEmitters.append(all.count)
            all.append(SceneEmitter(id: "\(shape.keyPrefix).emitter", emitter: light))
        }
        self.emitters = all
        emitterDistribution = Scene.emitterDistribution(of: all)
        self.shapeEmitters = shapeEmitters
        let environments = all.indices.filter { all[$0].emitter.flags.contains(.infinite) && !all[$0].emitter.flags.isDelta }
        if environments.count > 1 {
            throw SceneEmitterError("only one environment emitter is allowed, found \(environments.count) ("
                                    + environments.map { all[$0].id }.joined(separator: ", ") + ")")
        }
        environmentIndex = environments.first
        self.integrator = integrator
        self.boundingSphere = boundingSphere
            ?? Scene.boundingSphere(of: Scene.bounds(of: shapes, instances: instances))
        (materials, shapeMaterials) = Scene.materials(of: shapes)
        shapeTables = ShapeTables(shapeEmitters: shapeEmitters, shapeMaterials: shapeMaterials)
        try MeshAttributeTexture.bind(shapes: shapes)
        meshes = try MeshGeometry(shapes: shapes, instances: instances,
                                  memoryLimit: memoryLimit ?? RenderMemory.machineDefault.limit, quality: bvhQuality,
                                  expectedSamples: sensor.film.batchPixelCount
                                      * (expectedSamplesPerPixel ?? sensor.sampleCount))
    }

    /// The differentiable values of the scene under Mitsuba's keys, e.g.
    /// `textured_plane.bsdf.brdf_0.reflectance.data`: a shape's own material under `SHAPE.bsdf.`, a shared one
    /// under its key.
    public var parameters: SceneParameters {
        var entries: [(String, ParameterSlot)] = []
        for material in materials {
            for (key, slot) in material.bsdf.parameters { entries.append(("\(material.key).\(key)", slot)) }
        }
        for light in emitters {
            for (key, slot) in light.emitter.parameters { entries.append(("\(light.id).\(key)", slot)) }
        }
        let curveKeys = shapes.filter { $0.curves != nil }.flatMap { shape in
            ["control_point_count", "segment_indices", "control_points"].map { "\(shape.keyPrefix).\($0)" }
        }
        return SceneParameters(entries, curveKeys: Set(curveKeys))
    }

    /// The box around all shapes and instances, or nil when there is no geometry.
    static func bounds(of shapes: [SceneShape], instances: [SceneInstance] = []) -> (min: Vector3f, max: Vector3f)? {
        var boxes = shapes.compactMap(\.bounds)
        for instance in instances {
            let members = shapes.compactMap { $0.groupMesh }.filter { $0.group == instance.group }
            guard let box = union(members.compactMap(\.mesh.bounds)) else { continue }
            // The transformed box's corners bound the transformed group.
            let corners = (0..<8).map { corner in
                instance.toWorld.applyPoint(Vector3f(corner & 1 == 0 ? box.min.x : box.max.x,
                                                     corner & 2 == 0 ? box.min.y : box.max.y,
                                                     corner & 4 == 0 ? box.min.z : box.max.z))
            }
            boxes.append(corners.dropFirst().reduce((corners[0], corners[0])) { ($0.0.min($1), $0.1.max($1)) })
        }
        return union(boxes)
    }

    private static func union(_ boxes: [(min: Vector3f, max: Vector3f)]) -> (min: Vector3f, max: Vector3f)? {
        boxes.reduce(nil) { (box: (min: Vector3f, max: Vector3f)?, next) in
            guard let box else { return next }
            return (box.min.min(next.min), box.max.max(next.max))
        }
    }

    /// The sphere around a box (Mitsuba's `BoundingBox3f::bounding_sphere`), or a unit sphere for no geometry.
    public static func boundingSphere(of box: (min: Vector3f, max: Vector3f)?) -> (center: Vector3f, radius: Float) {
        guard let box else { return (Vector3f(0, 0, 0), 1) }
        let center = (box.min + box.max) * 0.5
        return (center, (box.max - center).length)
    }
}

/// An emitter of a scene with its id, the prefix of its parameter keys (`SHAPE.emitter` for an area light).
public struct SceneEmitter {
    public var id: String
    public var emitter: any Emitter

    public init(id: String, emitter: any Emitter) {
        self.id = id
        self.emitter = emitter
    }
}

/// A scene whose emitters do not go together.
public struct SceneEmitterError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// One distinct material of a scene: its BSDF and the prefix of its parameter keys.
public struct SceneMaterial {
    /// The BSDF.
    public var bsdf: any BSDF
    /// `SHAPE.bsdf` for a shape's own material, or the shared BSDF's key.
    public var key: String
}

extension Scene {
    /// The distinct materials of `shapes` and each shape's index among them.
    static func materials(of shapes: [SceneShape]) -> ([SceneMaterial], [Int]) {
        var materials: [SceneMaterial] = []
        var indexOfKey: [String: Int] = [:]
        var shapeMaterials: [Int] = []
        for shape in shapes {
            if let key = shape.bsdfKey, let index = indexOfKey[key] {
                shapeMaterials.append(index)
                continue
            }
            if let key = shape.bsdfKey { indexOfKey[key] = materials.count }
            shapeMaterials.append(materials.count)
            materials.append(SceneMaterial(bsdf: shape.bsdf, key: shape.bsdfKey ?? "\(shape.keyPrefix).bsdf"))
        }
        return (materials, shapeMaterials)
    }
}
