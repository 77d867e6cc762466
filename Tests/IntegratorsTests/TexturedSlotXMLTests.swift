// Textured roughness and area-light radiance from Mitsuba XML: nested and referenced textures, keys, and errors.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("textured roughness and radiance from XML")
struct TexturedSlotXMLTests {
    static let gray = TexturedSlotSceneTests.fixture("roughness_gray.exr").path
    static let rgb = TexturedSlotSceneTests.fixture("roughness_rgb.exr").path

    static func keys(_ bsdf: any BSDF) -> [String] { bsdf.parameters.map(\.key) }

    static func error(_ xml: String) -> String {
        do { _ = try loadBSDF(xml); return "" } catch { return "\(error)" }
    }

    @Test("roughconductor: a nested checkerboard or bitmap alpha, Mitsuba's keys, isotropic")
    func nestedTextures() throws {
        let checker = try #require(try loadBSDF("""
            <bsdf type="roughconductor" id="b"><texture type="checkerboard" name="alpha">
                <float name="color0" value="0.05"/><float name="color1" value="0.4"/></texture></bsdf>
            """) as? RoughConductorBSDF)
        #expect(checker.isIsotropic && checker.readsSurfaceCoordinates)
        #expect(Self.keys(checker) == ["alpha.to_uv", "alpha.color0.value", "alpha.color1.value", "eta.value", "k.value"])
        let bitmap = try #require(try loadBSDF("""
            <bsdf type="roughconductor" id="b"><string name="distribution" value="ggx"/>
                <texture type="bitmap" name="alpha"><string name="filename" value="\(Self.gray)"/></texture></bsdf>
            """) as? RoughConductorBSDF)
        #expect(Self.keys(bitmap) == ["alpha.data", "alpha.to_uv", "eta.value", "k.value"])
        #expect(bitmap.parameters[0].slot.shape == [4, 8, 1], "a gray image keeps one channel, as in Mitsuba")
        let plain = try #require(try loadBSDF(#"<bsdf type="roughconductor" id="b"/>"#) as? RoughConductorBSDF)
        #expect(!plain.readsSurfaceCoordinates && (plain.alphaU as? UniformTexture)?.value.value.values == [0.1],
                "a float roughness stays a uniform value of shape [1]")
    }

    @Test("alpha_u and alpha_v: textured, mixed with a float, or one referenced texture (then isotropic)")
    func anisotropic() throws {
        let mixed = try #require(try loadBSDF("""
            <bsdf type="roughdielectric" id="b">
                <texture type="bitmap" name="alpha_u"><string name="filename" value="\(Self.rgb)"/></texture>
                <float name="alpha_v" value="0.3"/></bsdf>
            """) as? RoughDielectricBSDF)
        #expect(!mixed.isIsotropic)
        #expect(Self.keys(mixed) == ["eta", "alpha_u.data", "alpha_u.to_uv", "alpha_v.value"])
        #expect(mixed.parameters[1].slot.shape == [4, 4, 3])
        // Mitsuba compares the two textures by identity: one object under both names is isotropic ("alpha").
        let shared = try #require(try loadBSDF("""
            <texture type="bitmap" id="r"><string name="filename" value="\(Self.gray)"/></texture>
            <bsdf type="roughconductor" id="b"><ref name="alpha_u" id="r"/><ref name="alpha_v" id="r"/></bsdf>
            """) as? RoughConductorBSDF)
        #expect(shared.isIsotropic)
        #expect(Self.keys(shared) == ["alpha.data", "alpha.to_uv", "eta.value", "k.value"])
        // Equal nested textures are merged into one object by Mitsuba's parser, and so here: isotropic too.
        let merged = try loadBSDF("""
            <bsdf type="roughconductor" id="b">
                <texture type="checkerboard" name="alpha_u"/><texture type="checkerboard" name="alpha_v"/></bsdf>
            """)
        #expect(Self.keys(merged).prefix(3) == ["alpha.to_uv", "alpha.color0.value", "alpha.color1.value"])
        let referenced = try #require(try loadBSDF("""
            <texture type="checkerboard" id="c"/>
            <bsdf type="roughconductor" id="b"><ref name="alpha" id="c"/></bsdf>
            """) as? RoughConductorBSDF)
        #expect(referenced.alphaU is CheckerboardTexture && referenced.isIsotropic)
        let separate = try #require(try loadBSDF("""
            <bsdf type="roughconductor" id="b"><float name="alpha_u" value="0.2"/><float name="alpha_v" value="0.2"/></bsdf>
            """) as? RoughConductorBSDF)
        #expect(!separate.isIsotropic && Self.keys(separate).prefix(2) == ["alpha_u.value", "alpha_v.value"],
                "two floats are two textures, as in Mitsuba")
        let colour = try loadBSDF(#"<bsdf type="roughconductor" id="b"><rgb name="alpha" value="0.1, 0.2, 0.3"/></bsdf>"#)
        #expect(colour.parameters[0].key == "alpha.value" && colour.parameters[0].slot.shape == [3])
    }

    @Test("clear errors: a roughplastic texture, a plugin that is not a texture, an unknown texture, bad numbers")
    func errors() {
        let plastic = Self.error("""
            <bsdf type="roughplastic" id="b"><texture type="checkerboard" name="alpha"/></bsdf>
            """)
        #expect(plastic.contains("'alpha' of a roughplastic is a float"), "\(plastic)")
        let notTexture = Self.error("""
            <bsdf type="roughconductor" id="b"><bsdf type="diffuse" name="alpha"/></bsdf>
            """)
        #expect(notTexture.contains("'alpha' must be a texture, found a bsdf"), "\(notTexture)")
        let unknown = Self.error("""
            <bsdf type="roughdielectric" id="b"><texture type="volume" name="alpha_u"/><float name="alpha_v" value="0.1"/></bsdf>
            """)
        #expect(unknown.contains("unknown texture plugin 'volume' (supported: bitmap, checkerboard, mesh_attribute, rawconstant)"),
                "\(unknown)")
        let both = Self.error("""
            <bsdf type="roughconductor" id="b"><float name="alpha" value="0.1"/>
                <texture type="checkerboard" name="alpha_u"/><texture type="checkerboard" name="alpha_v"/></bsdf>
            """)
        #expect(both.contains("give either 'alpha' or 'alpha_u' and 'alpha_v', not both"), "\(both)")
        let half = Self.error(#"<bsdf type="roughconductor" id="b"><texture type="checkerboard" name="alpha_v"/></bsdf>"#)
        #expect(half.contains("give both 'alpha_u' and 'alpha_v' (only 'alpha_v' is given)"), "\(half)")
        let negative = Self.error(#"<bsdf type="roughdielectric" id="b"><float name="alpha" value="-0.2"/></bsdf>"#)
        #expect(negative.contains("'alpha' must be a roughness ≥ 0, got -0.2"), "\(negative)")
        let negativeColour = Self.error(#"<bsdf type="roughconductor" id="b"><rgb name="alpha" value="0.1, -1, 0.2"/></bsdf>"#)
        #expect(negativeColour.contains("'alpha' must be a roughness ≥ 0"), "\(negativeColour)")
    }

    /// A scene around one emitting shape, `shape` holding the `<emitter>` element `emitter`.
    static func scene(shape: String, emitter: String) throws -> Scene {
        let directory = try ImageTestDirectory()
        let xml = """
            <scene version="3.0.0">
                <sensor type="perspective"><film type="hdrfilm"><integer name="width" value="4"/>
                    <integer name="height" value="4"/></film></sensor>
                <shape type="\(shape)" id="light">\(emitter)</shape>
            </scene>
            """
        let url = directory.file("scene.xml")
        try xml.write(to: url, atomically: true, encoding: .utf8)
        return try Scene(contentsOf: url)
    }

    @Test("an area light's radiance: a nested texture (keys under radiance.), on analytic shapes and meshes")
    func areaLightRadiance() throws {
        let bitmap = """
            <emitter type="area"><texture type="bitmap" name="radiance">
                <string name="filename" value="\(Self.rgb)"/></texture></emitter>
            """
        let textured = try Self.scene(shape: "rectangle", emitter: bitmap)
        #expect(try textured.parameters.shape(of: "light.emitter.radiance.data") == [4, 4, 3])
        #expect(try textured.emitters[0].emitter.parameters.map(\.key) == ["radiance.data", "radiance.to_uv"])
        let batch = try textured.parameters.value("light.emitter.radiance.data").values
        #expect(throws: RenderError.self) {
            _ = try textured.render(samplesPerPixel: 1, seeds: [1, 2], batching: "light.emitter.radiance.data",
                                    values: FloatArray(batch + batch))
        }
        let constant = try Self.scene(shape: "sphere", emitter: #"<emitter type="area"><float name="radiance" value="2"/></emitter>"#)
        #expect(try constant.parameters.value("light.emitter.radiance.value").values == [2, 2, 2])
        let checker = try Self.scene(shape: "disk", emitter: """
            <emitter type="area"><texture type="checkerboard" name="radiance"/></emitter>
            """)
        #expect(checker.hasTexturedAreaLights)
        // A mesh with texture coordinates (Mitsuba's cube has them) places texture samples through its uv layout.
        #expect(try Self.scene(shape: "cube", emitter: bitmap).hasTexturedAreaLights)
        do {
            _ = try Self.scene(shape: "rectangle", emitter: #"<emitter type="area"><bsdf type="diffuse" name="radiance"/></emitter>"#)
            Issue.record("a BSDF is not a radiance")
        } catch {
            #expect("\(error)".contains("'radiance' must be a texture, found a bsdf"), "\(error)")
        }
    }
}
