// A scene's data for one mesh attribute: the meshes' values, triangles and positions, found by shape index.
import Tracer

extension TriangleMesh {
    /// The names of the mesh attributes this mesh has (Mitsuba's keys: "vertex_color" for PLY colours, then the
    /// file's other attributes).
    public var attributeNames: [String] { (colors != nil ? ["vertex_color"] : []) + attributes.map(\.name) }

    /// The attribute `name`: `channels` values per vertex (`perVertex`) or per triangle; nil when the mesh has
    /// none.
    func attribute(named name: String) -> (values: [Float], channels: Int, perVertex: Bool)? {
        if name == "vertex_color", let colors { return (colors, 3, true) }
        guard let buffer = attributes.first(where: { $0.name == name }) else { return nil }
        return (buffer.values, buffer.channels, buffer.isPerVertex)
    }
}

/// One attribute of every world-space mesh that has it, concatenated: per shape index the first triangle of its
/// mesh, the triangles' vertex indices into the concatenated vertices, the positions (for the barycentric
/// coordinates of a hit point) and the values (per vertex, or per triangle where `perVertex` is false; a
/// one-channel attribute is stored in all three components, as Mitsuba's RGB lookup broadcasts it).
struct MeshAttributeTable {
    /// Per shape of the scene: the index of its mesh's first triangle (0 for shapes without the attribute).
    var firstTriangle: UInt32Array
    var faces: UInt32Array
    var positions: Vector3Array
    var values: Vector3Array
    var perVertex: Bool
    /// Values per vertex or triangle: 1 or 3 can be read (Mitsuba's JIT variants give 0 for other sizes).
    var channels: Int

    /// The table of attribute `name` over `meshes` (shape index, mesh), all of which have it with the same layout.
    init(name: String, meshes: [(shape: Int, mesh: TriangleMesh)], shapeCount: Int) {
        var first = [UInt32](repeating: 0, count: max(shapeCount, 1))
        var faces: [UInt32] = [], px: [Float] = [], py: [Float] = [], pz: [Float] = []
        var vx: [Float] = [], vy: [Float] = [], vz: [Float] = []
        var perVertex = true, channels = 3
        for (shape, mesh) in meshes {
            let attribute = mesh.attribute(named: name)!
            perVertex = attribute.perVertex
            channels = attribute.channels
            first[shape] = UInt32(faces.count / 3)
            let offset = UInt32(px.count)
            faces += mesh.indices.map { $0 + offset }
            for i in 0..<mesh.vertexCount {
                px.append(mesh.positions[3 * i]); py.append(mesh.positions[3 * i + 1]); pz.append(mesh.positions[3 * i + 2])
            }
            let c = attribute.channels
            for i in 0..<(attribute.values.count / c) {
                let value = attribute.values[c * i]
                vx.append(value)
                vy.append(c == 3 ? attribute.values[3 * i + 1] : value)
                vz.append(c == 3 ? attribute.values[3 * i + 2] : value)
            }
        }
        firstTriangle = UInt32Array(first)
        self.faces = UInt32Array(faces.isEmpty ? [0, 0, 0] : faces)
        positions = Vector3Array(x: FloatArray(px.isEmpty ? [0] : px), y: FloatArray(py.isEmpty ? [0] : py),
                                 z: FloatArray(pz.isEmpty ? [0] : pz))
        values = Vector3Array(x: FloatArray(vx.isEmpty ? [0] : vx), y: FloatArray(vy.isEmpty ? [0] : vy),
                              z: FloatArray(vz.isEmpty ? [0] : vz))
        self.perVertex = perVertex
        self.channels = channels
    }

