// BSDF plugins beyond diffuse and dielectric against Mitsuba 3.9.1: values, same-seed images and PRB gradients.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("BSDFs against Mitsuba")
struct BSDFSceneTests {
    /// Fixtures/BSDFScenes: scenes and Mitsuba's outputs, written by make_bsdf_scenes.py.
    static func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/BSDFScenes/\(name)")
    }


    static let names = ["plastic", "plastic_nonlinear", "plastic_specular", "conductor", "conductor_au", "conductor_eta_k",
                        "roughconductor", "roughconductor_ggx_au", "roughconductor_aniso", "roughconductor_ggx_aniso",
                        "roughdielectric", "roughdielectric_inside", "roughdielectric_into", "roughdielectric_ggx",
                        "roughdielectric_ggx_inside", "roughdielectric_ggx_into", "roughdielectric_ggx_aniso",
                        "roughdielectric_ggx_aniso_inside", "roughdielectric_hidden", "roughdielectric_hidden_inside",
                        "roughdielectric_tinted", "roughdielectric_tinted_inside", "roughplastic", "roughplastic_ggx",
                        "roughplastic_hidden", "roughplastic_ggx_hidden_nonlinear", "roughplastic_tinted",
                        "roughplastic_rough"]

    /// Ours, configured as the script's dictionaries (made in the context that uses them: they hold traced values).
    static func bsdfs() -> [String: any BSDF] { [
        "plastic": PlasticBSDF(),
        "plastic_nonlinear": PlasticBSDF(diffuseReflectance: ConstantTexture(Vector3f(0.1, 0.27, 0.36)),
                                         interiorIOR: 1.9, nonlinear: true),
        "plastic_specular": PlasticBSDF(diffuseReflectance: ConstantTexture(Vector3f(0.2, 0.6, 0.3)),
                                        specularReflectance: ConstantTexture(Vector3f(0.5, 0.3, 0.8)), exteriorIOR: 1.2),
        "conductor": ConductorBSDF(),
        "conductor_au": ConductorBSDF(ior: ConductorIOR(material: "Au")!),
        "conductor_eta_k": ConductorBSDF(ior: ConductorIOR(eta: Vector3f(0.2, 0.9, 1.1), k: Vector3f(3.9, 2.4, 2.2)),
                                         specularReflectance: ConstantTexture(Vector3f(0.8, 0.9, 1.0))),
        "roughconductor": RoughConductorBSDF(),
        "roughconductor_ggx_au": RoughConductorBSDF(distribution: .ggx, alpha: 0.3, ior: ConductorIOR(material: "Au")!),
        "roughconductor_aniso": RoughConductorBSDF(distribution: .beckmann, alphaU: 0.05, alphaV: 0.4, sampleVisible: false),
        "roughconductor_ggx_aniso": RoughConductorBSDF(distribution: .ggx, alphaU: 0.2, alphaV: 0.6,
                                                       ior: ConductorIOR(material: "Cu")!),
        "roughdielectric": RoughDielectricBSDF(),
        "roughdielectric_inside": RoughDielectricBSDF(),
        "roughdielectric_into": RoughDielectricBSDF(),
        "roughdielectric_ggx": RoughDielectricBSDF(distribution: .ggx, alpha: 0.3, interiorIOR: 1.33),
        "roughdielectric_ggx_inside": RoughDielectricBSDF(distribution: .ggx, alpha: 0.3, interiorIOR: 1.33),
        "roughdielectric_ggx_into": RoughDielectricBSDF(distribution: .ggx, alpha: 0.3, interiorIOR: 1.33),
        "roughdielectric_ggx_aniso": RoughDielectricBSDF(distribution: .ggx, alphaU: 0.1, alphaV: 0.4),
        "roughdielectric_ggx_aniso_inside": RoughDielectricBSDF(distribution: .ggx, alphaU: 0.1, alphaV: 0.4),
        "roughdielectric_hidden": RoughDielectricBSDF(distribution: .ggx, alpha: 0.2, sampleVisible: false),
        "roughdielectric_hidden_inside": RoughDielectricBSDF(alphaU: 0.3, alphaV: 0.15, sampleVisible: false),
        "roughdielectric_tinted": RoughDielectricBSDF(distribution: .ggx, alpha: 0.25,
                                                      specularReflectance: ConstantTexture(Vector3f(0.9, 0.6, 0.3)),
                                                      specularTransmittance: UniformTexture(0.5)),
        "roughdielectric_tinted_inside": RoughDielectricBSDF(distribution: .ggx, alpha: 0.25,
                                                             specularReflectance: ConstantTexture(Vector3f(0.9, 0.6, 0.3)),
                                                             specularTransmittance: UniformTexture(0.5)),
        "roughplastic": RoughPlasticBSDF(),
        "roughplastic_ggx": RoughPlasticBSDF(distribution: .ggx, alpha: 0.3, interiorIOR: 1.7),
        "roughplastic_hidden": RoughPlasticBSDF(alpha: 0.2, sampleVisible: false),
        "roughplastic_ggx_hidden_nonlinear": RoughPlasticBSDF(
            distribution: .ggx, alpha: 0.15, sampleVisible: false,
            diffuseReflectance: ConstantTexture(Vector3f(0.1, 0.27, 0.36)), nonlinear: true),
        "roughplastic_tinted": RoughPlasticBSDF(distribution: .ggx, alpha: 0.5,
                                                diffuseReflectance: ConstantTexture(Vector3f(0.2, 0.6, 0.3)),
                                                specularReflectance: ConstantTexture(Vector3f(0.5, 0.3, 0.8)),
                                                exteriorIOR: 1.2),
        "roughplastic_rough": RoughPlasticBSDF(alpha: 0.8, interiorIOR: 1.333),
    ] }

    static func close(_ a: [Float], _ b: [Float], _ tolerance: Float = 1e-4) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * Swift.max(1, abs($1)) }
    }

    @Test("eval, pdf and sample equal Mitsuba's at fixed directions and samples",
          arguments: names, Variant.allCases)
    func valuesAgainstMitsuba(name: String, variant: Variant) throws {
        let values = try JSONDecoder().decode(MitsubaBSDFValues.self, from: Data(contentsOf: Self.fixture("bsdf_values.json")))
        let expected = try #require(values.bsdfs[name])
        try TraceContext.with(CompileOptions(variant: variant)) {
            let ours = values.ours(try #require(Self.bsdfs()[name]), at: expected)
            let (eval, pdf, weight, sampledWo) = (ours.eval, ours.pdf, ours.sampleWeight, ours.sampleWo)
            let (sampledPdf, delta) = (ours.samplePdf, ours.sampleDelta)
            for lane in values.wi.indices {
                #expect(Self.close(eval[lane], expected.eval[lane]), "\(name) eval lane \(lane): \(eval[lane]) vs \(expected.eval[lane])")
                #expect(Self.close([pdf[lane]], [expected.pdf[lane]]), "\(name) pdf lane \(lane)")
                #expect(Self.close(weight[lane], expected.sample_weight[lane]),
                        "\(name) sample weight lane \(lane): \(weight[lane]) vs \(expected.sample_weight[lane])")
                // Where Mitsuba's sample is invalid (weight 0) its direction and pdf are whatever was computed.
                guard expected.sample_weight[lane].contains(where: { $0 != 0 }) else { continue }
                #expect(Self.close(sampledWo[lane], expected.sample_wo[lane]), "\(name) sampled wo lane \(lane)")
                #expect(Self.close([sampledPdf[lane]], [expected.sample_pdf[lane]]), "\(name) sampled pdf lane \(lane)")
                #expect(delta[lane] == expected.sample_delta![lane], "\(name) delta lane \(lane)")
            }
        }
    }

    static let files = ["plastic.xml", "plastic_textured.xml", "roughdielectric.xml", "roughconductor.xml",
                        "roughplastic.xml", "spot.xml"]

    @Test("rendered with Mitsuba's seed, the image is Mitsuba's", arguments: files)
    func sameSeedAsMitsuba(file: String) throws {
        let stem = file.replacingOccurrences(of: ".xml", with: "")
        try SameSeedImage.expectMatches(scene: Self.fixture(file), mitsuba: Self.fixture("\(stem)_mitsuba_spp64.npy"),
                                        samplesPerPixel: 64)
    }

    @Test("PRB gradients of the image mean are Mitsuba's at the same seeds, and in its seed-to-seed spread",
          arguments: ["plastic.xml", "roughdielectric.xml", "roughconductor.xml", "roughplastic.xml", "spot.xml"])
    func gradientsAgainstMitsuba(file: String) throws {
        let stem = file.replacingOccurrences(of: ".xml", with: "")
        let data = try Data(contentsOf: Self.fixture("\(stem)_gradients.json"))
        let mitsuba = try JSONDecoder().decode([String: [[Float]]].self, from: data)
        for (key, seeds) in mitsuba.sorted(by: { $0.key < $1.key }) {
            let gradient = try sceneGradient(of: key, scene: Self.fixture(file), samplesPerPixel: 16)
            try MeshSceneTests.expectInSpread(gradient, seeds, key: key)
            // Seeds 0 and 100 are Mitsuba's first row: the same paths, so the same gradient up to rounding.
            #expect(Self.close(gradient, seeds[0], 1e-3), "\(key): \(gradient) vs Mitsuba's \(seeds[0])")
        }
    }

    @Test("conductor and roughconductor from XML: Mitsuba's defaults and keys, named materials, clear errors for bad input")
    func conductorXML() throws {
        let plain = try loadBSDF("<bsdf type=\"conductor\" id=\"b\"/>")
        #expect(plain.parameters.map(\.key) == ["eta.value", "k.value", "specular_reflectance.value"])
        #expect(plain.parameters.map { $0.slot.value.values } == [[0], [1], [1]], "uniform values, as Mitsuba's")
        let gold = try loadBSDF("<bsdf type=\"conductor\" id=\"b\"><string name=\"material\" value=\"Au\"/></bsdf>")
        #expect(gold.parameters[0].slot.value.values.count == 3)
        #expect(bsdfError("<bsdf type=\"conductor\" id=\"b\"><string name=\"material\" value=\"Unobtainium\"/></bsdf>")
            .contains("unknown conductor material 'Unobtainium' (valid: none, a-C, Ag"))
        #expect(bsdfError("<bsdf type=\"conductor\" id=\"b\"><string name=\"material\" value=\"Au\"/><float name=\"eta\" value=\"1\"/></bsdf>")
            .contains("either 'eta' and 'k' or 'material'"))
        #expect(bsdfError("<bsdf type=\"conductor\" id=\"b\"><float name=\"alpha\" value=\"0.1\"/></bsdf>").contains("alpha"))
        let rough = try loadBSDF("<bsdf type=\"roughconductor\" id=\"b\"/>")
        #expect(rough.parameters.map(\.key) == ["alpha.value", "eta.value", "k.value"], "\(rough.parameters.map(\.key))")
        #expect(rough.parameters[0].slot.value.values == [0.1])
        #expect(bsdfError("<bsdf type=\"roughconductor\" id=\"b\"><float name=\"alpha\" value=\"-0.1\"/></bsdf>").contains("alpha"))
        #expect(bsdfError("<bsdf type=\"roughconductor\" id=\"b\"><string name=\"distribution\" value=\"phong\"/></bsdf>")
            .contains("unknown distribution 'phong'"))
    }

    @Test("roughdielectric from XML: Mitsuba's defaults and keys, named indices, clear errors for bad input")
    func roughDielectricXML() throws {
        let plain = try #require(try loadBSDF("<bsdf type=\"roughdielectric\" id=\"b\"/>") as? RoughDielectricBSDF)
        #expect(plain.distribution == .beckmann && plain.sampleVisible && plain.isIsotropic)
        #expect(abs(plain.eta.value.values[0] - 1.5046 / 1.000277) < 1e-6, "bk7 inside air")
        #expect(plain.parameters.map(\.key) == ["eta", "alpha.value"])
        #expect(plain.parameters[1].slot.value.values == [0.1])
        #expect(plain.flags.contains(.glossyTransmission) && plain.flags.contains(.backSide))
        let water = try #require(try loadBSDF("""
            <bsdf type="roughdielectric" id="b"><string name="distribution" value="GGX"/>\
            <string name="int_ior" value="water"/><float name="ext_ior" value="1.2"/>\
            <float name="alpha_u" value="0.1"/><float name="alpha_v" value="0.4"/>\
            <boolean name="sample_visible" value="false"/>\
            <rgb name="specular_reflectance" value="0.5, 0.6, 0.7"/><float name="specular_transmittance" value="0.5"/>\
            </bsdf>
            """) as? RoughDielectricBSDF)
        #expect(water.distribution == .ggx && !water.sampleVisible && !water.isIsotropic)
        #expect(abs(water.eta.value.values[0] - 1.333 / 1.2) < 1e-6)
        #expect(water.parameters.map(\.key) == ["eta", "alpha_u.value", "alpha_v.value", "specular_reflectance.value",
                                                "specular_transmittance.value"], "mi.traverse's keys")
        #expect(water.parameters.map { $0.slot.value.values }.dropFirst().prefix(2) == [[0.1], [0.4]])
        let d = "<bsdf type=\"roughdielectric\" id=\"b\">"
        #expect(bsdfError(d + "<float name=\"alpha_u\" value=\"0.1\"/></bsdf>")
            .contains("give both 'alpha_u' and 'alpha_v'"))
        #expect(bsdfError(d + "<float name=\"alpha\" value=\"0.1\"/><float name=\"alpha_u\" value=\"0.1\"/>"
                          + "<float name=\"alpha_v\" value=\"0.1\"/></bsdf>").contains("either 'alpha'"))
        #expect(bsdfError(d + "<float name=\"alpha\" value=\"-0.1\"/></bsdf>").contains("'alpha' must be a roughness"))
        #expect(bsdfError(d + "<string name=\"distribution\" value=\"phong\"/></bsdf>")
            .contains("unknown distribution 'phong'"))
        #expect(bsdfError(d + "<float name=\"int_ior\" value=\"1\"/><float name=\"ext_ior\" value=\"1\"/></bsdf>")
            .contains("must differ"))
        #expect(bsdfError(d + "<float name=\"int_ior\" value=\"-1.5\"/></bsdf>")
            .contains("'int_ior' must be a positive index of refraction"))
        #expect(bsdfError(d + "<string name=\"int_ior\" value=\"unobtainium\"/></bsdf>").contains("unobtainium"))
        #expect(bsdfError(d + "<string name=\"material\" value=\"Au\"/></bsdf>").contains("material"))
        #expect(bsdfError(d + "<bsdf type=\"diffuse\"/></bsdf>").contains("unexpected nested"))
    }

    @Test("plastic from XML: Mitsuba's defaults, parameter keys, and clear errors for bad input")
    func plasticXML() throws {
        let plain = try #require(try loadBSDF("<bsdf type=\"plastic\" id=\"b\"/>") as? PlasticBSDF)
        #expect(abs(plain.eta - 1.49 / 1.000277) < 1e-6 && !plain.nonlinear && plain.specularReflectance == nil)
        #expect(abs(plain.specularSamplingWeight - 1 / 1.5) < 1e-6, "s̄ / (ρ̄ + s̄) = 1 / (0.5 + 1)")
        #expect(plain.parameters.map(\.key) == ["eta", "diffuse_reflectance.value"], "mi.traverse's keys")
        #expect(!plain.parameters[0].slot.isDifferentiable, "eta is listed, not differentiable, as in Mitsuba")
        let tinted = try loadBSDF("<bsdf type=\"plastic\" id=\"b\"><rgb name=\"specular_reflectance\" value=\"0.5\"/></bsdf>")
        #expect(tinted.parameters.map(\.key) == ["eta", "diffuse_reflectance.value", "specular_reflectance.value"])
        #expect(bsdfError("<bsdf type=\"plastic\" id=\"b\"><float name=\"int_ior\" value=\"-1\"/></bsdf>")
            .contains("'int_ior' must be a positive index of refraction"))
        #expect(bsdfError("<bsdf type=\"plastic\" id=\"b\"><float name=\"alpha\" value=\"0.1\"/></bsdf>").contains("alpha"))
        #expect(bsdfError("<bsdf type=\"plastic\" id=\"b\"><string name=\"int_ior\" value=\"unobtainium\"/></bsdf>")
            .contains("unobtainium"))
        #expect(bsdfError("<bsdf type=\"plastic\" id=\"b\"><bsdf type=\"diffuse\"/></bsdf>").contains("unexpected nested"))
    }
}

/// The text of the error that loading the `<bsdf>` element `xml` throws ("" when it loads).
private func bsdfError(_ xml: String) -> String {
    do { _ = try loadBSDF(xml); return "" } catch { return "\(error)" }
}
