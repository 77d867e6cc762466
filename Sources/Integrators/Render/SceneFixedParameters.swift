// The values Mitsuba's `mi.traverse` lists that Refract reads but does not differentiate (camera, film, meshes).
import Tracer

/// A value of a scene that `mi.traverse` lists under `key` but that is not one of `Scene.parameters` (Refract
/// does not differentiate or set it): the sensor's clip planes, field of view and placement, the film's size,
/// emitters' sampling weights, and meshes' index and vertex buffers.
public struct FixedSceneParameter: Sendable, Equatable {
    public var key: String
    /// Mitsuba's type name: "float", "Float", "ScalarVector2u", "AffineTransform4f", "UInt".
    public var type: String
    public var shape: [Int]
    public var values: [Float]

    public init(key: String, type: String, shape: [Int], values: [Float]) {
        self.key = key
        self.type = type
        self.shape = shape
        self.values = values
    }
}

extension Scene {
    /// The values `mi.traverse` lists besides `parameters`, in Mitsuba's order: the sensor (under its id; an
    /// unnamed one as "sensor", which Mitsuba names by its address) with its film; per emitter its sampling weight
    /// and its other fixed values (placement); the materials' fixed values (`to_uv`, a dielectric's `eta`); per
    /// shape its silhouette sampling weight, an analytic shape's `to_world`, a curve shape's control point count,
    /// segment indices and control points, a mesh's faces and vertex buffers
    /// (vertex normals where the mesh has them, texture coordinates empty where it has none) and its attributes
    /// (a shape group's members under `GROUP.MEMBER`); per instance its `to_world`.
    public var fixedParameters: [FixedSceneParameter] {
        var list: [FixedSceneParameter] = []
        func add(_ key: String, _ type: String, _ shape: [Int], _ values: [Float]) {
            list.append(FixedSceneParameter(key: key, type: type, shape: shape, values: values))
        }
        let film = sensor.film, camera = sensor.id
        add("\(camera).near_clip", "float", [], [sensor.nearClip])
        add("\(camera).far_clip", "float", [], [sensor.farClip])
        add("\(camera).shutter_open", "float", [], [sensor.shutterOpen])
        add("\(camera).shutter_open_time", "float", [], [sensor.shutterOpenTime])
        add("\(camera).film.size", "ScalarVector2u", [2], [Float(film.fullWidth), Float(film.fullHeight)])
        add("\(camera).film.crop_size", "ScalarVector2u", [2], [Float(film.width), Float(film.height)])
        add("\(camera).film.crop_offset", "ScalarPoint2u", [2], [Float(film.cropOffsetX), Float(film.cropOffsetY)])
        switch sensor.projection {
        case .perspective:
            add("\(camera).x_fov", "Float", [1], [sensor.horizontalFieldOfView])
            add("\(camera).principal_point_offset_x", "Float", [1], [0])
            add("\(camera).principal_point_offset_y", "Float", [1], [0])
        case .thinLens(let apertureRadius, let focusDistance):
            add("\(camera).aperture_radius", "Float", [1], [apertureRadius])
            add("\(camera).focus_distance", "Float", [1], [focusDistance])
            add("\(camera).x_fov", "Float", [1], [sensor.horizontalFieldOfView])
        case .orthographic:
            break
        }
        let matrix = sensor.toWorld.matrix.elements
        add("\(camera).to_world", "AffineTransform4f", [4, 4], (0..<16).map { matrix[$0] })
        func add(_ entries: [(key: String, slot: ParameterSlot)]) {
            for (key, slot) in entries {
                add(key, slot.typeName ?? "Float", slot.shape, slot.value.values)
            }
        }
        let listed = parameters.fixedSlots
        for emitter in emitters {
            add("\(emitter.id).sampling_weight", "float", [], [emitter.emitter.samplingWeight])
            add(listed.filter { $0.key.hasPrefix(emitter.id + ".") })
        }
        let emitterKeys = Set(emitters.map { $0.id + "." })
        add(listed.filter { entry in !emitterKeys.contains { entry.key.hasPrefix($0) } })
        // A shape group's members are listed once, in the group's space; the copies instances place are not.
        for shape in shapes where shape.placedBy == nil {
            let prefix = shape.keyPrefix
            add("\(prefix).silhouette_sampling_weight", "float", [], [1])
            if let analytic = shape.geometry.analytic ?? shape.groupAnalytic?.shape {
                let matrix = analytic.toWorld.matrix.elements
                add("\(prefix).to_world", "AffineTransform4f", [4, 4], (0..<16).map { matrix[$0] })
            }
            if let curves = shape.curves {
                // Mitsuba lists these three (a B-spline's control points as differentiable); Refract reads them only.
                add("\(prefix).control_point_count", "int", [], [Float(curves.controlPointCount)])
                add("\(prefix).segment_indices", "UInt", [curves.segmentCount], curves.segmentIndices.map { Float($0) })
                add("\(prefix).control_points", "Float", [curves.controlPoints.count], curves.controlPoints)
            }
            guard let mesh = shape.mesh ?? shape.groupMesh?.mesh else { continue }
            add("\(prefix).faces", "UInt", [mesh.indices.count], mesh.indices.map { Float($0) })
            add("\(prefix).vertex_positions", "Float", [mesh.positions.count], mesh.positions)
            if let normals = mesh.normals { add("\(prefix).vertex_normals", "Float", [normals.count], normals) }
            // Listed empty when the mesh has none, as Mitsuba does.
            let texcoords = mesh.texcoords ?? []
            add("\(prefix).vertex_texcoords", "Float", [texcoords.count], texcoords)
            // Mitsuba lists (and differentiates) mesh attributes; `mesh_attribute` reads them here as fixed data.
            if let colors = mesh.colors { add("\(prefix).vertex_color", "Float", [colors.count], colors) }
            for attribute in mesh.attributes {
                add("\(prefix).\(attribute.name)", "Float", [attribute.values.count], attribute.values)
            }
        }
        for instance in instances {
            let matrix = instance.toWorld.matrix.elements
            add("\(instance.id).to_world", "AffineTransform4f", [4, 4], (0..<16).map { matrix[$0] })
        }
        return list
    }
}
