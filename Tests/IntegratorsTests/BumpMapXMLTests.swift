// bumpmap, normalmap and mesh_attribute from XML: Mitsuba's defaults and keys, clear errors for bad input.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("bumpmap, normalmap and mesh_attribute from XML")
struct BumpMapXMLTests {
    /// A raw bilinear bitmap of the fixture `file`, as a nested texture element named `name` (nil: unnamed).
    static func bitmap(_ file: String, name: String? = nil) -> String {
        let path = BumpMapTests.fixture(file).path
        return "<texture type=\"bitmap\"\(name.map { " name=\"\($0)\"" } ?? "")>"
            + "<string name=\"filename\" value=\"\(path)\"/><boolean name=\"raw\" value=\"true\"/></texture>"
    }

    static let diffuse = "<bsdf type=\"diffuse\"><rgb name=\"reflectance\" value=\"0.2, 0.4, 0.6\"/></bsdf>"

    @Test("bumpmap: defaults, Mitsuba's keys and the nested BSDF's flags")
    func bumpmapDefaults() throws {
        let bsdf = try #require(try loadBSDF("<bsdf type=\"bumpmap\" id=\"b\">" + Self.bitmap("height.png")
                                             + Self.diffuse + "</bsdf>") as? BumpMapBSDF)
        #expect(bsdf.scale == 1 && bsdf.flipsInvalidNormals && bsdf.usesShadowingFunction)
        #expect(bsdf.parameters.map(\.key) == ["nested_bsdf.reflectance.value", "nested_texture.data",
                                                "nested_texture.to_uv", "scale"])
        #expect(bsdf.flags == bsdf.nested.flags && bsdf.readsSurfaceCoordinates)
        let tuned = try #require(try loadBSDF("<bsdf type=\"bumpmap\" id=\"b\"><float name=\"scale\" value=\"0.25\"/>"
                                              + "<boolean name=\"use_shadowing_function\" value=\"false\"/>"
                                              + "<boolean name=\"flip_invalid_normals\" value=\"false\"/>"
                                              + Self.diffuse + Self.bitmap("height.png", name: "height") + "</bsdf>")
                                 as? BumpMapBSDF)
        #expect(tuned.scale == 0.25 && !tuned.flipsInvalidNormals && !tuned.usesShadowingFunction)
    }

    @Test("bumpmap: errors name the property or child and what was expected")
    func bumpmapErrors() {
        let open = "<bsdf type=\"bumpmap\" id=\"b\">"
        #expect(bsdfError(open + Self.diffuse + "</bsdf>").contains("exactly one nested texture"))
        #expect(bsdfError(open + Self.bitmap("height.png") + "</bsdf>").contains("exactly one nested bsdf"))
        #expect(bsdfError(open + Self.bitmap("height.png") + Self.diffuse + Self.diffuse + "</bsdf>")
            .contains("exactly one nested bsdf, found 2"))
        #expect(bsdfError(open + Self.bitmap("height.png") + Self.bitmap("height.png") + Self.diffuse + "</bsdf>")
            .contains("exactly one nested texture (the height), found 2"))
        #expect(bsdfError(open + "<texture type=\"checkerboard\"/>" + Self.diffuse + "</bsdf>")
            .contains("needs a uv gradient (a bitmap), found a 'checkerboard' texture"))
        #expect(bsdfError(open + Self.bitmap("height.png") + Self.diffuse + "<float name=\"strength\" value=\"1\"/></bsdf>")
            .contains("strength"))
        #expect(bsdfError(open + Self.bitmap("height.png") + Self.diffuse + "<string name=\"scale\" value=\"big\"/></bsdf>")
            .contains("scale"))
        #expect(bsdfError(open + Self.bitmap("height.png") + Self.diffuse + "<emitter type=\"point\"/></bsdf>")
            .contains("unexpected nested emitter"))
    }

    @Test("normalmap: defaults, Mitsuba's keys; errors for a missing map or a wrong number of BSDFs")
    func normalmapXML() throws {
        let bsdf = try #require(try loadBSDF("<bsdf type=\"normalmap\" id=\"b\">" + Self.bitmap("normals.png", name: "normalmap")
                                             + Self.diffuse + "</bsdf>") as? NormalMapBSDF)
        #expect(bsdf.flipsInvalidNormals && bsdf.usesShadowingFunction && bsdf.flags == bsdf.nested.flags)
        #expect(bsdf.parameters.map(\.key) == ["nested_bsdf.reflectance.value", "normalmap.data", "normalmap.to_uv"])
        let open = "<bsdf type=\"normalmap\" id=\"b\">"
        #expect(bsdfError(open + Self.diffuse + "</bsdf>").contains("the property 'normalmap' is required"))
        #expect(bsdfError(open + Self.bitmap("normals.png", name: "normalmap") + "</bsdf>")
            .contains("exactly one nested bsdf, found 0"))
        #expect(bsdfError(open + Self.bitmap("normals.png", name: "normalmap") + Self.diffuse + Self.diffuse + "</bsdf>")
            .contains("exactly one nested bsdf, found 2"))
        #expect(bsdfError(open + Self.bitmap("normals.png") + Self.diffuse + "</bsdf>").contains("unexpected nested texture"))
        #expect(bsdfError(open + Self.bitmap("normals.png", name: "normalmap") + Self.diffuse
                          + "<float name=\"scale\" value=\"2\"/></bsdf>").contains("scale"))
    }

    @Test("mesh_attribute: defaults; errors for a missing or malformed name")
    func meshAttributeXML() throws {
        func texture(_ body: String) throws -> any Texture {
            let (description, document) = try loadPlugin("<texture type=\"mesh_attribute\">" + body + "</texture>",
                                                         kind: .texture)
            return try PluginFactory.makeTexture(description, document: document)
        }
        func error(_ body: String) -> String {
            do { _ = try texture(body); return "" } catch { return "\(error)" }
        }
        let plain = try #require(try texture("<string name=\"name\" value=\"vertex_color\"/>") as? MeshAttributeTexture)
        #expect(plain.name == "vertex_color" && plain.scale == 1)
        #expect(plain.parameters.map(\.key) == ["scale"] && !plain.parameters[0].slot.isDifferentiable)
        let scaled = try #require(try texture("<string name=\"name\" value=\"face_id\"/><float name=\"scale\" value=\"2\"/>")
                                  as? MeshAttributeTexture)
        #expect(scaled.scale == 2)
        #expect(error("").contains("the property 'name' is required"))
        #expect(error("<string name=\"name\" value=\"color\"/>").contains("'name' must start with \"vertex_\" or \"face_\""))
        #expect(error("<string name=\"name\" value=\"vertex_color\"/><float name=\"gain\" value=\"2\"/>").contains("gain"))
    }

    @Test("mesh_attribute in a scene: a shape without the attribute is an error naming the attribute and the mesh")
    func meshAttributeSceneErrors() throws {
        let directory = try ImageTestDirectory()
        let sensor = """
            <sensor type="perspective"><film type="hdrfilm"><integer name="width" value="4"/>\
            <integer name="height" value="4"/></film></sensor>
            """
        func sceneError(_ shape: String) -> String {
            do {
                _ = try Scene(document: try PluginFixtures.document(sensor + shape, in: directory))
                return ""
            } catch { return "\(error)" }
        }
        let bsdf = "<bsdf type=\"diffuse\"><texture type=\"mesh_attribute\" name=\"reflectance\">"
            + "<string name=\"name\" value=\"NAME\"/></texture></bsdf>"
        let cube = sceneError("<shape type=\"cube\" id=\"box\">" + bsdf.replacingOccurrences(of: "NAME", with: "vertex_color")
                              + "</shape>")
        #expect(cube.contains("has no attribute 'vertex_color'") && cube.contains("box")
                && cube.contains("its attributes: none"), "\(cube)")
        let ply = BumpMapTests.fixture("colors.ply").path
        let face = sceneError("<shape type=\"ply\" id=\"quad\"><string name=\"filename\" value=\"\(ply)\"/>"
                              + bsdf.replacingOccurrences(of: "NAME", with: "face_color") + "</shape>")
        #expect(face.contains("mesh 'quad' has no attribute 'face_color'") && face.contains("no attribute 'face_color'")
                && face.contains("its attributes: vertex_color"), "\(face)")
        let sphere = sceneError("<shape type=\"sphere\" id=\"ball\">"
                                + bsdf.replacingOccurrences(of: "NAME", with: "vertex_color") + "</shape>")
        #expect(sphere.contains("shape 'ball' uses the mesh attribute 'vertex_color' but is not a triangle mesh"),
                "\(sphere)")
    }
}

/// The text of the error that loading the `<bsdf>` element `xml` throws ("" when it loads).
private func bsdfError(_ xml: String) -> String {
    do { _ = try loadBSDF(xml); return "" } catch { return "\(error)" }
}
