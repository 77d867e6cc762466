import Foundation
import Testing

@testable import Integrators

/// A fresh temporary directory per call.
private func makeTempDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("refract-scenexml-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// Writes `xml` to `<tmp>/scene.xml` (plus extra files) and parses it.
private func load(
    _ xml: String, overrides: [String: String] = [:], extraFiles: [String: String] = [:]
) throws -> SceneDocument {
    let dir = try makeTempDirectory()
    for (name, contents) in extraFiles {
        let url = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: url, atomically: true, encoding: .utf8)
    }
    let url = dir.appendingPathComponent("scene.xml")
    try xml.write(to: url, atomically: true, encoding: .utf8)
    return try SceneDocument(contentsOf: url, overrides: overrides)
}

/// Wraps `body` in a version 3 scene: body line k is file line k + 1.
private func scene(_ body: String) -> String {
    "<scene version=\"3.0.0\">\n" + body + "\n</scene>\n"
}

/// The error thrown by parsing, as text ("" when parsing succeeded).
private func errorText(_ xml: String, overrides: [String: String] = [:]) -> String {
    do {
        _ = try load(xml, overrides: overrides)
        return ""
    } catch let error as SceneError {
        return error.description
    } catch {
        return "non-SceneError: \(error)"
    }
}

private func close(_ a: Matrix4, _ b: Matrix4, _ tol: Float = 1e-6) -> Bool { a.maxAbsDifference(b) <= tol }

private let tutorialXML = """
    <scene version="3.0.0">
        <default name="spp" value="128"/>
        <default name="res" value="256"/>

        <integrator type="prb">
            <integer name="max_depth" value="8"/>
        </integrator>

        <sensor type="perspective">
            <string name="fov_axis" value="x"/>
            <float name="fov" value="60"/>
            <transform name="to_world">
                <lookat origin="0, 0, -2" target="0, 0, 0" up="0, -1, 0"/>
            </transform>
            <sampler type="independent">
                <integer name="sample_count" value="$spp"/>
            </sampler>
            <film type="hdrfilm">
                <integer name="width" value="$res"/>
                <integer name="height" value="$res"/>
                <rfilter type="tent"/>
                <string name="pixel_format" value="rgb"/>
            </film>
        </sensor>

        <!-- A textured wall -->
        <shape type="rectangle">
            <transform name="to_world">
                <scale value="1.2"/>
            </transform>
            <bsdf type="twosided">
                <bsdf type="diffuse">
                    <texture type="bitmap" name="reflectance">
                        <string name="filename" value="textures/checker.png"/>
                        <boolean name="raw" value="False"/>
                    </texture>
                </bsdf>
            </bsdf>
        </shape>

        <shape type="sphere">
            <transform name="to_world">
                <scale value="0.45"/>
                <translate x="0" y="0" z="-1"/>
            </transform>
            <bsdf type="dielectric">
                <string name="int_ior" value="bk7"/>
                <float name="ext_ior" value="1.0"/>
            </bsdf>
        </shape>

        <emitter type="constant">
            <rgb name="radiance" value="1.0"/>
        </emitter>
    </scene>
    """

