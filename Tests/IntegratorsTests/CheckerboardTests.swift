// The checkerboard texture against Mitsuba 3.9.1 (PluginReferenceData): eval, eval_1, XML defaults and errors.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("checkerboard texture")
struct CheckerboardTests {
    /// The texture make_bsdf_references.py evaluated.
    static let xml = """
        <texture type="checkerboard"><rgb name="color0" value="0.9, 0.5, 0.1"/><float name="color1" value="0.25"/>
        <transform name="to_uv"><scale x="3" y="2"/><rotate z="1" angle="20"/><translate x="0.1" y="0.3"/></transform></texture>
        """

    static func texture(_ xml: String) throws -> any Texture {
        let (description, document) = try loadPlugin(xml, kind: .texture)
        return try PluginFactory.makeTexture(description, document: document)
    }

    @Test("eval and evalScalar (Mitsuba's eval_1, with its squares the other way round) are Mitsuba's",
          arguments: Variant.allCases)
    func againstMitsuba(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let texture = try Self.texture(Self.xml)
            let data = PluginReferenceData.uv
            let uv = Point2Array(stride(from: 0, to: data.count, by: 2).map { SIMD2(data[$0], data[$0 + 1]) })
            let lanes = data.count / 2
            let values = texture.eval(uv, active: BoolArray(repeating: true, count: lanes)).values
            let scalars = texture.evalScalar(uv, active: BoolArray(repeating: true, count: lanes)).values
            let expected = PluginBlendMaskTests.triples(PluginReferenceData.checkerboardEval)
            var colour1 = 0
            for lane in 0..<lanes {
                #expect(pluginClose(values[lane], expected[lane], 1e-6), "lane \(lane): \(values[lane]) vs \(expected[lane])")
                #expect(pluginClose(scalars[lane], PluginReferenceData.checkerboardEval1[lane], 1e-6),
                        "lane \(lane): \(scalars[lane]) vs \(PluginReferenceData.checkerboardEval1[lane])")
                if expected[lane] == Vector3f(repeating: 0.25) { colour1 += 1 }
            }
            // Both colours occur (the uv spread over several squares).
            #expect(colour1 > 5 && colour1 < lanes - 5)
            let masked = texture.eval(uv, active: BoolArray(repeating: false, count: lanes)).values
            #expect(masked.allSatisfy { $0 == .zero })
        }
    }

    @Test("XML defaults (0.4, 0.2, identity), Mitsuba's keys, and a diffuse BSDF that reads uv")
    func defaults() throws {
        let texture = try #require(try Self.texture(#"<texture type="checkerboard"/>"#) as? CheckerboardTexture)
        #expect(texture.toUV == .identity)
        #expect(texture.parameters.map(\.key) == ["to_uv", "color0.value", "color1.value"])
        #expect(!texture.parameters[0].slot.isDifferentiable)
        #expect(texture.parameters[1].slot.value.values == [0.4])
        #expect(texture.parameters[2].slot.value.values == [0.2])
        let diffuse = try loadBSDF(#"<bsdf type="diffuse"><texture name="reflectance" type="checkerboard"/></bsdf>"#)
        #expect(diffuse.readsSurfaceCoordinates)
        #expect(diffuse.parameters.map(\.key) == ["reflectance.to_uv", "reflectance.color0.value", "reflectance.color1.value"])
        // Nested textures as colours: a checkerboard of checkerboards.
        let nested = try Self.texture("""
            <texture type="checkerboard"><texture name="color0" type="checkerboard"><float name="color0" value="1"/></texture></texture>
            """)
        #expect(nested.parameters.map(\.key) == ["to_uv", "color0.to_uv", "color0.color0.value", "color0.color1.value",
                                                 "color1.value"])
        let lookups = nested.eval(Point2Array([SIMD2(0.1, 0.1), SIMD2(0.6, 0.1)]), active: true).values
        #expect(lookups == [Vector3f(repeating: 1), Vector3f(repeating: 0.2)])
    }

    @Test("bad input: clear SceneErrors")
    func xmlErrors() {
        let cases: [(String, String)] = [
            (#"<texture type="checkerboard"><rgb name="color2" value="1, 0, 0"/></texture>"#, "unexpected property 'color2'"),
            (#"<texture type="checkerboard"><string name="color0" value="red"/></texture>"#, "color0"),
            (#"<texture type="checkerboard"><bsdf name="color0" type="diffuse"/></texture>"#, "'color0' must be a texture"),
            (#"<texture type="checkerboard"><texture type="checkerboard"/></texture>"#, "unexpected nested texture"),
        ]
        for (xml, message) in cases {
            do {
                let texture = try Self.texture(xml)
                Issue.record("no error for \(xml): \(texture)")
            } catch let error as SceneError {
                #expect(error.description.contains(message), "\(xml): \(error.description)")
            } catch {
                Issue.record("not a SceneError for \(xml): \(error)")
            }
        }
    }
}
