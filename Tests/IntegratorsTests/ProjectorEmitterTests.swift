// The projector light against hand-computed values: irradiance in and out of its frustum, the image lookup and
// its aspect ratio, placement, and its XML (parse_fov's field of view, keys, errors).
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("projector emitter")
struct ProjectorEmitterTests {
    /// Samples the light from `points` and returns, per point, the sample and its weight.
    static func sampled(_ emitter: ProjectorEmitter, _ points: [Vector3f])
        -> (p: [Vector3f], n: [Vector3f], d: [Vector3f], dist: [Float], pdf: [Float], weight: [Vector3f]) {
        let count = points.count
        let (sample, weight) = emitter.sampleDirection(from: Vector3Array(points),
                                                       sample: Point2Array(repeating: 0.5, 0.5, count: count),
                                                       bounds: EmitterSceneBounds(center: .zero, radius: 10),
                                                       active: BoolArray(repeating: true, count: count))
        let broadcast = { (values: [Vector3f]) in values.count == 1 ? Array(repeating: values[0], count: count) : values }
        return (broadcast(sample.p.values), broadcast(sample.n.values), sample.d.values, sample.dist.values,
                sample.pdf.values, weight.values)
    }

    @Test("a constant image: π·scale·irradiance / (z² cos θ) inside the frustum, pdf 1; nothing outside or behind",
          arguments: Variant.allCases)
    func constantIrradiance(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            // fov 90: the image plane at z = 1 spans [−1, 1]², so x / z and y / z within ±1 are lit.
            let emitter = ProjectorEmitter(irradiance: ConstantTexture(Vector3f(2, 3, 4)), scale: 1.5,
                                           horizontalFieldOfView: 90)
            let points = [Vector3f(0, 0, 2), Vector3f(1, 0.5, 2), Vector3f(1.9, -1.9, 2),
                          Vector3f(2.2, 0, 2), Vector3f(0, -2.1, 2), Vector3f(0, 0, -2)]
            let result = Self.sampled(emitter, points)
            let irradiance = Vector3f(2, 3, 4) * (1.5 * Float.pi)
            // Straight ahead: cos θ = 1, z = 2.
            #expect(pluginClose(result.weight[0], irradiance * (1 / Float(4)), 1e-6))
            #expect(result.d[0] == Vector3f(0, 0, -1) && result.dist[0] == 2)
            // Off the axis: cos θ = z / |p|.
            let cosine = 2 / Float(5.25).squareRoot()
            #expect(pluginClose(result.weight[1], irradiance * (1 / (4 * cosine)), 1e-6))
            #expect(pluginClose(result.d[1], Vector3f(-1, -0.5, -2) * (1 / Float(5.25).squareRoot()), 1e-6))
            // Near a corner of the frustum, still inside.
            let corner = 2 / (1.9 * 1.9 * 2 + 4).squareRoot()
            #expect(pluginClose(result.weight[2], irradiance * (1 / (4 * Float(corner))), 1e-5))
            #expect(result.pdf[0...2] == [1, 1, 1])
            // Beyond the left and lower edges of the image, and behind the projector: nothing, pdf 0.
            #expect(result.weight[3...5].allSatisfy { $0 == .zero })
            #expect(result.pdf[3...5] == [0, 0, 0])
            for index in points.indices {
                #expect(result.p[index] == .zero && result.n[index] == Vector3f(0, 0, 1))
            }
            let sample = emitter.sampleDirection(from: Vector3Array(points),
                                                 sample: Point2Array(repeating: 0.5, 0.5, count: points.count),
                                                 bounds: EmitterSceneBounds(center: .zero, radius: 10),
                                                 active: BoolArray(repeating: true, count: points.count)).sample
            let all = BoolArray(repeating: true, count: points.count)
            #expect(emitter.pdfDirection(from: Vector3Array(points), sample, active: all).values.allSatisfy { $0 == 0 })
            #expect(emitter.evalDirection(from: Vector3Array(points), sample, active: all).values == result.weight)
            #expect(emitter.flags == .deltaPosition)
        }
    }

    @Test("a plane facing the projector receives the same irradiance everywhere in the frustum")
    func evenOnAPlane() {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            let emitter = ProjectorEmitter(irradiance: UniformTexture(0.8), scale: 2, horizontalFieldOfView: 60)
            let reach = 3 * Float(tan(Double.pi / 6))
            let points = (0..<25).map { i in
                Vector3f(reach * (Float(i % 5) / 2.5 - 0.9), reach * (Float(i / 5) / 2.5 - 0.9), 3)
            }
            let result = Self.sampled(emitter, points)
            for index in points.indices {
                // Irradiance on the plane z = 3 (normal −z): weight · cos θ.
                let received = result.weight[index] * -result.d[index].z
                #expect(pluginClose(received, Vector3f(repeating: 0.8 * 2 * Float.pi / 9), 1e-5),
                        "at \(points[index]): \(received)")
            }
        }
    }

    @Test("a bitmap image: looked up where the point projects, rows from the top, its aspect ratio bounding v",
          arguments: Variant.allCases)
    func bitmapIrradiance(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            // 4 × 2 texels, (row, column) holding (column + 1, row + 1, 10); aspect 2, so at fov 90 the image
            // spans x/z in [−1, 1] and y/z in [−½, ½]: u = ½ − ½ x/z, v = ½ − y/z.
            var texels: [Float] = []
            for row in 0..<2 {
                for column in 0..<4 { texels += [Float(column + 1), Float(row + 1), 10] }
            }
            let bitmap = BitmapTexture(data: FloatArray(texels), width: 4, height: 2, filter: .nearest)
            let emitter = ProjectorEmitter(irradiance: bitmap, scale: 1, horizontalFieldOfView: 90)
            let points = [Vector3f(0.6, 0.2, 1),    // u 0.2, v 0.3: row 0, column 0
                          Vector3f(-0.6, -0.3, 1),  // u 0.8, v 0.8: row 1, column 3
                          Vector3f(-0.1, 0.4, 1),   // u 0.55, v 0.1: row 0, column 2
                          Vector3f(-0.1, 0.6, 1),   // v −0.1: above the image (inside for a square one)
                          Vector3f(0.2, -0.55, 1)]  // v 1.05: below it
            let result = Self.sampled(emitter, points)
            let expected = [Vector3f(1, 1, 10), Vector3f(4, 2, 10), Vector3f(3, 1, 10)]
            for index in 0..<3 {
                let cosine = 1 / points[index].length
                #expect(pluginClose(result.weight[index], expected[index] * (Float.pi / cosine), 1e-5),
                        "\(points[index]): \(result.weight[index])")
            }
            #expect(result.weight[3...4].allSatisfy { $0 == .zero } && result.pdf == [1, 1, 1, 0, 0])
            #expect(emitter.parameters.map(\.key) == ["scale", "irradiance.data", "irradiance.to_uv", "to_world"])
        }
    }

    @Test("placed by to_world: along its axis at distance d the weight is π·irradiance / d²; n is the axis")
    func placement() {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            let origin = Vector3f(1, 2, 3), target = Vector3f(-1, 0, 2)
            let toWorld = Transform4.lookAt(origin: origin, target: target, up: Vector3f(0, 0, 1))
            let emitter = ProjectorEmitter(toWorld: toWorld, irradiance: ConstantTexture(Vector3f(1, 2, 3)),
                                           horizontalFieldOfView: 20)
            let axis = (target - origin) * (1 / (target - origin).length)
            let sideways = axis.cross(Vector3f(0, 0, 1))
            let points = [origin + axis * 2, origin + axis * 2 + sideways * 0.5, origin - axis * 2]
            let result = Self.sampled(emitter, points)
            #expect(pluginClose(result.weight[0], Vector3f(1, 2, 3) * (Float.pi / 4), 1e-5))
            #expect(result.p[0] == origin && pluginClose(result.n[0], axis, 1e-6))
            // Half a unit sideways at distance 2 is outside a 20° cone (tan 10° · 2 ≈ 0.35); behind is dark too.
            #expect(result.weight[1] == .zero && result.weight[2] == .zero && result.pdf == [1, 0, 0])
        }
    }
}