@Suite("Scene XML reader")
struct SceneXMLTests {
    @Test func tutorialScene() throws {
        let doc = try load(tutorialXML)
        #expect(doc.version == "3.0.0")
        #expect(doc.root.kind == .scene)
        #expect(doc.plugins.map(\.kind) == [.integrator, .sensor, .shape, .shape, .emitter])

        let integrator = doc.plugins(of: .integrator)[0]
        #expect(integrator.type == "prb")
        #expect(try integrator.integer("max_depth") == 8)

        let sensor = doc.plugins(of: .sensor)[0]
        #expect(sensor.type == "perspective")
        #expect(try sensor.float("fov") == 60)
        #expect(try sensor.string("fov_axis") == "x")
        #expect(sensor.location.line == 9)
        let expectedLookAt = Matrix4(rowMajor: [-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, -2, 0, 0, 0, 1])
        let toWorld = try sensor.transform("to_world")
        #expect(close(toWorld.matrix, expectedLookAt))
        #expect(close(toWorld.inverse * toWorld.matrix, .identity))
        let sampler = sensor.children(of: .sampler)[0]
        #expect(sampler.type == "independent")
        #expect(try sampler.integer("sample_count") == 128)
        let film = sensor.children(of: .film)[0]
        #expect(film.type == "hdrfilm")
        #expect(try film.integer("width") == 256 && film.integer("height") == 256)
        #expect(film.children(of: .rfilter).map(\.type) == ["tent"])
        #expect(film.propertyOrder == ["width", "height", "pixel_format"])

        let rectangle = doc.plugins(of: .shape)[0]
        #expect(rectangle.type == "rectangle")
        #expect(close(try rectangle.transform("to_world").matrix, Matrix4(diagonal: SIMD4<Float>(1.2, 1.2, 1.2, 1))))
        let twosided = rectangle.children(of: .bsdf)[0]
        #expect(twosided.type == "twosided")
        let diffuse = twosided.children[0]
        #expect(diffuse.kind == .bsdf && diffuse.type == "diffuse")
        let bitmap = try #require(diffuse.child(named: "reflectance"))
        #expect(bitmap.kind == .texture && bitmap.type == "bitmap")
        #expect(try bitmap.boolean("raw") == false)
        let filename = try bitmap.string("filename")
        #expect(doc.resolvePath(filename) == doc.directory.appendingPathComponent("textures/checker.png"))
        #expect(doc.resolvePath("/abs/x.png").path == "/abs/x.png")

        let sphere = doc.plugins(of: .shape)[1]
        #expect(sphere.type == "sphere")
        // Document order scale then translate: T = translate(0,0,-1) * scale(0.45).
        let sphereToWorld = try sphere.transform("to_world")
        let expected = Transform4.translate(0, 0, -1) * Transform4.scale(0.45)
        #expect(close(sphereToWorld.matrix, expected.matrix))
        #expect(close(sphereToWorld.matrix, Matrix4(rowMajor: [
            0.45, 0, 0, 0, 0, 0.45, 0, 0, 0, 0, 0.45, -1, 0, 0, 0, 1,
        ])))
        let dielectric = sphere.children(of: .bsdf)[0]
        #expect(dielectric.type == "dielectric")
        #expect(try dielectric.ior("int_ior", default: "bk7") == 1.5046)
        #expect(try dielectric.ior("ext_ior", default: "air") == 1.0)

        let emitter = doc.plugins(of: .emitter)[0]
        #expect(emitter.type == "constant")
        #expect(try emitter.rgb("radiance") == Vector3f(1, 1, 1))
        #expect(doc.parameters == ["spp": "128", "res": "256"])
    }

    @Test func defaultsAndOverrides() throws {
        let overridden = try load(tutorialXML, overrides: ["spp": "4", "extra": "x"])
        let sampler = overridden.plugins(of: .sensor)[0].children(of: .sampler)[0]
        #expect(try sampler.integer("sample_count") == 4)
        #expect(overridden.parameters["spp"] == "4")
        #expect(overridden.parameters["res"] == "256")

        // Parameters work in any attribute, including type, name and inside longer strings.
        let doc = try load(
            scene("""
                <default name="integrator" value="path"/>
                <default name="radius" value="0.5"/>
                <default name="dir" value="meshes"/>
                <default name="x" value="1"/>
                <integrator type="$integrator"/>
                <shape type="sphere">
                    <float name="radius" value="$radius"/>
                    <string name="filename" value="$dir/$dir_bunny.obj"/>
                    <point name="center" value="$x, $x, 2"/>
                </shape>
                """), overrides: ["integrator": "prb"])
        #expect(doc.plugins[0].type == "prb")
        let shape = doc.plugins(of: .shape)[0]
        #expect(try shape.float("radius") == 0.5)
        // Like Mitsuba's textual replacement, "$dir_bunny" uses the defined prefix "$dir".
        #expect(try shape.string("filename") == "meshes/meshes_bunny.obj")
        #expect(try shape.point("center") == Vector3f(1, 1, 2))
    }

    @Test func referencesResolve() throws {
        let doc = try load(
            scene("""
                <bsdf type="diffuse" id="white">
                    <rgb name="reflectance" value="0.8, 0.8, 0.8"/>
                </bsdf>
                <shape type="sphere">
                    <ref id="white"/>
                </shape>
                <shape type="rectangle">
                    <ref id="white" name="bsdf"/>
                    <ref id="later"/>
                </shape>
                <texture type="checkerboard" id="later"/>
                <alias id="white" as="also-white"/>
                <shape type="cube">
                    <ref id="also-white"/>
                    <bsdf type="twosided" id="nested">
                        <ref id="white"/>
                    </bsdf>
                </shape>
                <shape type="disk">
                    <ref id="nested"/>
                </shape>
                """))
        let shapes = doc.plugins(of: .shape)
        let first = shapes[0].children[0]
        #expect(first.kind == .bsdf && first.type == "diffuse" && first.id == "white" && first.name == nil)
        #expect(try first.rgb("reflectance") == Vector3f(0.8, 0.8, 0.8))
        #expect(first.referenceLocation?.line == 6)
        #expect(first.location.line == 2)
        let named = shapes[1].children[0]
        #expect(named.name == "bsdf" && named.type == "diffuse")
        #expect(shapes[1].child(named: "bsdf")?.id == "white")
        #expect(shapes[1].children[1].type == "checkerboard")  // forward reference
        #expect(shapes[2].children[0].type == "diffuse")  // through the alias
        #expect(shapes[2].children[1].children[0].id == "white")
        #expect(shapes[3].children[0].type == "twosided")
        #expect(shapes[3].children[0].children[0].type == "diffuse")
        #expect(Set(doc.pluginsByID.keys) == ["white", "later", "nested", "also-white"])
    }

    @Test func propertyKindsAndAccessors() throws {
        let doc = try load(
            scene("""
                <shape type="sphere">
                    <float name="radius" value=" 2.5e-1 "/>
                    <integer name="count" value="-3"/>
                    <boolean name="flip" value="TRUE"/>
                    <string name="label" value="a, b"/>
                    <rgb name="gray" value="0.5"/>
                    <rgb name="color" value="0.1 0.2,0.3"/>
                    <point name="p" x="1" z="3"/>
                    <point name="q" value="4"/>
                    <vector name="v" value="1, 2, 3"/>
                    <spectrum name="s" value="0.7"/>
                </shape>
                """))
        let s = doc.plugins[0]
        #expect(s.propertyOrder == ["radius", "count", "flip", "label", "gray", "color", "p", "q", "v", "s"])
        #expect(try s.float("radius") == 0.25)
        #expect(try s.integer("count") == -3)
        #expect(try s.float("count") == -3)  // integers convert to float, as in Mitsuba
        #expect(try s.boolean("flip"))
        #expect(try s.string("label") == "a, b")
        #expect(try s.rgb("gray") == Vector3f(0.5, 0.5, 0.5))
        #expect(try s.rgb("color") == Vector3f(0.1, 0.2, 0.3))
        #expect(try s.rgb("radius") == Vector3f(0.25, 0.25, 0.25))  // floats act as gray
        #expect(try s.point("p") == Vector3f(1, 0, 3))
        #expect(try s.point("q") == Vector3f(4, 4, 4))
        #expect(try s.vector("v") == Vector3f(1, 2, 3))
        #expect(s.value("s") == .float(0.7))
        #expect(try s.float("missing", default: 7) == 7)
        #expect(try s.transform("to_world", default: .identity) == .identity)
        #expect(s.propertyLocations["color"]?.line == 8)

        #expect(throws: SceneError.self) { try s.integer("radius") }
        do {
            _ = try s.float("label")
            Issue.record("expected a type error")
        } catch let error as SceneError {
            #expect(error.description == "scene.xml:6: <shape type=\"sphere\">: property 'label' must be a float, found string")
        }
        do {
            _ = try s.float("nope")
            Issue.record("expected a missing-property error")
        } catch let error as SceneError {
            #expect(error.description == "scene.xml:2: <shape type=\"sphere\">: missing float property 'nope'")
        }
        #expect(throws: SceneError.self) { try s.requireKnownProperties(["radius"]) }
    }

    @Test func everyTransformOperation() throws {
        let doc = try load(
            scene("""
                <shape type="a"><transform name="t"><translate value="1, 2, 3"/></transform></shape>
                <shape type="b"><transform name="t"><translate y="5"/></transform></shape>
                <shape type="c"><transform name="t"><scale x="2"/></transform></shape>
                <shape type="d"><transform name="t"><scale value="1 2 3"/></transform></shape>
                <shape type="e"><transform name="t"><rotate y="1" angle="90"/></transform></shape>
                <shape type="f"><transform name="t"><rotate value="1, 1, 0" angle="-30"/></transform></shape>
                <shape type="g"><transform name="t"><lookat origin="1, 2, 3" target="1, 2, 10"/></transform></shape>
                <shape type="h"><transform name="t"><matrix value="1 0 0 4  0 1 0 5  0 0 1 6  0 0 0 1"/></transform></shape>
                <shape type="i"><transform name="t"><matrix value="0 -1 0, 1 0 0, 0 0 1"/></transform></shape>
                <shape type="j">
                    <transform name="t">
                        <translate x="1"/>
                        <rotate z="1" angle="90"/>
                        <scale value="2"/>
                    </transform>
                </shape>
                <shape type="k"><transform name="t"/></shape>
                """))
        func t(_ i: Int) throws -> Transform4 { try doc.plugins[i].transform("t") }
        #expect(try t(0) == .translate(1, 2, 3))
        #expect(try t(1) == .translate(0, 5, 0))
        #expect(try t(2) == .scale(2, 1, 1))
        #expect(try t(3) == .scale(1, 2, 3))
        #expect(try t(4) == .rotate(axis: Vector3f(0, 1, 0), angleDegrees: 90))
        #expect(try t(5) == .rotate(axis: Vector3f(1, 1, 0), angleDegrees: -30, normalizingAxis: false))
        // Without up, Mitsuba picks coordinate_system(dir).0; the frame must stay orthonormal.
        let g = try t(6)
        #expect(g.translation == Vector3f(1, 2, 3))
        #expect(g.applyVector(Vector3f(0, 0, 1)) == Vector3f(0, 0, 1))
        #expect(close(g.inverse * g.matrix, .identity))
        #expect(try t(7).matrix == Matrix4(rowMajor: [1, 0, 0, 4, 0, 1, 0, 5, 0, 0, 1, 6, 0, 0, 0, 1]))
        #expect(try t(8).matrix == Matrix4(rowMajor: [0, -1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]))
        // Each operation applies after the previous ones: scale(2) * rotate * translate(1,0,0).
        let j = try t(9)
        let expectedJ = Transform4.scale(2) * Transform4.rotate(axis: Vector3f(0, 0, 1), angleDegrees: 90)
            * Transform4.translate(1, 0, 0)
        #expect(close(j.matrix, expectedJ.matrix))
        let p = j.applyPoint(.zero)  // (0,0,0) -> (1,0,0) -> (0,1,0) -> (0,2,0)
        #expect(abs(p.x) < 1e-6 && abs(p.y - 2) < 1e-6 && p.z == 0)
        #expect(close(j.inverse * j.matrix, .identity))
        #expect(try t(10) == .identity)
    }

    @Test("<rotate> uses its axis as given, as Mitsuba does: the transform of hello.xml's teapot")
    func rotationAboutAnAxisThatIsNotUnit() throws {
        let doc = try load(scene(#"<shape type="a"><transform name="t"><rotate x="0.0" y="1.0" z="1.0" angle="15"/></transform></shape>"#))
        let t = try doc.plugins[0].transform("t")
        // mi.traverse of that shape in Mitsuba 3.9.1: its matrix, which is also its inverse transpose.
        let mitsuba = Matrix4(rowMajor: [0.965926, -0.258819, 0.258819, 0, 0.258819, 1, 0.0340742, 0,
                                         -0.258819, 0.0340742, 1, 0, 0, 0, 0, 1])
        #expect(close(t.matrix, mitsuba))
        #expect(close(t.inverse.transposed, mitsuba))
    }

    @Test func lineNumbersOfMultiLineTags() throws {
        let doc = try load(
            scene("""
                <shape
                    type="sphere"
                    id="ball">
                    <float
                        name="radius" value="1"/>
                </shape>
                """))
        let shape = doc.plugins[0]
        #expect(shape.location.line == 2)
        #expect(shape.propertyLocations["radius"]?.line == 5)
        #expect(shape.location.description == "scene.xml:2")
    }

    @Test func includeAndPath() throws {
        let doc = try load(
            scene("""
                <path value="assets"/>
                <include filename="parts/bsdfs.xml"/>
                <include filename="parts/light.xml"/>
                <shape type="sphere"><ref id="red"/></shape>
                """),
            extraFiles: [
                "parts/bsdfs.xml": """
                    <scene version="3.0.0">
                        <bsdf type="diffuse" id="red"><rgb name="reflectance" value="1, 0, 0"/></bsdf>
                    </scene>
                    """,
                "parts/light.xml": "<emitter type=\"constant\"/>",
                "assets/tex.png": "not really a png",
            ])
        #expect(doc.plugins.map(\.kind) == [.bsdf, .emitter, .shape])
        #expect(doc.plugins[0].location.fileName == "bsdfs.xml")
        #expect(doc.plugins[0].location.line == 2)
        #expect(doc.plugins[2].children[0].type == "diffuse")
        #expect(doc.resolvePath("tex.png") == doc.directory.appendingPathComponent("assets/tex.png"))
        #expect(doc.searchPaths.last == doc.directory)
    }

    @Test func resolveFileReportsMissingFiles() throws {
        let doc = try load(
            scene("""
                <texture type="bitmap">
                    <string name="filename" value="missing.png"/>
                </texture>
                """))
        do {
            _ = try doc.resolveFile(doc.plugins[0])
            Issue.record("expected an error")
        } catch let error as SceneError {
            #expect(error.description.hasPrefix("scene.xml:3: <texture type=\"bitmap\">: file 'missing.png' not found"))
        }
    }

    @Test func version1Upgrade() throws {
        let doc = try load(
            """
            <scene version="0.6.0">
                <bsdf type="diffuse"><rgb name="diffuseReflectance" value="0.5"/></bsdf>
                <bsdf type="dielectric"><float name="intIOR" value="1.5"/></bsdf>
                <sensor type="perspective"><transform name="toWorld"><lookAt origin="0,0,1" target="0,0,0" up="0,1,0"/></transform></sensor>
            </scene>
            """)
        #expect(doc.plugins[0].has("reflectance"))
        #expect(doc.plugins[1].has("int_ior"))
        #expect(doc.plugins[2].has("to_world"))
    }

    @Test func requirePluginTypeMessage() throws {
        let doc = try load(scene("\n\n\n\n\n<bsdf type=\"roughconductor\"/>"))
        let bsdf = doc.plugins[0]
        do {
            try bsdf.requirePluginType(bsdf.type, in: ["diffuse", "dielectric", "twosided"] as [String])
            Issue.record("expected an error")
        } catch let error as SceneError {
            #expect(
                error.description
                    == "scene.xml:7: unknown bsdf plugin 'roughconductor' (supported: diffuse, dielectric, twosided)")
        }
        // A Set is listed sorted.
        do {
            try bsdf.requirePluginType(bsdf.type, in: Set(["twosided", "diffuse"]))
            Issue.record("expected an error")
        } catch let error as SceneError {
            #expect(error.description.hasSuffix("(supported: diffuse, twosided)"))
        }
        try bsdf.requirePluginType(in: Set(["roughconductor"]))
        try bsdf.requirePluginType(in: ["roughconductor"])
    }

    @Test func missingFile() {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-dir-\(UUID())/scene.xml")
        do {
            _ = try SceneDocument(contentsOf: url)
            Issue.record("expected an error")
        } catch let error as SceneError {
            #expect(error.description.hasPrefix("scene.xml: scene file not found: "))
            #expect(error.description.contains(url.path))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func inMemoryParsing() throws {
        let doc = try SceneDocument(
            xml: scene("<shape type=\"sphere\"/>"), url: URL(fileURLWithPath: "/scenes/mem.xml"))
        #expect(doc.directory.path == "/scenes")
        #expect(doc.resolvePath("a/b.obj").path == "/scenes/a/b.obj")
    }

    @Test("UTF-8 and ASCII declarations, a UTF-8 byte order mark and other processing instructions still parse")
    func acceptedEncodings() throws {
        for head in ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "<?xml version='1.0' encoding = 'us-ascii'?>",
                     "\u{FEFF}<?xml version=\"1.0\"?>", "<?xml-stylesheet encoding=\"x\"?><?a ?>", ""] {
            let doc = try load(head + "\n" + scene("<shape type=\"sphere\"/>"))
            #expect(doc.plugins.count == 1, "\(head)")
        }
    }

    struct ErrorCase: CustomTestStringConvertible, Sendable {
        var xml: String
        var line: Int
        var message: String
        var overrides: [String: String] = [:]
        var testDescription: String { message }
    }

    /// Every error names the file and the line, and says what was expected.
    @Test(arguments: [
        ErrorCase(xml: scene("<shape type=\"sphere\">\n</scene>"), line: 3, message: "malformed XML"),
        ErrorCase(xml: scene("<shape type=\"a\" type=\"b\"/>"), line: 2, message: "malformed XML: attribute given twice"),
        ErrorCase(xml: "<scene version=\"3.0.0\"><shape/></scene><x/>", line: 1, message: "malformed XML"),
        ErrorCase(xml: "", line: 1, message: "malformed XML"),
        // Other encodings crashed libxml2 (found by fuzzing, Fuzz/Regressions/scene_xml): refused before parsing.
        ErrorCase(xml: "<?xml version=\"1.0\" encoding=\"utf-32\"?>\n<scene version=\"3.0.0\"/>", line: 1,
                  message: "unsupported encoding 'utf-32' in the XML declaration (scene files are UTF-8)"),
        ErrorCase(xml: "<?xml version='1.0' encoding = 'EBCDIC-US' ?><scene version=\"3.0.0\"/>", line: 1,
                  message: "unsupported encoding 'EBCDIC-US'"),
        ErrorCase(xml: "<?xml version='1.0' encoding=utf-7?><scene version=\"3.0.0\"/>", line: 1,
                  message: "malformed encoding declaration"),
        ErrorCase(xml: "<\u{0}s\u{0}c\u{0}", line: 1, message: "the file is not UTF-8 (UTF-16, UTF-32 or EBCDIC)"),
        ErrorCase(xml: scene("<?target?>"), line: 1, message: "processing instruction <?target?> has no data"),
        ErrorCase(xml: "<scene>\n</scene>", line: 1, message: "<scene>: missing attribute 'version'"),
        ErrorCase(xml: "<scene version=\"3\">\n</scene>", line: 1, message: "could not parse version=\"3\""),
        ErrorCase(xml: "<shape type=\"sphere\" version=\"3.0.0\"/>", line: 1, message: "the root element must be <scene"),
        ErrorCase(xml: scene("<foo/>"), line: 2, message: "<foo>: unknown element <foo> inside <scene>"),
        ErrorCase(xml: scene("<shape type=\"sphere\">\n  <bar name=\"x\"/>\n</shape>"), line: 3, message: "unknown element <bar> inside <shape>"),
        ErrorCase(xml: scene("<shape>\n</shape>"), line: 2, message: "<shape>: missing attribute 'type'"),
        ErrorCase(xml: scene("<shape type=\"a\">\n<float value=\"1\"/>\n</shape>"), line: 3, message: "<float>: missing attribute 'name'"),
        ErrorCase(xml: scene("<shape type=\"a\">\n<float name=\"r\"/>\n</shape>"), line: 3, message: "<float name=\"r\">: missing attribute 'value'"),
        ErrorCase(xml: scene("<shape type=\"a\" color=\"red\"/>"), line: 2, message: "unexpected attribute 'color'"),
        ErrorCase(xml: scene("<shape type=\"a\"><bsdf type=\"b\" zzz=\"1\" aaa=\"2\"/></shape>"), line: 2, message: "<bsdf type=\"b\">: unexpected attribute 'zzz'"),
        ErrorCase(xml: scene("<shape type=\"a\">\n<point name=\"p\" value=\"1, 2\"/>\n</shape>"), line: 3, message: "expected 3 numbers in value=\"1, 2\""),
        ErrorCase(xml: scene("<shape type=\"a\">\n<rgb name=\"c\" value=\"1 2 3 4\"/>\n</shape>"), line: 3, message: "expected 3 numbers in value=\"1 2 3 4\""),
        ErrorCase(xml: scene("<shape type=\"a\">\n<float name=\"r\" value=\"abc\"/>\n</shape>"), line: 3, message: "could not parse a float from value=\"abc\""),
        ErrorCase(xml: scene("<shape type=\"a\">\n<integer name=\"n\" value=\"2.5\"/>\n</shape>"), line: 3, message: "could not parse an integer from value=\"2.5\""),
        ErrorCase(xml: scene("<shape type=\"a\">\n<boolean name=\"b\" value=\"yes\"/>\n</shape>"), line: 3, message: "expected true or false in value=\"yes\""),
        ErrorCase(xml: scene("<shape type=\"a\">\n<vector name=\"v\" x=\"1\" y=\"q\"/>\n</shape>"), line: 3, message: "could not parse number 'q' in y=\"q\""),
        ErrorCase(xml: scene("<sampler type=\"independent\">\n<integer name=\"sample_count\" value=\"$spp\"/>\n</sampler>"), line: 3, message: "unknown parameter '$spp' in value=\"$spp\""),
        ErrorCase(xml: scene("<shape type=\"a\">\n<float name=\"r\" value=\"$\"/>\n</shape>"), line: 3, message: "'$' must be followed by a parameter name"),
        ErrorCase(xml: scene("<shape type=\"a\">\n<ref id=\"nope\"/>\n</shape>"), line: 3, message: "<ref id=\"nope\">: unknown id 'nope' in <ref>"),
        ErrorCase(xml: scene("<bsdf type=\"a\" id=\"x\"/>\n<bsdf type=\"b\" id=\"x\"/>"), line: 3, message: "duplicate id 'x' (first declared at scene.xml:2)"),
        ErrorCase(xml: scene("<bsdf type=\"a\" id=\"x\">\n<ref id=\"y\"/>\n</bsdf>\n<bsdf type=\"b\" id=\"y\">\n<ref id=\"x\"/>\n</bsdf>"), line: 6, message: "circular reference: x -> y -> x"),
        ErrorCase(xml: scene("<shape type=\"a\">\n<float name=\"r\" value=\"1\"/>\n<float name=\"r\" value=\"2\"/>\n</shape>"), line: 4, message: "'r' is specified twice in the same plugin (first at scene.xml:3)"),
        ErrorCase(xml: scene("<shape type=\"a\">\n<translate x=\"1\"/>\n</shape>"), line: 3, message: "<translate> can only appear inside <transform>"),
        ErrorCase(xml: scene("<shape type=\"a\">\n<transform name=\"t\">\n<float name=\"x\" value=\"1\"/>\n</transform>\n</shape>"), line: 4, message: "<float> cannot appear inside <transform>"),
        ErrorCase(xml: scene("<shape type=\"a\">\n<transform>\n</transform>\n</shape>"), line: 3, message: "<transform>: missing attribute 'name'"),
        ErrorCase(xml: scene("<shape type=\"a\">\n<transform name=\"t\">\n<rotate x=\"1\"/>\n</transform>\n</shape>"), line: 4, message: "<rotate>: missing attribute 'angle'"),
        ErrorCase(xml: scene("<shape type=\"a\">\n<transform name=\"t\">\n<rotate angle=\"5\" x=\"0\"/>\n</transform>\n</shape>"), line: 4, message: "rotation axis must be nonzero"),
        ErrorCase(xml: scene("<shape type=\"a\">\n<transform name=\"t\">\n<lookat origin=\"0,0,0\" target=\"0,0,0\"/>\n</transform>\n</shape>"), line: 4, message: "invalid lookat"),
        ErrorCase(xml: scene("<shape type=\"a\">\n<transform name=\"t\">\n<lookat origin=\"0,0\" target=\"0,0,1\"/>\n</transform>\n</shape>"), line: 4, message: "expected 3 numbers in origin=\"0,0\""),
        ErrorCase(xml: scene("<shape type=\"a\">\n<transform name=\"t\">\n<matrix value=\"1 2 3\"/>\n</transform>\n</shape>"), line: 4, message: "expected 16 numbers in value=\"1 2 3\""),
        ErrorCase(xml: scene("<shape type=\"a\">\n<transform name=\"t\">\n<scale value=\"0\"/>\n</transform>\n</shape>"), line: 3, message: "not invertible"),
        ErrorCase(xml: scene("<shape type=\"a\">\n<transform name=\"t\">\n<translate value=\"1\" x=\"2\"/>\n</transform>\n</shape>"), line: 4, message: "either value=\"...\" or x/y/z"),
        ErrorCase(xml: scene("<shape type=\"a\">\n<float name=\"r\" value=\"1\">2</float>\n</shape>"), line: 3, message: "<float name=\"r\">: unexpected text \"2\""),
        ErrorCase(xml: scene("<shape type=\"a\">\nhello\n</shape>"), line: 2, message: "unexpected text \"hello\""),
        ErrorCase(xml: scene("<shape type=\"a\">\n<scene version=\"3.0.0\"/>\n</shape>"), line: 3, message: "<scene> can only be the root element"),
        ErrorCase(xml: scene("<shape type=\"a\">\n<spectrum name=\"s\" value=\"500:1, 400:2\"/>\n</shape>"), line: 3, message: "wavelengths must increase (500.0 is followed by 400.0)"),
        ErrorCase(xml: scene("<shape type=\"a\">\n<spectrum name=\"s\" value=\"400:1, 500\"/>\n</shape>"), line: 3, message: "'500' in value=\"400:1, 500\" is not a wavelength:value pair"),
        ErrorCase(xml: scene("<shape type=\"a\">\n<spectrum name=\"s\" value=\"400:1\"/>\n</shape>"), line: 3, message: "needs at least two wavelength:value pairs"),
        ErrorCase(xml: scene("<shape type=\"a\">\n<spectrum name=\"s\" filename=\"none.spd\"/>\n</shape>"), line: 3, message: "spectrum file 'none.spd' not found"),
        ErrorCase(xml: scene("<shape type=\"a\">\n<spectrum name=\"s\" value=\"1\" filename=\"a.spd\"/>\n</shape>"), line: 3, message: "give either value=\"...\" or filename=\"...\" (not both)"),
        ErrorCase(xml: scene("<include filename=\"nothere.xml\"/>"), line: 2, message: "included file 'nothere.xml' not found"),
        ErrorCase(xml: scene("<default name=\"n\"/>"), line: 2, message: "<default name=\"n\">: missing attribute 'value'"),
    ])
    func errorsNameFileLineAndExpectation(_ c: ErrorCase) {
        let text = errorText(c.xml, overrides: c.overrides)
        #expect(text.hasPrefix("scene.xml:\(c.line): "), "got: \(text)")
        #expect(text.contains(c.message), "got: \(text)")
    }
}

