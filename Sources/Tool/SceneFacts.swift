// `Tool info --scene FILE.xml`: what a scene holds, how long loading it takes and the memory it needs per triangle.
import Foundation
import Integrators

/// The facts `Tool info` prints about a scene file, measured while loading it once.
struct SceneFacts {
    var file: String
    var loadSeconds: Double
    var shapes: Int
    var meshShapes: Int
    /// Shapes of curves (`linearcurve`, `bsplinecurve`), their segments and control points.
    var curveShapes: Int
    var curveSegments: Int
    var controlPoints: Int
    var instances: Int
    var triangles: Int
    var vertices: Int
    /// The quality Embree built the meshes' BVH at (nil without meshes).
    var bvhQuality: EmbreeBuildQuality?
    var materials: Int
    var emitters: Int
    /// The participating media (homogeneous), and whether the camera sits in one.
    var media: Int
    var sensorInMedium: Bool
    var integrator: String
    var film: String
    var samplesPerPixel: Int
    /// Bytes per triangle: the traced vertex and index buffers, Embree's copy and BVH, and the growth of the
    /// process's resident memory over the load (which also counts the loaders' host copies).
    var bufferBytesPerTriangle: Double
    var embreeBytesPerTriangle: Double?
    var residentBytesPerTriangle: Double?

    /// Loads the scene the options name (parse, meshes and BVH build), timing it.
    static func measure(_ options: SceneOptions, memory: RenderMemory) throws -> SceneFacts {
        let embreeBefore = (try? EmbreeLibrary.shared())?.allocatedBytes
        let residentBefore = RenderMemory.residentBytes()
        let start = DispatchTime.now().uptimeNanoseconds
        let scene = try options.loadScene(memory: memory)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let meshes = scene.meshes
        let curves = scene.shapes.compactMap(\.curves)
        let triangles = meshes?.triangleCount ?? 0
        func perTriangle(_ bytes: Int) -> Double? { triangles > 0 ? Double(bytes) / Double(triangles) : nil }
        let embreeAfter = (try? EmbreeLibrary.shared())?.allocatedBytes
        let sensor = scene.sensor, film = sensor.film
        var filmText = "\(film.width)x\(film.height)"
        if film.isCropped {
            filmText += " (crop of \(film.fullWidth)x\(film.fullHeight) at \(film.cropOffsetX),\(film.cropOffsetY))"
        }
        filmText += "\(film.hasAlpha ? " rgba" : " rgb"), \(film.filter.pluginName) filter; \(sensor.projection.pluginName) "
            + "camera, \(sensor.samplePattern.name) sampler"
        return SceneFacts(
            file: options.scene, loadSeconds: seconds, shapes: scene.shapes.count,
            meshShapes: scene.shapes.filter { $0.mesh != nil || $0.groupMesh != nil }.count,
            curveShapes: curves.count, curveSegments: curves.reduce(0) { $0 + $1.segmentCount },
            controlPoints: curves.reduce(0) { $0 + $1.controlPointCount },
            instances: scene.instances.count, triangles: triangles, vertices: meshes?.vertexCount ?? 0,
            bvhQuality: meshes?.accelerator.buildQuality,
            materials: scene.materials.count, emitters: scene.emitters.count,
            media: scene.media.count, sensorInMedium: scene.sensorMedium != nil,
            integrator: scene.integrator.kind.rawValue, film: filmText,
            samplesPerPixel: scene.sensor.sampleCount, bufferBytesPerTriangle: meshes?.bufferBytesPerTriangle ?? 0,
            embreeBytesPerTriangle: embreeBefore.flatMap { before in embreeAfter.flatMap { perTriangle($0 - before) } },
            residentBytesPerTriangle: residentBefore.flatMap { before in RenderMemory.residentBytes().flatMap { perTriangle($0 - before) } })
    }

    func print() {
        Swift.print("scene:         \(file)")
        Swift.print(String(format: "load:          %.3f s (parse, meshes, BVH build)", loadSeconds))
        Swift.print("shapes:        \(shapes) (\(meshShapes) meshes), \(instances) instances, \(materials) materials, \(emitters) emitters")
        if curveShapes > 0 {
            Swift.print("curves:        \(curveShapes) shapes, \(curveSegments) segments (\(controlPoints) control points)")
        }
        Swift.print("triangles:     \(triangles) (\(vertices) vertices)"
                    + (bvhQuality.map { ", BVH built at \($0.rawValue) quality" } ?? ""))
        if media > 0 {
            Swift.print("media:         \(media) homogeneous\(sensorInMedium ? ", the camera in one" : "")")
        }
        Swift.print("integrator:    \(integrator), film \(film), spp \(samplesPerPixel)")
        guard triangles > 0 else { return }
        var parts = [String(format: "traced buffers %.1f", bufferBytesPerTriangle)]
        if let embreeBytesPerTriangle { parts.append(String(format: "Embree BVH and copy %.1f", embreeBytesPerTriangle)) }
        if let residentBytesPerTriangle { parts.append(String(format: "resident growth %.1f", residentBytesPerTriangle)) }
        Swift.print("per triangle:  \(parts.joined(separator: ", ")) bytes")
    }
}
