// principledthin against Mitsuba 3.9.1: eval, pdf and sample at fixed directions, a same-seed render, keys, errors.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("principledthin against Mitsuba")
struct PrincipledThinTests {
    static let names = ["thin", "thin_leaf", "thin_leaf_back", "thin_sheet", "thin_sheet_back", "thin_sheet_through"]

    static func rgb(_ r: Float, _ g: Float, _ b: Float) -> any Texture { ConstantTexture(Vector3f(r, g, b)) }
    static func u(_ v: Float) -> any Texture { UniformTexture(v) }

    /// Ours, configured as make_principledthin.py's dictionaries.
    static func bsdf(_ name: String) -> PrincipledThinBSDF? {
        switch name {
        case "thin": return PrincipledThinBSDF()
        case "thin_leaf", "thin_leaf_back":
            return PrincipledThinBSDF(baseColor: rgb(0.3, 0.7, 0.2), roughness: u(0.45), anisotropic: u(0.4),
                                      diffTrans: u(1.2), sheen: u(0.6), sheenTint: u(0.5))
        case "thin_sheet", "thin_sheet_back", "thin_sheet_through":
            return PrincipledThinBSDF(baseColor: rgb(0.8, 0.6, 0.9), roughness: u(0.25), specTrans: u(0.7),
                                      diffTrans: u(0.3), flatness: u(0.4), specTint: u(0.5), eta: u(1.4),
                                      specularTransmittanceRate: 2)
        default: return nil
        }
    }

    @Test("eval, pdf and sample equal Mitsuba's at fixed directions and samples, on both sides",
          arguments: names, Variant.allCases)
    func valuesAgainstMitsuba(name: String, variant: Variant) throws {
        let data = try Data(contentsOf: BSDFSceneTests.fixture("principledthin_values.json"))
        let values = try JSONDecoder().decode(MitsubaBSDFValues.self, from: data)
        let expected = try #require(values.bsdfs[name])
        try TraceContext.with(CompileOptions(variant: variant)) {
            let ours = values.ours(try #require(Self.bsdf(name)), at: expected)
            var nonzero = 0
            for lane in values.wi.indices {
                #expect(PrincipledValueTests.close(ours.eval[lane], expected.eval[lane]),
                        "\(name) eval lane \(lane): \(ours.eval[lane]) vs \(expected.eval[lane])")
                #expect(PrincipledValueTests.close([ours.pdf[lane]], [expected.pdf[lane]]),
                        "\(name) pdf lane \(lane): \(ours.pdf[lane]) vs \(expected.pdf[lane])")
                #expect(PrincipledValueTests.close(ours.sampleWeight[lane], expected.sample_weight[lane]),
                        "\(name) weight lane \(lane): \(ours.sampleWeight[lane]) vs \(expected.sample_weight[lane])")
                guard expected.sample_weight[lane].contains(where: { $0 != 0 }) else { continue }
                nonzero += 1
                #expect(PrincipledValueTests.close(ours.sampleWo[lane], expected.sample_wo[lane]),
                        "\(name) wo lane \(lane): \(ours.sampleWo[lane]) vs \(expected.sample_wo[lane])")
                #expect(PrincipledValueTests.close([ours.samplePdf[lane]], [expected.sample_pdf[lane]]))
            }
            #expect(nonzero >= 10, "\(name): \(nonzero) valid samples")
        }
    }

    @Test("rendered with Mitsuba's seed, principledthin.xml is Mitsuba's image")
    func sameSeedAsMitsuba() throws {
        let mitsuba = try Bitmap(contentsOf: BSDFSceneTests.fixture("principledthin_mitsuba_spp64.npy")).pixels
        let scene = try Scene(contentsOf: BSDFSceneTests.fixture("principledthin.xml"))
        let ours = TraceContext.with(CompileOptions(variant: .llvm)) { scene.render(samplesPerPixel: 64, seed: 7).values }
        let differing = zip(ours, mitsuba).filter { abs($0 - $1) > 1e-3 * Swift.max(1, abs($1)) }.count
        #expect(differing <= mitsuba.count / 200, "\(differing) of \(mitsuba.count) values differ from Mitsuba's")
        let error = zip(ours, mitsuba).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(mitsuba.count)
        #expect(error < 5e-5, "mean absolute error \(error)")
    }

    @Test("principledthin from XML: Mitsuba's keys in its order, and bad values are errors naming the input")
    func keysAndErrors() throws {
        let scene = try Scene(contentsOf: BSDFSceneTests.fixture("principledthin.xml"))
        let keys = scene.parameters.keys.filter { $0.hasPrefix("film.bsdf.") }
        #expect(keys == ["film.bsdf.eta.value", "film.bsdf.roughness.value", "film.bsdf.diff_trans.value",
                         "film.bsdf.base_color.value", "film.bsdf.anisotropic.value", "film.bsdf.spec_tint.value",
                         "film.bsdf.sheen.value", "film.bsdf.sheen_tint.value", "film.bsdf.spec_trans.value",
                         "film.bsdf.flatness.value"], "\(keys)")
        for (xml, message) in [(#"<float name="diff_trans" value="2.5"/>"#, "diff_trans"),
                               (#"<float name="diffuse_transmittance_sampling_rate" value="-1"/>"#, "sampling weight"),
                               (#"<float name="clearcoat" value="0.5"/>"#, "'clearcoat'")] {
            let text = "<scene version=\"3.0.0\"><bsdf type=\"principledthin\">\(xml)</bsdf></scene>"
            let document = try SceneDocument(xml: text, url: URL(fileURLWithPath: "/tmp/thin.xml"))
            #expect {
                _ = try PluginFactory.makeBSDF(document.plugins[0], document: document)
            } throws: { "\($0)".contains(message) }
        }
    }
}
