// thindielectric, mask and blendbsdf against Mitsuba 3.9.1 (PluginReferenceData), their parameters and XML errors.
import Foundation
import Testing
import Tracer

@testable import Integrators

/// A plugin of `kind` parsed from `xml` (one element, as it would appear in a scene).
func loadPlugin(_ xml: String, kind: PluginKind = .bsdf) throws -> (PluginDescription, SceneDocument) {
    let body = xml.replacingOccurrences(of: #" version="3.0.0""#, with: "")
    let document = try SceneDocument(xml: "<scene version=\"3.0.0\">\n\(body)\n</scene>\n",
                                     url: URL(fileURLWithPath: "/tmp/plugin.xml"))
    return (try #require(document.plugins(of: kind).first), document)
}

/// The BSDF of one `<bsdf>` element.
func loadBSDF(_ xml: String) throws -> any BSDF {
    let (description, document) = try loadPlugin(xml)
    return try PluginFactory.makeBSDF(description, document: document)
}

@Suite("thindielectric, mask and blendbsdf")
struct PluginBlendMaskTests {
    typealias Data = PluginReferenceData

    static func triples(_ flat: [Float]) -> [Vector3f] {
        stride(from: 0, to: flat.count, by: 3).map { Vector3f(flat[$0], flat[$0 + 1], flat[$0 + 2]) }
    }

    static var interaction: SurfaceInteraction {
        let uv = stride(from: 0, to: Data.uv.count, by: 2).map { SIMD2(Data.uv[$0], Data.uv[$0 + 1]) }
        return PluginFixtures.interaction(wi: triples(Data.wi), uv: uv)
    }

    @Test("sample, eval and pdf are Mitsuba's", arguments: Data.bsdfs.keys.sorted(), Variant.allCases)
    func againstMitsuba(name: String, variant: Variant) throws {
        let expected = try #require(Data.bsdfs[name])
        try TraceContext.with(CompileOptions(variant: variant)) {
            let bsdf = try loadBSDF(expected.xml)
            let si = Self.interaction
            let lanes = Data.u1.count
            let u2 = Point2Array(stride(from: 0, to: Data.u2.count, by: 2).map { SIMD2(Data.u2[$0], Data.u2[$0 + 1]) })
            let sample = bsdf.sample(si, u1: FloatArray(Data.u1), u2: u2, active: BoolArray(repeating: true, count: lanes))
            let wo = Vector3Array(Self.triples(Data.wo))
            let values = bsdf.eval(si, wo: wo, active: BoolArray(repeating: true, count: lanes)).values
            let pdfs = bsdf.pdf(si, wo: wo, active: BoolArray(repeating: true, count: lanes)).values
            let sampledWo = sample.wo.values, sampledPDF = sample.pdf.values, weights = sample.weight.values
            let delta = sample.isDelta.values
            let (mitsubaWo, mitsubaWeight) = (Self.triples(expected.sampledWo), Self.triples(expected.sampledWeight))
            let mitsubaValue = Self.triples(expected.eval)
            for lane in 0..<lanes {
                let context = "\(name) lane \(lane)"
                #expect(pluginClose(values[lane], mitsubaValue[lane], 2e-5), "\(context): eval \(values[lane]) vs \(mitsubaValue[lane])")
                #expect(pluginClose(pdfs[lane], expected.pdf[lane], 2e-5), "\(context): pdf \(pdfs[lane]) vs \(expected.pdf[lane])")
                // Where Mitsuba's weight is 0 the sample is invalid and its direction arbitrary.
                guard mitsubaWeight[lane] != .zero else {
                    #expect(weights[lane] == .zero, "\(context): weight \(weights[lane]) for an invalid sample")
                    continue
                }
                #expect(pluginClose(sampledWo[lane], mitsubaWo[lane], 2e-5), "\(context): wo \(sampledWo[lane]) vs \(mitsubaWo[lane])")
                #expect(pluginClose(sampledPDF[lane], expected.sampledPDF[lane], 2e-5),
                        "\(context): sampled pdf \(sampledPDF[lane]) vs \(expected.sampledPDF[lane])")
                #expect(pluginClose(weights[lane], mitsubaWeight[lane], 2e-5),
                        "\(context): weight \(weights[lane]) vs \(mitsubaWeight[lane])")
                #expect(delta[lane] == expected.sampledDelta[lane], "\(context): delta")
            }
        }
    }

    @Test("flags: thindielectric and mask carry a null lobe, which counts as Dirac; NEE only where a lobe is smooth")
    func flags() throws {
        let thin = try loadBSDF(#"<bsdf type="thindielectric"/>"#)
        #expect(thin.flags.contains(.null) && thin.flags.isDelta && !thin.flags.hasSmooth)
        let mask = try loadBSDF(#"<bsdf type="mask"><bsdf type="diffuse"/></bsdf>"#)
        #expect(mask.flags.contains(.null) && mask.flags.hasSmooth && !mask.flags.isDelta)
        let blend = try loadBSDF(#"<bsdf type="blendbsdf"><float name="weight" value="0.5"/><bsdf type="dielectric"/><bsdf type="thindielectric"/></bsdf>"#)
        #expect(blend.flags.isDelta && blend.flags.contains(.null))
    }

    @Test("parameters use Mitsuba's traverse keys, and a new value changes the BSDF")
    func parameters() throws {
        let mask = try loadBSDF(#"<bsdf type="mask"><float name="opacity" value="0.3"/><bsdf type="diffuse"><rgb name="reflectance" value="0.2, 0.5, 0.8"/></bsdf></bsdf>"#)
        #expect(mask.parameters.map(\.key) == ["opacity.value", "nested_bsdf.reflectance.value"])
        #expect(mask.parameters[0].slot.shape == [1])
        let blend = try loadBSDF("""
            <bsdf type="blendbsdf"><float name="weight" value="0.3"/>
                <bsdf type="diffuse" name="a"><rgb name="reflectance" value="0.2, 0.5, 0.8"/></bsdf>
                <bsdf type="thindielectric"><rgb name="specular_transmittance" value="0.5, 0.5, 0.5"/></bsdf></bsdf>
            """)
        #expect(blend.parameters.map(\.key) == ["weight.value", "bsdf_0.reflectance.value", "bsdf_1.eta",
                                                "bsdf_1.specular_transmittance.value"])
        // d eval / d weight: the blend is linear in w, so the value at w = 1 is the second BSDF's (thin: 0).
        let si = PluginFixtures.interaction(wi: [Vector3f(0, 0.6, 0.8)])
        let wo = Vector3Array([Vector3f(0.6, 0, 0.8)])
        let before = blend.eval(si, wo: wo, active: true).values[0]
        blend.parameters[0].slot.value = FloatArray([1])
        let after = blend.eval(si, wo: wo, active: true).values[0]
        #expect(pluginClose(before, Vector3f(0.2, 0.5, 0.8) * (0.7 * 0.8 / Float.pi), 1e-6) && after == .zero)
    }

    @Test("the mask's null lobe passes gradients to the opacity (Mitsuba's replace_grad)")
    func maskGradient() throws {
        // In a context of its own: another suite rendering on the shared default context may pause gradient
        // recording there while this runs.
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let mask = try loadBSDF(#"<bsdf type="mask"><float name="opacity" value="0.25"/><bsdf type="diffuse"/></bsdf>"#)
            let slot = mask.parameters[0].slot
            var opacity = FloatArray([0.25])
            opacity.enableGradient()
            slot.value = opacity
            let si = PluginFixtures.interaction(wi: [Vector3f(0, 0, 1), Vector3f(0, 0, 1)])
            // Lane 0 takes the null lobe (u1 ≥ α), lane 1 the diffuse lobe.
            let sample = mask.sample(si, u1: FloatArray([0.9, 0.1]), u2: Point2Array([SIMD2(0.3, 0.3), SIMD2(0.3, 0.3)]),
                                     active: BoolArray(repeating: true, count: 2))
            #expect(sample.weight.x.values == [1, 0.5])
            #expect(sample.isDelta.values == [true, false])
            sample.weight.x.sum().backward()
            // d/dα [(1 − α)/(1 − α₀)] + d/dα [0.5·α/α₀] = −1/0.75 + 0.5/0.25.
            let gradient = try #require(opacity.gradient.values.first)
            #expect(abs(gradient - (-1 / 0.75 + 0.5 / 0.25)) < 1e-5, "\(gradient)")
        }
    }

    @Test("bad input: clear SceneErrors naming what is wrong")
    func xmlErrors() {
        let cases: [(String, String)] = [
            (#"<bsdf type="mask"><float name="opacity" value="0.5"/></bsdf>"#, "a mask needs a nested bsdf"),
            (#"<bsdf type="mask"><bsdf type="diffuse"/><bsdf type="diffuse"/></bsdf>"#, "one nested bsdf, found 2"),
            (#"<bsdf type="mask"><float name="opacity" value="1.5"/><bsdf type="diffuse"/></bsdf>"#,
             "'opacity' must lie in [0.0, 1.0], got 1.5"),
            (#"<bsdf type="mask"><float name="alpha" value="0.5"/><bsdf type="diffuse"/></bsdf>"#, "unexpected property 'alpha'"),
            (#"<bsdf type="blendbsdf"><float name="weight" value="0.5"/><bsdf type="diffuse"/></bsdf>"#,
             "exactly two nested bsdfs, found 1"),
            (#"<bsdf type="blendbsdf"><bsdf type="diffuse"/><bsdf type="diffuse"/></bsdf>"#, "the property 'weight' is required"),
            (#"<bsdf type="blendbsdf"><float name="weight" value="-0.1"/><bsdf type="diffuse"/><bsdf type="diffuse"/></bsdf>"#,
             "'weight' must lie in [0.0, 1.0], got -0.1"),
            (#"<bsdf type="blendbsdf"><float name="weight" value="0.5"/><bsdf type="diffuse"/><bsdf type="hair"/></bsdf>"#,
             "unknown bsdf plugin 'hair'"),
            (#"<bsdf type="blendbsdf"><float name="weight" value="0.5"/><bsdf type="diffuse"/><bsdf type="diffuse"/><emitter type="area"/></bsdf>"#,
             "unexpected nested emitter"),
            (#"<bsdf type="thindielectric"><float name="int_ior" value="-1"/></bsdf>"#, "'int_ior' must be a positive index"),
            (#"<bsdf type="thindielectric"><float name="eta" value="1.5"/></bsdf>"#, "unexpected property 'eta'"),
        ]
        for (xml, message) in cases {
            do {
                let bsdf = try loadBSDF(xml)
                Issue.record("no error for \(xml): \(bsdf)")
            } catch let error as SceneError {
                #expect(error.description.contains(message), "\(xml): \(error.description)")
            } catch {
                Issue.record("not a SceneError for \(xml): \(error)")
            }
        }
    }

    @Test("XML defaults: mask opacity 0.5, thindielectric bk7 in air")
    func defaults() throws {
        let mask = try #require(try loadBSDF(#"<bsdf type="mask"><bsdf type="diffuse"/></bsdf>"#) as? MaskBSDF)
        #expect(mask.opacity.parameters[0].slot.value.values == [0.5])
        let thin = try #require(try loadBSDF(#"<bsdf type="thindielectric"/>"#) as? ThinDielectricBSDF)
        #expect(thin.eta.value.values == [Float(1.5046) / Float(1.000277)])
        #expect(thin.specularReflectance == nil && thin.specularTransmittance == nil)
        #expect(thin.parameters.map(\.key) == ["eta"])
    }
}
