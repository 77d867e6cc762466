// Building plugins from Mitsuba XML: every construction path of PluginFactory and the plugins, and their errors.
import Foundation
import Testing
import Tracer

@testable import Integrators

/// Parses `body` (inside <scene>) in a fresh directory holding a 4x2 sRGB PNG "tex.png".
private func parse(_ body: String) throws -> (SceneDocument, ImageTestDirectory) {
    let directory = try ImageTestDirectory()
    var bitmap = Bitmap(width: 4, height: 2, channelCount: 3, isSRGB: true)
    for index in bitmap.pixels.indices { bitmap.pixels[index] = Float(index * 10) / 255 }
    try FileManager.default.createDirectory(at: directory.file("textures"), withIntermediateDirectories: true)
    try bitmap.write(to: directory.file("textures/tex.png"))
    return (try PluginFixtures.document(body, in: directory), directory)
}

/// The one top-level plugin of the document with id `id`.
private func plugin(_ document: SceneDocument, _ id: String) -> PluginDescription {
    document.plugins.first { $0.id == id }!
}

/// The text of the error thrown by `body` ("" when it succeeds).
private func errorText(_ body: () throws -> Void) -> String {
    do {
        try body()
        return ""
    } catch let error as SceneError {
        return error.description
    } catch {
        return "unexpected error: \(error)"
    }
}

/// The error text of building the one plugin with id "p" in `body` with `make`.
private func buildError(_ body: String, _ make: (PluginDescription, SceneDocument) throws -> Void) -> String {
    do {
        let (document, directory) = try parse(body)
        defer { _ = directory }
        return errorText { try make(plugin(document, "p"), document) }
    } catch {
        return "parse error: \(error)"
    }
}

@Suite("Plugin factory (XML)")
struct PluginFactoryTests {
    @Test("shapes: rectangle and sphere with to_world, center, radius; nested or default bsdf")
    func shapes() throws {
        let (document, directory) = try parse("""
            <shape type="rectangle" id="plane">
                <transform name="to_world"><scale value="1.2"/></transform>
                <bsdf type="twosided"><bsdf type="diffuse"/></bsdf>
            </shape>
            <shape type="sphere" id="ball">
                <transform name="to_world"><scale value="0.45"/><translate x="0" y="0" z="-1"/></transform>
                <bsdf type="dielectric"><float name="int_ior" value="1.06"/></bsdf>
            </shape>
            <shape type="sphere" id="explicit">
                <point name="center" x="1" y="2" z="3"/><float name="radius" value="0.5"/>
            </shape>
            <shape type="rectangle" id="named"><bsdf type="dielectric" name="material"/></shape>
            <shape type="sphere" id="both">
                <transform name="to_world"><translate x="1" y="0" z="0"/></transform>
                <point name="center" x="0" y="2" z="0"/><float name="radius" value="2"/>
            </shape>
            """)
        _ = directory
        let plane = try PluginFactory.makeShape(plugin(document, "plane"), document: document)
        let rectangle = try #require(plane.geometry.analytic as? RectangleShape)
        #expect(rectangle.toWorld == Transform4.scale(1.2))
        #expect(plane.bsdf.type == "twosided")
        let planeBSDF = try PluginFactory.makeBSDF(plane.bsdf, document: document)
        #expect(planeBSDF is TwoSidedBSDF && planeBSDF.parameters.map(\.key) == ["brdf_0.reflectance.value"])

        let ball = try PluginFactory.makeShape(plugin(document, "ball"), document: document)
        let sphere = try #require(ball.geometry.analytic as? SphereShape)
        #expect(sphere.center == Vector3f(0, 0, -1) && abs(sphere.radius - 0.45) < 1e-7)
        let glass = try #require(try PluginFactory.makeBSDF(ball.bsdf, document: document) as? DielectricBSDF)
        #expect(glass.eta == Float(1.06) / Float(1.000277))

        let explicit = try #require(try PluginFactory.makeShape(plugin(document, "explicit"), document: document)
            .geometry.analytic as? SphereShape)
        #expect(explicit.center == Vector3f(1, 2, 3) && explicit.radius == 0.5)
        let explicitBSDF = try PluginFactory.makeShape(plugin(document, "explicit"), document: document).bsdf
        #expect(explicitBSDF.kind == .bsdf && explicitBSDF.type == "diffuse")
        let defaultBSDF = try #require(try PluginFactory.makeBSDF(explicitBSDF, document: document) as? DiffuseBSDF)
        let albedo = defaultBSDF.reflectance.eval(Point2Array(repeating: 0, 0), active: true)
        #expect(albedo.x.values == [0.5] && albedo.z.values == [0.5])