@Suite("Named IOR")
struct NamedIORTests {
    @Test(arguments: [
        ("vacuum", 1.0), ("helium", 1.000036), ("hydrogen", 1.000132), ("air", 1.000277),
        ("carbon dioxide", 1.00045), ("water", 1.3330), ("acetone", 1.36), ("ethanol", 1.361),
        ("carbon tetrachloride", 1.461), ("glycerol", 1.4729), ("benzene", 1.501),
        ("silicone oil", 1.52045), ("bromine", 1.661), ("water ice", 1.31), ("fused quartz", 1.458),
        ("pyrex", 1.470), ("acrylic glass", 1.49), ("polypropylene", 1.49), ("bk7", 1.5046),
        ("sodium chloride", 1.544), ("amber", 1.55), ("pet", 1.5750), ("diamond", 2.419),
    ])
    func table(name: String, value: Double) throws {
        #expect(try NamedIOR.value(name) == value)
        #expect(try NamedIOR.value(name.uppercased()) == value)
        #expect(try NamedIOR.parse(name) == value)
    }

    @Test func numbersAndUnknownNames() throws {
        #expect(NamedIOR.table.count == 23)
        #expect(try NamedIOR.parse("1.33") == 1.33)
        #expect(try NamedIOR.parse(" BK7 ") == 1.5046)
        do {
            _ = try NamedIOR.value("glas")
            Issue.record("expected an error")
        } catch let error as SceneError {
            #expect(error.description.contains("unknown index of refraction 'glas'"))
            #expect(error.description.contains("vacuum, helium"))
            #expect(error.description.contains("diamond"))
        }
    }

    @Test func iorAccessorLocatesErrors() throws {
        let dir = try makeTempDirectory()
        let url = dir.appendingPathComponent("scene.xml")
        let doc = try SceneDocument(
            xml: scene("<bsdf type=\"dielectric\">\n<string name=\"int_ior\" value=\"glas\"/>\n<float name=\"ext_ior\" value=\"1.1\"/>\n</bsdf>"),
            url: url)
        let bsdf = doc.plugins[0]
        #expect(try bsdf.ior("ext_ior", default: "air") == 1.1)
        #expect(try bsdf.ior("other", default: "water") == 1.333)
        #expect(try bsdf.ior("other", default: 1.7) == 1.7)
        do {
            _ = try bsdf.ior("int_ior", default: "bk7")
            Issue.record("expected an error")
        } catch let error as SceneError {
            #expect(error.description.hasPrefix("scene.xml:3: <bsdf type=\"dielectric\">: property 'int_ior': unknown index of refraction 'glas'"))
        }
    }
}
