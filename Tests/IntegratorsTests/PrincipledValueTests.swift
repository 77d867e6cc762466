// principled's eval, pdf and sample against Mitsuba 3.9.1's at fixed directions and samples, on both backends.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("principled values against Mitsuba")
struct PrincipledValueTests {

    static let names = ["principled", "principled_metallic", "principled_anisotropic", "principled_clearcoat",
                        "principled_sheen", "principled_rates", "principled_trans", "principled_trans_inside",
                        "principled_trans_into", "principled_all", "principled_all_inside", "principled_opaque_inside"]

    static func rgb(_ r: Float, _ g: Float, _ b: Float) -> any Texture { ConstantTexture(Vector3f(r, g, b)) }
    static func u(_ v: Float) -> any Texture { UniformTexture(v) }

    /// Ours, configured as the script's dictionaries (made in the context that uses them: they hold traced values).
    static func bsdf(_ name: String) -> PrincipledBSDF? {
        let transmissive = PrincipledBSDF(baseColor: rgb(0.8, 0.9, 0.7), roughness: u(0.25), specTrans: u(0.7),
                                          eta: 1.45)
        let everything = PrincipledBSDF(baseColor: rgb(1, 0.8, 0.6), roughness: u(0.2), anisotropic: u(0.5),
                                        metallic: u(0.3), specTint: u(0.4), sheen: u(0.3), sheenTint: u(0.2),
                                        specTrans: u(0.4), flatness: u(0.2), clearcoat: u(0.6),
                                        clearcoatGloss: u(0.3), specular: 0.6)
        switch name {
        case "principled": return PrincipledBSDF()
        case "principled_metallic":
            return PrincipledBSDF(baseColor: rgb(0.9, 0.6, 0.3), roughness: u(0.3), metallic: u(0.8), specTint: u(0.5))
        case "principled_anisotropic":
            return PrincipledBSDF(baseColor: rgb(0.3, 0.7, 0.5), roughness: u(0.4), anisotropic: u(0.7),
                                  metallic: u(0.5))
        case "principled_clearcoat":
            return PrincipledBSDF(baseColor: rgb(0.2, 0.5, 0.7), roughness: u(0.6), clearcoat: u(0.8),
                                  clearcoatGloss: u(0.6), specular: 0.3)
        case "principled_sheen":
            return PrincipledBSDF(baseColor: rgb(0.7, 0.2, 0.4), roughness: u(0.45), sheen: u(0.8), sheenTint: u(0.5),
                                  flatness: u(0.4), specular: 0.7)
        case "principled_rates":
            return PrincipledBSDF(baseColor: rgb(0.5, 0.4, 0.3), clearcoat: u(0.5), mainSpecularSamplingRate: 0.5,
                                  clearcoatSamplingRate: 2, diffuseReflectanceSamplingRate: 1.5)
        case "principled_trans", "principled_trans_inside", "principled_trans_into": return transmissive
        case "principled_all", "principled_all_inside": return everything
        case "principled_opaque_inside": return PrincipledBSDF(baseColor: rgb(0.5, 0.6, 0.7), roughness: u(0.3))
        default: return nil
        }
    }

    static func close(_ a: [Float], _ b: [Float], _ tolerance: Float = 2e-4) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * Swift.max(1, abs($1)) }
    }

    @Test("eval, pdf and sample equal Mitsuba's at fixed directions and samples", arguments: names, Variant.allCases)
    func valuesAgainstMitsuba(name: String, variant: Variant) throws {
        let data = try Data(contentsOf: BSDFSceneTests.fixture("principled_values.json"))
        let values = try JSONDecoder().decode(MitsubaBSDFValues.self, from: data)
        let expected = try #require(values.bsdfs[name])
        try TraceContext.with(CompileOptions(variant: variant)) {
            let ours = values.ours(try #require(Self.bsdf(name)), at: expected)
            let (eval, pdf, weight, sampledWo) = (ours.eval, ours.pdf, ours.sampleWeight, ours.sampleWo)
            let (sampledPdf, eta) = (ours.samplePdf, ours.sampleEta)
            var nonzero = 0
            for lane in values.wi.indices {
                #expect(Self.close(eval[lane], expected.eval[lane]),
                        "\(name) eval lane \(lane): \(eval[lane]) vs \(expected.eval[lane])")
                #expect(Self.close([pdf[lane]], [expected.pdf[lane]]),
                        "\(name) pdf lane \(lane): \(pdf[lane]) vs \(expected.pdf[lane])")
                #expect(Self.close(weight[lane], expected.sample_weight[lane]),
                        "\(name) sample weight lane \(lane): \(weight[lane]) vs \(expected.sample_weight[lane])")
                // Where Mitsuba's sample is invalid (weight 0) its direction and pdf are whatever was computed.
                guard expected.sample_weight[lane].contains(where: { $0 != 0 }) else { continue }
                nonzero += 1
                #expect(Self.close(sampledWo[lane], expected.sample_wo[lane]),
                        "\(name) sampled wo lane \(lane): \(sampledWo[lane]) vs \(expected.sample_wo[lane])")
                #expect(Self.close([sampledPdf[lane]], [expected.sample_pdf[lane]]),
                        "\(name) sampled pdf lane \(lane): \(sampledPdf[lane]) vs \(expected.sample_pdf[lane])")
                #expect(eta[lane] == expected.sample_eta![lane] || Self.close([eta[lane]], [expected.sample_eta![lane]], 1e-6),
                        "\(name) sampled eta lane \(lane)")
            }
            // Guards against a fixture that tests nothing: each configuration has valid samples.
            #expect(nonzero >= (name == "principled_opaque_inside" ? 1 : 10), "\(name): \(nonzero) valid samples")
        }
    }
}