@Suite("projector emitter from XML")
struct ProjectorXMLTests {
    /// The emitter with id "p" built from `body` (in a directory holding a 4 × 2 EXR "slide.exr").
    static func make(_ body: String) throws -> ProjectorEmitter {
        let directory = try ImageTestDirectory()
        var bitmap = Bitmap(width: 4, height: 2, channelCount: 3, isSRGB: false)
        for index in bitmap.pixels.indices { bitmap.pixels[index] = Float(index) / 8 }
        try bitmap.write(to: directory.file("slide.exr"))
        let document = try PluginFixtures.document(body, in: directory)
        let description = try #require(document.plugins.first { $0.id == "p" })
        return try #require(try PluginFactory.makeEmitter(description, document: document) as? ProjectorEmitter)
    }

    static let slide = #"<texture type="bitmap" name="irradiance"><string name="filename" value="slide.exr"/></texture>"#

    /// The message of the error building `body` throws ("" when it builds).
    static func error(_ body: String) -> String {
        do {
            _ = try make(body)
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test("the horizontal field of view is Mitsuba's parse_fov for the image's aspect ratio (x_fov as 3.9.1 prints it)",
          arguments: [("", 34.0221), (#"<float name="fov" value="75"/><string name="fov_axis" value="diagonal"/>"#, 56.9669),
                      (#"<float name="fov" value="30"/><string name="fov_axis" value="y"/>"# + slide, 56.3736),
                      (#"<float name="fov" value="30"/><string name="fov_axis" value="smaller"/>"# + slide, 56.3736),
                      (#"<float name="fov" value="50"/><string name="fov_axis" value="diagonal"/>"# + slide, 45.2799),
                      (#"<string name="focal_length" value="35mm"/>"# + slide, 57.8712)])
    func fieldOfView(properties: String, mitsuba: Float) throws {
        let emitter = try Self.make(#"<emitter type="projector" id="p">\#(properties)</emitter>"#)
        #expect(abs(emitter.horizontalFieldOfView - mitsuba) < 1e-4, "\(emitter.horizontalFieldOfView) vs \(mitsuba)")
    }

    @Test("defaults and keys: irradiance 1, scale 1 (differentiable), to_world listed; values and textures read")
    func defaultsAndKeys() throws {
        TraceContext.with(CompileOptions(variant: .scalar)) {
            do {
                let plain = try Self.make(#"<emitter type="projector" id="p"/>"#)
                #expect(plain.parameters.map(\.key) == ["scale", "irradiance.value", "to_world"])
                #expect(plain.scale.value.values == [1] && plain.scale.isDifferentiable)
                #expect(plain.parameters.last.map { !$0.slot.isDifferentiable } == true)
                #expect(plain.irradiance.eval(Point2Array(repeating: 0.5, 0.5), active: true).values == [.one])
                let coloured = try Self.make("""
                    <emitter type="projector" id="p"><rgb name="irradiance" value="25.5, 38, 20.1"/>
                    <float name="scale" value="85.8"/><float name="sampling_weight" value="2"/>
                    <transform name="to_world"><translate x="1"/></transform></emitter>
                    """)
                #expect(coloured.parameters.map(\.key) == ["scale", "irradiance.value", "to_world"])
                #expect(coloured.scale.value.values == [85.8] && coloured.samplingWeight == 2)
                #expect(coloured.toWorld.translation == Vector3f(1, 0, 0))
                #expect(coloured.irradiance.eval(Point2Array(repeating: 0.5, 0.5), active: true).values
                        == [Vector3f(25.5, 38, 20.1)])
                let textured = try Self.make(#"<emitter type="projector" id="p">\#(Self.slide)</emitter>"#)
                #expect(textured.irradiance.resolution == (4, 2))
                #expect(textured.parameters.map(\.key) == ["scale", "irradiance.data", "irradiance.to_uv", "to_world"])
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test("bad input is an error naming it", arguments: [
        (#"<float name="fov" value="40"/><string name="focal_length" value="20mm"/>"#, "focal_length"),
        (#"<float name="fov" value="180"/>"#, "field of view"),
        (#"<float name="fov" value="0"/>"#, "field of view"),
        (#"<string name="fov_axis" value="y"/>"#, "fov_axis"),
        (#"<float name="fov" value="40"/><string name="fov_axis" value="width"/>"#, "fov_axis"),
        (#"<string name="focal_length" value="wide"/>"#, "focal length"),
        (#"<rgb name="intensity" value="1"/>"#, "intensity"),
        (#"<texture type="mesh_attribute" name="irradiance"><string name="name" value="vertex_color"/></texture>"#,
         "irradiance"),
        (#"<texture type="bitmap"><string name="filename" value="slide.exr"/></texture>"#, "irradiance"),
    ])
    func badInput(properties: String, word: String) {
        let message = Self.error(#"<emitter type="projector" id="p">\#(properties)</emitter>"#)
        #expect(message.contains(word), "\(message) lacks '\(word)'")
        #expect(message.contains("projector"), "\(message) does not name the plugin")
    }
}