    /// The attribute at each hit: the hit triangle's value, or its vertices' values weighted by the barycentric
    /// coordinates (w, u, v) of p, found as Mitsuba does: u, v solve the 2x2 normal equations of
    /// p − p0 = u (p1 − p0) + v (p2 − p0), w = 1 − u − v.
    func value(at si: SurfaceInteraction, active: BoolArray) -> Vector3Array {
        guard channels == 1 || channels == 3 else { return Vector3Array(repeating: .zero, count: 1) }
        let triangle = firstTriangle.gather(si.shapeIndex, mask: active) + si.primitiveIndex
        guard perVertex else { return values.gather(triangle, mask: active) }
        let corner = triangle * UInt32(3)
        let i0 = faces.gather(corner, mask: active), i1 = faces.gather(corner + UInt32(1), mask: active)
        let i2 = faces.gather(corner + UInt32(2), mask: active)
        let p0 = positions.gather(i0, mask: active)
        let du = positions.gather(i1, mask: active) - p0, dv = positions.gather(i2, mask: active) - p0
        let relative = si.p - p0
        let b1 = du.dot(relative), b2 = dv.dot(relative)
        let a11 = du.dot(du), a12 = du.dot(dv), a22 = dv.dot(dv)
        let inverseDeterminant = 1 / (a11 * a22 - a12 * a12)
        let u = fma(a22, b1, -(a12 * b2)) * inverseDeterminant
        let v = fma(-a12, b1, a11 * b2) * inverseDeterminant
        let w = 1 - u - v
        let v0 = values.gather(i0, mask: active), v1 = values.gather(i1, mask: active)
        let v2 = values.gather(i2, mask: active)
        return fma(v0, w, fma(v1, u, v2 * v))
    }
}

extension MeshAttributeTexture {
    /// Binds the mesh attribute textures that `shapes`' BSDFs use to the shapes' meshes. Throws when a shape
    /// using one is not a world-space mesh with the attribute (naming the attribute, the shape and the mesh), or
    /// when an area light's radiance is one (emitter sampling has no hit triangle).
    static func bind(shapes: [SceneShape]) throws {
        var users: [ObjectIdentifier: (texture: MeshAttributeTexture, shapes: [Int])] = [:]
        var order: [ObjectIdentifier] = []
        for (index, shape) in shapes.enumerated() {
            if let emitter = shape.emitter, let texture = textures(in: emitter).first {
                throw SceneError("shape '\(shape.id)': a mesh_attribute texture ('\(texture.name)') as an area "
                                    + "light's radiance is not supported", at: nil)
            }
            for texture in textures(in: shape.bsdf) {
                let key = ObjectIdentifier(texture)
                if users[key] == nil { users[key] = (texture, []); order.append(key) }
                users[key]!.shapes.append(index)
            }
        }
        for key in order {
            let (texture, using) = users[key]!
            var meshes: [(shape: Int, mesh: TriangleMesh)] = []
            var layout: (Bool, Int)?
            for index in using {
                let shape = shapes[index]
                guard case .mesh(let mesh) = shape.geometry else {
                    throw SceneError("shape '\(shape.id)' uses the mesh attribute '\(texture.name)' but is not a "
                                        + "triangle mesh (an instanced mesh or an analytic shape has no attributes)",
                                     at: nil)
                }
                guard let attribute = mesh.attribute(named: texture.name) else {
                    let known = mesh.attributeNames.isEmpty ? "none" : mesh.attributeNames.joined(separator: ", ")
                    let which = mesh.name == shape.id ? "'\(mesh.name)'" : "'\(mesh.name)' (shape '\(shape.id)')"
                    throw SceneError("mesh \(which) has no attribute '\(texture.name)' (its attributes: \(known))",
                                     at: nil)
                }
                if let layout, layout != (attribute.perVertex, attribute.channels) {
                    throw SceneError("the mesh attribute '\(texture.name)' differs in layout between meshes "
                                        + "(values per vertex or face, or channels)", at: nil)
                }
                layout = (attribute.perVertex, attribute.channels)
                meshes.append((index, mesh))
            }
            texture.table = MeshAttributeTable(name: texture.name, meshes: meshes, shapeCount: shapes.count)
        }
    }

    /// The mesh attribute textures inside `plugin` (a BSDF, texture or emitter), found by walking its stored
    /// BSDFs and textures.
    static func textures(in plugin: Any) -> [MeshAttributeTexture] {
        var found: [MeshAttributeTexture] = []
        func walk(_ value: Any) {
            if let texture = value as? MeshAttributeTexture {
                if !found.contains(where: { $0 === texture }) { found.append(texture) }
                return
            }
            for child in Mirror(reflecting: value).children {
                if child.value is any BSDF || child.value is any Texture {
                    walk(child.value)
                } else if let list = child.value as? [Any] {
                    for element in list where element is any BSDF || element is any Texture { walk(element) }
                }
            }
        }
        walk(plugin)
        return found
    }
}
