// roughplastic beyond the shared BSDF harness: its rough-interface tables against Mitsuba's, and its XML rules.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("roughplastic tables and XML")
struct RoughPlasticTests {
    struct Table: Decodable {
        var external_transmittance: [Float]
        var internal_reflectance: Float
    }

    /// The configurations of make_bsdf_scenes.py's roughplastic_tables.json.
    static let configurations: [(name: String, type: MicrofacetType, alpha: Float, eta: Float)] = [
        ("beckmann", .beckmann, 0.1, 1.49 / 1.000277), ("ggx_1.7", .ggx, 0.3, 1.7 / 1.000277),
        ("beckmann_water_0.8", .beckmann, 0.8, 1.333 / 1.000277), ("ggx_inverted_0.05", .ggx, 0.05, 1 / 1.6),
    ]

    @Test("the transmittance table and internal reflectance equal Mitsuba's (recovered from its diffuse lobe)",
          arguments: configurations.map(\.name))
    func tablesAgainstMitsuba(name: String) throws {
        let data = try Data(contentsOf: BSDFSceneTests.fixture("roughplastic_tables.json"))
        let expected = try #require(try JSONDecoder().decode([String: Table].self, from: data)[name])
        let configuration = try #require(Self.configurations.first { $0.name == name })
        let tables = RoughInterfaceTables(type: configuration.type, alpha: configuration.alpha, eta: configuration.eta)
        #expect(tables.externalTransmittance.count == 64)
        let worst = zip(tables.externalTransmittance, expected.external_transmittance).map { abs($0 - $1) }.max() ?? 1
        #expect(worst < 5e-6, "\(name): largest transmittance difference \(worst)")
        let difference = abs(tables.internalReflectance - expected.internal_reflectance)
        let ours = tables.internalReflectance, theirs = expected.internal_reflectance
        #expect(difference < 2e-6, "\(name): internal reflectance \(ours) vs \(theirs)")
    }

    @Test("Gauss–Legendre rules integrate polynomials of degree 2n − 1 exactly")
    func gaussLegendre() {
        for order in [1, 2, 5, 32, 128] {
            let (nodes, weights) = RoughInterfaceTables.gaussLegendre(order)
            #expect(abs(weights.reduce(0, +) - 2) < 1e-5, "order \(order): weights sum to 2")
            let degree = 2 * order - 2   // an even power below 2n
            let integral = zip(nodes, weights).reduce(0.0) { $0 + Double($1.1) * pow(Double($1.0), Double(degree)) }
            #expect(abs(integral - 2 / Double(degree + 1)) < 1e-5, "order \(order): ∫x^\(degree)")
        }
    }

    @Test("a new roughness set through the scene parameters recomputes the tables, as Mitsuba's params.update()",
          arguments: Variant.allCases)
    func newRoughnessRecomputesTables(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let changed = RoughPlasticBSDF(distribution: .ggx, alpha: 0.1)
            let fresh = RoughPlasticBSDF(distribution: .ggx, alpha: 0.4)
            changed.alpha.value = FloatArray([0.4])
            let user = RenderBindings()
            #expect(changed.tables(user).externalTransmittance == fresh.tables(user).externalTransmittance)
            #expect(changed.tables(user).internalReflectance == fresh.tables(user).internalReflectance)
            let si = PluginFixtures.interaction(wi: [Vector3f(0.3, 0.1, 0.9).normalized, Vector3f(0.8, 0, 0.2).normalized])
            let wo = Vector3Array([Vector3f(-0.2, 0.4, 0.7).normalized, Vector3f(0, 0.6, 0.5).normalized])
            #expect(changed.eval(si, wo: wo, active: true).values == fresh.eval(si, wo: wo, active: true).values)
            #expect(changed.pdf(si, wo: wo, active: true).values == fresh.pdf(si, wo: wo, active: true).values)
        }
    }

    @Test("roughplastic from XML: Mitsuba's defaults and keys, named indices, clear errors for bad input")
    func roughPlasticXML() throws {
        let plain = try #require(try loadBSDF("<bsdf type=\"roughplastic\" id=\"b\"/>") as? RoughPlasticBSDF)
        #expect(plain.distribution == .beckmann && plain.sampleVisible && !plain.nonlinear)
        #expect(abs(plain.eta.value.values[0] - 1.49 / 1.000277) < 1e-6, "polypropylene inside air")
        #expect(plain.parameters.map(\.key) == ["diffuse_reflectance.value", "alpha", "eta"], "mi.traverse's keys")
        #expect(plain.parameters.map { $0.slot.value.values }.prefix(2) == [[0.5], [0.1]])
        #expect(abs(plain.specularSamplingWeight - 1 / 1.5) < 1e-6)
        #expect(plain.flags == [.glossyReflection, .diffuseReflection, .frontSide])
        let water = try #require(try loadBSDF("""
            <bsdf type="roughplastic" id="b"><string name="distribution" value="GGX"/>\
            <string name="int_ior" value="water"/><float name="ext_ior" value="1.2"/><float name="alpha" value="0.3"/>\
            <boolean name="sample_visible" value="false"/><boolean name="nonlinear" value="true"/>\
            <rgb name="diffuse_reflectance" value="0.1, 0.2, 0.3"/><float name="specular_reflectance" value="0.5"/>\
            </bsdf>
            """) as? RoughPlasticBSDF)
        #expect(water.distribution == .ggx && !water.sampleVisible && water.nonlinear)
        #expect(abs(water.eta.value.values[0] - 1.333 / 1.2) < 1e-6)
        #expect(water.parameters.map(\.key) == ["diffuse_reflectance.value", "alpha", "eta", "specular_reflectance.value"])
        #expect(abs(water.specularSamplingWeight - 0.5 / 0.7) < 1e-6, "s̄ / (ρ̄ + s̄)")
        let d = "<bsdf type=\"roughplastic\" id=\"b\">"
        #expect(bsdfErrorText(d + "<float name=\"alpha_u\" value=\"0.1\"/><float name=\"alpha_v\" value=\"0.2\"/></bsdf>")
            .contains("anisotropic roughness ('alpha_u', 'alpha_v') is not supported by roughplastic"))
        #expect(bsdfErrorText(d + "<float name=\"alpha\" value=\"-0.1\"/></bsdf>").contains("'alpha' must be a roughness"))
        #expect(bsdfErrorText(d + "<string name=\"distribution\" value=\"phong\"/></bsdf>")
            .contains("unknown distribution 'phong' (expected beckmann or ggx)"))
        #expect(bsdfErrorText(d + "<float name=\"int_ior\" value=\"1.3\"/><float name=\"ext_ior\" value=\"1.3\"/></bsdf>")
            .contains("'int_ior' and 'ext_ior' must differ"))
        #expect(bsdfErrorText(d + "<float name=\"ext_ior\" value=\"-1\"/></bsdf>")
            .contains("'ext_ior' must be a positive index of refraction"))
        #expect(bsdfErrorText(d + "<string name=\"int_ior\" value=\"unobtainium\"/></bsdf>").contains("unobtainium"))
        #expect(bsdfErrorText(d + "<string name=\"material\" value=\"Au\"/></bsdf>").contains("material"))
        #expect(bsdfErrorText(d + "<bsdf type=\"diffuse\"/></bsdf>").contains("unexpected nested"))
    }
}

/// The text of the error that loading the `<bsdf>` element `xml` throws ("" when it loads).
private func bsdfErrorText(_ xml: String) -> String {
    do { _ = try loadBSDF(xml); return "" } catch { return "\(error)" }
}