        let named = try PluginFactory.makeShape(plugin(document, "named"), document: document)
        #expect(named.bsdf.type == "dielectric" && (named.geometry.analytic as? RectangleShape)?.toWorld == .identity)

        // to_world · translate(center) · scale(radius)
        let both = try #require(try PluginFactory.makeShape(plugin(document, "both"), document: document)
            .geometry.analytic as? SphereShape)
        #expect(both.center == Vector3f(1, 2, 0) && both.radius == 2)
    }

    @Test("shape errors: unknown type, bad transforms and radii, unknown properties, nested emitters, two bsdfs")
    func shapeErrors() {
        let make = { (d: PluginDescription, doc: SceneDocument) throws in _ = try PluginFactory.makeShape(d, document: doc) }
        let unknown = buildError(#"<shape type="torus" id="p"/>"#, make)
        #expect(unknown.contains("scene.xml:2") && unknown.contains("unknown shape plugin 'torus'")
                    && unknown.contains("rectangle, sphere"), "\(unknown)")
        let stretched = buildError("""
            <shape type="sphere" id="p"><transform name="to_world"><scale x="1" y="2" z="1"/></transform></shape>
            """, make)
        #expect(stretched.contains("uniform scale") && stretched.contains("to_world"), "\(stretched)")
        let negative = buildError(#"<shape type="sphere" id="p"><float name="radius" value="-1"/></shape>"#, make)
        #expect(negative.contains("'radius' must be positive"), "\(negative)")
        let text = buildError(#"<shape type="sphere" id="p"><string name="radius" value="big"/></shape>"#, make)
        #expect(text.contains("property 'radius' must be a float, found string"), "\(text)")
        let singular = buildError("""
            <shape type="rectangle" id="p"><transform name="to_world"><scale value="0"/></transform></shape>
            """, make)
        #expect(singular.contains("invertible"), "\(singular)")
        let property = buildError(#"<shape type="rectangle" id="p"><float name="radius" value="1"/></shape>"#, make)
        #expect(property.contains("unexpected property 'radius'"), "\(property)")
        let nested = buildError("""
            <shape type="rectangle" id="p"><texture type="bitmap"/></shape>
            """, make)
        #expect(nested.contains("unexpected nested texture"), "\(nested)")
        let twoBSDFs = buildError("""
            <shape type="rectangle" id="p"><bsdf type="diffuse"/><bsdf type="dielectric"/></shape>
            """, make)
        #expect(twoBSDFs.contains("one nested bsdf, found 2"), "\(twoBSDFs)")
        let wrongKind = buildError(#"<bsdf type="diffuse" id="p"/>"#, make)
        #expect(wrongKind.contains("expected a <shape> plugin, found <bsdf>"), "\(wrongKind)")
    }

    @Test("bsdfs: diffuse reflectance as rgb, float, default or nested bitmap; twosided; dielectric iors")
    func bsdfs() throws {
        let (document, directory) = try parse("""
            <bsdf type="diffuse" id="rgb"><rgb name="reflectance" value="0.1, 0.2, 0.3"/></bsdf>
            <bsdf type="diffuse" id="gray"><float name="reflectance" value="0.7"/></bsdf>
            <bsdf type="diffuse" id="plain"/>
            <bsdf type="twosided" id="textured">
                <bsdf type="diffuse">
                    <texture type="bitmap" name="reflectance">
                        <string name="filename" value="textures/tex.png"/>
                        <string name="format" value="variant"/>
                    </texture>
                </bsdf>
            </bsdf>
            <bsdf type="dielectric" id="glass"><float name="int_ior" value="1.06"/></bsdf>
            <bsdf type="dielectric" id="water"><string name="int_ior" value="water"/><string name="ext_ior" value="1.2"/></bsdf>
            <bsdf type="dielectric" id="defaults"/>
            <bsdf type="diffuse" id="shared"/>
            <bsdf type="twosided" id="twice"><ref id="shared"/><ref id="shared"/></bsdf>
            """)
        _ = directory
        func albedo(_ id: String) throws -> [Float] {
            let bsdf = try #require(try PluginFactory.makeBSDF(plugin(document, id), document: document) as? DiffuseBSDF)
            let value = bsdf.reflectance.eval(Point2Array(repeating: 0.5, 0.5), active: true)
            return [value.x.values[0], value.y.values[0], value.z.values[0]]
        }
        try TraceContext.with(CompileOptions(variant: .scalar)) {
            #expect(try albedo("rgb") == [0.1, 0.2, 0.3])
            #expect(try albedo("gray") == [0.7, 0.7, 0.7])
            #expect(try albedo("plain") == [0.5, 0.5, 0.5])

            let textured = try #require(try PluginFactory.makeBSDF(plugin(document, "textured"), document: document)
                as? TwoSidedBSDF)
            #expect(textured.parameters.map(\.key) == ["brdf_0.reflectance.data", "brdf_0.reflectance.to_uv"])
            #expect(textured.parameters[0].slot.shape == [2, 4, 3])
            let first = textured.parameters[0].slot.value.values[1]
            #expect(abs(Double(first) - (pow((10.0 / 255 + 0.055) / 1.055, 2.4))) < 1e-6)
            let diffuse = try #require(textured.nested as? DiffuseBSDF)
            let bitmap = try #require(diffuse.reflectance as? BitmapTexture)
            #expect(bitmap.filter == .bilinear && bitmap.wrapMode == .repeat)

            let glass = try #require(try PluginFactory.makeBSDF(plugin(document, "glass"), document: document)
                as? DielectricBSDF)
            #expect(glass.interiorIOR == 1.06 && glass.exteriorIOR == 1.000277)
            let water = try #require(try PluginFactory.makeBSDF(plugin(document, "water"), document: document)
                as? DielectricBSDF)
            #expect(water.interiorIOR == 1.333 && water.exteriorIOR == 1.2)
            let defaults = try #require(try PluginFactory.makeBSDF(plugin(document, "defaults"), document: document)
                as? DielectricBSDF)
            #expect(defaults.interiorIOR == 1.5046 && defaults.exteriorIOR == 1.000277)
            #expect(try PluginFactory.makeBSDF(plugin(document, "twice"), document: document) is TwoSidedBSDF)
        }
    }

    @Test("bsdf errors name the plugin, the file and what was expected")
    func bsdfErrors() {
        let make = { (d: PluginDescription, doc: SceneDocument) throws in _ = try PluginFactory.makeBSDF(d, document: doc) }
        let unknown = buildError(#"<bsdf type="hair" id="p"/>"#, make)
        #expect(unknown.contains("scene.xml:2")
                     && unknown.contains("unknown bsdf plugin 'hair' (supported: diffuse, dielectric, thindielectric, plastic, conductor, roughconductor, roughdielectric, roughplastic, principled, principledthin, twosided, mask, blendbsdf, bumpmap, normalmap, null)"),
                "\(unknown)")
        let badIOR = buildError(#"<bsdf type="dielectric" id="p"><string name="int_ior" value="unobtainium"/></bsdf>"#, make)
        #expect(badIOR.contains("unknown index of refraction 'unobtainium'"), "\(badIOR)")
        let negativeIOR = buildError(#"<bsdf type="dielectric" id="p"><float name="ext_ior" value="-1"/></bsdf>"#, make)
        #expect(negativeIOR.contains("'ext_ior' must be a positive"), "\(negativeIOR)")
        let specular = buildError("""
            <bsdf type="dielectric" id="p"><float name="specular_reflectance" value="0.5"/></bsdf>
            """, make)
        #expect(specular.contains("unexpected property 'specular_reflectance'"), "\(specular)")
        let empty = buildError(#"<bsdf type="twosided" id="p"/>"#, make)
        #expect(empty.contains("needs a nested bsdf"), "\(empty)")
        let different = buildError("""
            <bsdf type="twosided" id="p"><bsdf type="diffuse"/><bsdf type="dielectric"/></bsdf>
            """, make)
        #expect(different.contains("different BSDFs for the two sides"), "\(different)")
        let twosidedProperty = buildError("""
            <bsdf type="twosided" id="p"><float name="alpha" value="1"/><bsdf type="diffuse"/></bsdf>
            """, make)
        #expect(twosidedProperty.contains("unexpected property 'alpha'"), "\(twosidedProperty)")
        let nestedUnknown = buildError(#"<bsdf type="twosided" id="p"><bsdf type="hair"/></bsdf>"#, make)
        #expect(nestedUnknown.contains("unknown bsdf plugin 'hair'"), "\(nestedUnknown)")
        let badReflectance = buildError("""
            <bsdf type="diffuse" id="p"><string name="reflectance" value="red"/></bsdf>
            """, make)
        #expect(badReflectance.contains("property 'reflectance' must be an rgb color, found string"), "\(badReflectance)")
        let unnamedTexture = buildError("""
            <bsdf type="diffuse" id="p"><texture type="bitmap"><string name="filename" value="textures/tex.png"/></texture></bsdf>
            """, make)
        #expect(unnamedTexture.contains("unexpected nested texture"), "\(unnamedTexture)")
        let wrongName = buildError("""
            <bsdf type="diffuse" id="p"><texture type="bitmap" name="albedo"><string name="filename" value="textures/tex.png"/></texture></bsdf>
            """, make)
        #expect(wrongName.contains("unexpected nested texture 'albedo'"), "\(wrongName)")
        let unknownTexture = buildError("""
            <bsdf type="diffuse" id="p"><texture type="wood" name="reflectance"/></bsdf>
            """, make)
        #expect(unknownTexture.contains("unknown texture plugin 'wood' (supported: bitmap, checkerboard, mesh_attribute, rawconstant)"), "\(unknownTexture)")
    }

    @Test("bitmap textures: filter_type, wrap_mode, raw; errors for bad values and missing files")
    func bitmaps() throws {
        let (document, directory) = try parse("""
            <texture type="bitmap" id="nearest">
                <string name="filename" value="textures/tex.png"/>
                <string name="filter_type" value="nearest"/><string name="wrap_mode" value="mirror"/>
                <boolean name="raw" value="true"/>
            </texture>
            <texture type="bitmap" id="clamped">
                <string name="filename" value="textures/tex.png"/><string name="wrap_mode" value="clamp"/>
            </texture>
            """)
        _ = directory
        try TraceContext.with(CompileOptions(variant: .scalar)) {
            let nearest = try #require(try PluginFactory.makeTexture(plugin(document, "nearest"), document: document)
                as? BitmapTexture)
            #expect(nearest.filter == .nearest && nearest.wrapMode == .mirror)
            #expect(nearest.data.value.values[1] == Float(10) / 255)
            let clamped = try #require(try PluginFactory.makeTexture(plugin(document, "clamped"), document: document)
                as? BitmapTexture)
            #expect(clamped.filter == .bilinear && clamped.wrapMode == .clamp)
        }

        let make = { (d: PluginDescription, doc: SceneDocument) throws in _ = try PluginFactory.makeTexture(d, document: doc) }
        let badFilter = buildError("""
            <texture type="bitmap" id="p"><string name="filename" value="textures/tex.png"/><string name="filter_type" value="cubic"/></texture>
            """, make)
        #expect(badFilter.contains("'filter_type' must be one of 'bilinear', 'nearest', found 'cubic'"), "\(badFilter)")
        let badWrap = buildError("""
            <texture type="bitmap" id="p"><string name="filename" value="textures/tex.png"/><string name="wrap_mode" value="zero"/></texture>
            """, make)
        #expect(badWrap.contains("'wrap_mode' must be one of 'repeat', 'clamp', 'mirror', found 'zero'"), "\(badWrap)")
        let missing = buildError(#"<texture type="bitmap" id="p"><string name="filename" value="nope.png"/></texture>"#, make)
        #expect(missing.contains("file 'nope.png' not found"), "\(missing)")
        let noName = buildError(#"<texture type="bitmap" id="p"/>"#, make)
        #expect(noName.contains("missing string property 'filename'"), "\(noName)")
        let rawText = buildError("""
            <texture type="bitmap" id="p"><string name="filename" value="textures/tex.png"/><string name="raw" value="yes"/></texture>
            """, make)
        #expect(rawText.contains("property 'raw' must be a boolean"), "\(rawText)")
        let corrupt = buildError("""
            <texture type="bitmap" id="p"><string name="filename" value="scene.xml"/></texture>
            """, make)
        #expect(corrupt.contains("cannot load the image"), "\(corrupt)")
        let toUV = buildError("""
            <texture type="bitmap" id="p"><string name="filename" value="textures/tex.png"/><float name="to_uv" value="2"/></texture>
            """, make)
        #expect(toUV.contains("to_uv"), "\(toUV)")
    }

    @Test("emitters: constant radiance as rgb, float or default; unknown types")
    func emitters() throws {
        let (document, directory) = try parse("""
            <emitter type="constant" id="white"/>
            <emitter type="constant" id="tinted"><rgb name="radiance" value="0.5, 1, 2"/></emitter>
            <emitter type="constant" id="gray"><float name="radiance" value="3"/></emitter>
            """)
        _ = directory
        func radiance(_ id: String) throws -> Vector3f? {
            (try PluginFactory.makeEmitter(plugin(document, id), document: document) as? ConstantEmitter)?.radiance.rgb
        }
        #expect(try radiance("white") == .one)
        #expect(try radiance("tinted") == Vector3f(0.5, 1, 2))
        #expect(try radiance("gray") == Vector3f(3, 3, 3))
        let make = { (d: PluginDescription, doc: SceneDocument) throws in _ = try PluginFactory.makeEmitter(d, document: doc) }
        let unknown = buildError(#"<emitter type="sunsky" id="p"/>"#, make)
        #expect(unknown.contains("unknown emitter plugin 'sunsky' (supported: constant, envmap, point, spot, projector, directional, area)"),
                "\(unknown)")
        let envmap = buildError(#"<emitter type="envmap" id="p"/>"#, make)
        #expect(envmap.contains("filename"), "\(envmap)")
        let scale = buildError(#"<emitter type="constant" id="p"><float name="scale" value="2"/></emitter>"#, make)
        #expect(scale.contains("unexpected property 'scale'"), "\(scale)")
    }

    @Test("point, spot and directional emitters: properties, defaults, keys; errors name the bad property")
    func lightEmitters() throws {
        let (document, directory) = try parse("""
            <emitter type="point" id="a"><point name="position" x="1" y="2" z="3"/><rgb name="intensity" value="2, 3, 4"/></emitter>
            <emitter type="point" id="b"><transform name="to_world"><translate x="4" y="5" z="6"/></transform></emitter>
            <emitter type="spot" id="c"><float name="cutoff_angle" value="40"/></emitter>
            <emitter type="directional" id="d"><vector name="direction" x="0" y="-2" z="0"/><float name="irradiance" value="3"/></emitter>
            <emitter type="constant" id="e"><float name="sampling_weight" value="2.5"/></emitter>
            """)
        _ = directory
        let a = try #require(try PluginFactory.makeEmitter(plugin(document, "a"), document: document) as? PointEmitter)
        #expect(a.position == Vector3f(1, 2, 3) && a.intensity.rgb == Vector3f(2, 3, 4) && a.flags == .deltaPosition)
        #expect(a.parameters.map(\.key) == ["position", "intensity.value"])
        let b = try #require(try PluginFactory.makeEmitter(plugin(document, "b"), document: document) as? PointEmitter)
        #expect(b.position == Vector3f(4, 5, 6) && b.intensity.rgb == .one)
        let c = try #require(try PluginFactory.makeEmitter(plugin(document, "c"), document: document) as? SpotEmitter)
        #expect(c.cutoffAngle.value.values == [40] && c.beamWidth.value.values == [30])
        #expect(c.parameters.map(\.key) == ["intensity.value", "texture.value", "cutoff_angle", "beam_width", "to_world"])
        let d = try #require(try PluginFactory.makeEmitter(plugin(document, "d"), document: document) as? DirectionalEmitter)
        #expect(d.direction == Vector3f(0, -1, 0) && d.irradiance.rgb == Vector3f(3, 3, 3))
        #expect(d.flags.contains(.infinite) && d.flags.isDelta)
        let e = try PluginFactory.makeEmitter(plugin(document, "e"), document: document)
        #expect(e.samplingWeight == 2.5)

        let make = { (d: PluginDescription, doc: SceneDocument) throws in _ = try PluginFactory.makeEmitter(d, document: doc) }
        for (body, words) in [
            (#"<emitter type="point" id="p"><point name="position" x="0" y="0" z="0"/><transform name="to_world"/></emitter>"#,
             ["position", "to_world"]),
            (#"<emitter type="spot" id="p"><float name="cutoff_angle" value="10"/><float name="beam_width" value="20"/></emitter>"#,
             ["beam_width"]),
            (#"<emitter type="spot" id="p"><float name="cutoff_angle" value="190"/></emitter>"#, ["cutoff_angle"]),
            (#"<emitter type="directional" id="p"><vector name="direction" x="0" y="0" z="0"/></emitter>"#, ["direction"]),
            (#"<emitter type="constant" id="p"><float name="sampling_weight" value="0"/></emitter>"#, ["sampling_weight"]),
            (#"<emitter type="area" id="p"/>"#, ["area", "inside a <shape>"]),
        ] {
            let message = buildError(body, make)
            for word in words { #expect(message.contains(word), "\(message) lacks '\(word)'") }
        }
    }
}
