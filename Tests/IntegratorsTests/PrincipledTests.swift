// principled in scenes and from XML: a same-seed image and PRB gradients against Mitsuba, Mitsuba's own reference
// values, parameter keys, defaults and errors.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("principled scenes and XML")
struct PrincipledTests {
    @Test("rendered with Mitsuba's seed, principled.xml is Mitsuba's image")
    func sameSeedAsMitsuba() throws {
        let mitsuba = try Bitmap(contentsOf: BSDFSceneTests.fixture("principled_mitsuba_spp64.npy")).pixels
        let ours = try TraceContext.with(CompileOptions(variant: .llvm)) {
            try Scene(contentsOf: BSDFSceneTests.fixture("principled.xml")).render(samplesPerPixel: 64, seed: 7).values
        }
        #expect(ours.count == mitsuba.count)
        let differing = zip(ours, mitsuba).filter { abs($0 - $1) > 1e-3 * Swift.max(1, abs($1)) }.count
        #expect(differing <= mitsuba.count / 100, "\(differing) of \(mitsuba.count) values differ from Mitsuba's")
        let error = zip(ours, mitsuba).reduce(0) { $0 + Double(abs($1.0 - $1.1)) } / Double(mitsuba.count)
        #expect(error < 2e-4, "mean absolute difference \(error)")
    }

    @Test("PRB gradients of the image mean w.r.t. nine inputs (base_color, roughness, ...) are Mitsuba's at the same seeds")
    func gradientsAgainstMitsuba() throws {
        let data = try Data(contentsOf: BSDFSceneTests.fixture("principled_gradients.json"))
        let mitsuba = try JSONDecoder().decode([String: [[Float]]].self, from: data)
        #expect(mitsuba.count == 9)
        for (key, seeds) in mitsuba.sorted(by: { $0.key < $1.key }) {
            let gradient = try sceneGradient(of: key, scene: BSDFSceneTests.fixture("principled.xml"),
                                             samplesPerPixel: 16)
            #expect(gradient.allSatisfy { $0.isFinite }, "\(key): \(gradient)")
            try MeshSceneTests.expectInSpread(gradient, seeds, key: key)
            // Seeds 0 and 100 are Mitsuba's first row: the same paths, so the same gradient up to rounding.
            #expect(BSDFSceneTests.close(gradient, seeds[0], 1e-3), "\(key): \(gradient) vs Mitsuba's \(seeds[0])")
        }
    }

    /// Central differences of the same-seed prb render's mean for `key` (a scalar, or channel 0 of a colour) at
    /// `value` ± h, against PRB's derivative at the same spp.
    static func finiteDifference(_ key: String, at value: [Float], step h: Float, samplesPerPixel spp: Int) throws
        -> (prb: Float, difference: Float) {
        let url = BSDFSceneTests.fixture("principled.xml")
        let gradient = try sceneGradient(of: key, scene: url, samplesPerPixel: spp)
        let means = try [h, -h].map { offset in
            try TraceContext.with(CompileOptions(variant: .llvm)) {
                var scene = try Scene(contentsOf: url)
                scene.integrator.kind = .prb
                var shifted = value
                shifted[0] += offset
                try scene.parameters.set(key, to: FloatArray(shifted))
                return scene.render(samplesPerPixel: spp, seed: 0).array.mean().values[0]
            }
        }
        return (gradient[0], (means[0] - means[1]) / (2 * h))
    }

    @Test("PRB gradients agree with central finite differences of the same-seed render")
    func gradientsAgainstFiniteDifferences() throws {
        // base_color does not steer sampling, so the same seed traces the same paths on both sides: tight.
        let color = try Self.finiteDifference("coated.bsdf.base_color.value", at: [0.2, 0.5, 0.7], step: 0.02,
                                              samplesPerPixel: 16)
        #expect(abs(color.prb - color.difference) <= 0.01 * abs(color.difference),
                "base_color: PRB \(color.prb) vs finite differences \(color.difference)")
        // (roughness also moves the sampled normals, so that a same-seed difference is dominated by paths that
        // change: its derivative is checked against Mitsuba's above and per evaluation below.)
    }

    @Test("the value's derivative w.r.t. every input equals central finite differences", arguments: Variant.allCases)
    func evalDerivatives(variant: Variant) throws {
        let wi = [Vector3f(0.3, 0.2, 0.9), Vector3f(-0.5, 0.4, 0.6), Vector3f(0.7, -0.1, 0.3), Vector3f(0.1, 0.3, -0.8)]
        let wo = [Vector3f(-0.4, 0.1, 0.8), Vector3f(0.6, -0.2, 0.5), Vector3f(-0.2, 0.5, 0.7), Vector3f(-0.2, -0.4, 0.9)]
        try TraceContext.with(CompileOptions(variant: variant)) {
            let bsdf = try #require(try loadBSDF("""
                <bsdf type="principled" id="b"><rgb name="base_color" value="0.7, 0.5, 0.3"/>\
                <float name="roughness" value="0.4"/><float name="anisotropic" value="0.3"/>\
                <float name="metallic" value="0.3"/><float name="spec_tint" value="0.4"/>\
                <float name="sheen" value="0.5"/><float name="sheen_tint" value="0.6"/>\
                <float name="spec_trans" value="0.4"/><float name="flatness" value="0.3"/>\
                <float name="clearcoat" value="0.6"/><float name="clearcoat_gloss" value="0.4"/>\
                <float name="specular" value="0.5"/></bsdf>
                """) as? PrincipledBSDF)
            let si = PluginFixtures.interaction(wi: wi.map(\.normalized))
            let directions = Vector3Array(wo.map(\.normalized))
            func total() -> FloatArray {
                let value = bsdf.eval(si, wo: directions, active: true)
                return (value.x + value.y + value.z).sum()
            }
            for (key, slot) in bsdf.parameters where slot.isDifferentiable {
                let original = slot.value.values
                var leaf = FloatArray(original)
                leaf.enableGradient()
                slot.value = leaf
                total().backward()
                let derivative = leaf.gradient.values[0]
                let h: Float = 1e-2
                var up = original, down = original
                up[0] += h
                down[0] -= h
                slot.value = FloatArray(up)
                let high = total().values[0]
                slot.value = FloatArray(down)
                let low = total().values[0]
                slot.value = FloatArray(original)
                let difference = (high - low) / (2 * h)
                #expect(abs(derivative - difference) <= 2e-3 * Swift.max(abs(difference), 1e-2),
                        "\(key): autodiff \(derivative) vs finite differences \(difference)")
                #expect(derivative != 0, "\(key) has an effect here")
            }
        }
    }

    @Test("eval and pdf equal the reference values of Mitsuba's test_principled.py (test05)",
          arguments: Variant.allCases)
    func mitsubaTestValues(variant: Variant) throws {
        // Mitsuba's own regression values for wi = (1, 0, 1) (not normalised) and wo at θ = i/19 · π/2, φ = 0.
        let pdfs: [Float] = [0.17007458, 0.15398569, 0.14061448, 0.12924497, 0.11933098, 0.11045812, 0.10231399,
                             0.09466465, 0.08733665, 0.08020337, 0.07317451, 0.06618816, 0.05920459, 0.05220171,
                             0.04517134, 0.03811638, 0.03104863, 0.02398696, 0.01695592, 0.00998455]
        let values: [Float] = [0.06804996, 0.06425636, 0.06090123, 0.05784756, 0.05498623, 0.05223095, 0.04951376,
                               0.04678141, 0.0439925, 0.04111535, 0.03812597, 0.03500543, 0.03173549, 0.02829159,
                               0.02463321, 0.02069348, 0.01637275, 0.0115448, 0.00609156, 4.7036600e-18]
        try TraceContext.with(CompileOptions(variant: variant)) {
            let bsdf = try loadBSDF("""
                <bsdf type="principled" id="b"><float name="metallic" value="0.3"/>\
                <float name="spec_tint" value="0.6"/><float name="specular" value="0.4"/>\
                <float name="anisotropic" value="0.3"/><float name="clearcoat" value="0.3"/>\
                <float name="clearcoat_gloss" value="0.5"/><float name="sheen" value="0.9"/>\
                <float name="sheen_tint" value="0.9"/><float name="spec_trans" value="0.5"/>\
                <float name="flatness" value="0.5"/></bsdf>
                """)
            let directions = (0..<20).map { i -> Vector3f in
                let theta = Float(i) / 19 * Float.pi / 2
                return Vector3f(sin(theta), 0, cos(theta))
            }
            let si = PluginFixtures.interaction(wi: Array(repeating: Vector3f(1, 0, 1), count: 20))
            let pdf = bsdf.pdf(si, wo: Vector3Array(directions), active: true).values
            let eval = bsdf.eval(si, wo: Vector3Array(directions), active: true).values.map(\.x)
            for i in 0..<20 {
                #expect(abs(pdf[i] - pdfs[i]) <= 1e-5 * Swift.max(1, pdfs[i]) + 1e-7, "pdf \(i): \(pdf[i]) vs \(pdfs[i])")
                #expect(abs(eval[i] - values[i]) <= 1e-5 + 1e-4 * values[i], "eval \(i): \(eval[i]) vs \(values[i])")
            }
        }
    }

    @Test("principled from XML: Mitsuba's defaults, keys and lobe switches")
    func defaultsAndKeys() throws {
        let plain = try #require(try loadBSDF("<bsdf type=\"principled\" id=\"b\"/>") as? PrincipledBSDF)
        #expect(plain.parameters.map(\.key) == [
            "clearcoat.value", "clearcoat_gloss.value", "metallic.value", "main_specular_sampling_rate",
            "clearcoat_sampling_rate", "diffuse_reflectance_sampling_rate", "specular", "roughness.value",
            "base_color.value", "anisotropic.value", "spec_tint.value", "sheen.value", "sheen_tint.value",
            "spec_trans.value", "flatness.value"], "mi.traverse's keys, in its order")
        #expect(plain.parameters.filter { !$0.slot.isDifferentiable }.count == 3, "the sampling rates are listed only")
        #expect(plain.parameters.map { $0.slot.value.values } == [[0], [0], [0], [1], [1], [1], [0.5], [0.5], [0.5],
                                                                   [0], [0], [0], [0], [0], [0]])
        #expect(plain.indexInput == .specular)
        #expect(plain.flags == [.diffuseReflection, .glossyReflection, .frontSide, .backSide],
                "no transmission unless spec_trans is given")
        #expect(plain.mainSpecularSamplingRate == 1 && plain.clearcoatSamplingRate == 1
                && plain.diffuseReflectanceSamplingRate == 1)
        #expect(!plain.readsSurfaceCoordinates)

        let glass = try #require(try loadBSDF("""
            <bsdf type="principled" id="b"><float name="eta" value="1"/><float name="spec_trans" value="0.5"/>\
            <rgb name="base_color" value="0.1, 0.2, 0.3"/><rgb name="roughness" value="0.2, 0.4, 0.6"/>\
            <texture type="checkerboard" name="sheen"/><float name="clearcoat_sampling_rate" value="2"/></bsdf>
            """) as? PrincipledBSDF)
        let keys = glass.parameters.map(\.key)
        #expect(keys.contains("eta") && !keys.contains("specular") && keys.contains("base_color.value"))
        #expect(keys.contains("sheen.color0.value") && keys.contains("sheen.color1.value"), "\(keys)")
        #expect(glass.index.value.values == [1.001], "η = 1 with transmission becomes 1.001, as in Mitsuba")
        #expect(glass.flags.contains(.glossyTransmission) && glass.readsSurfaceCoordinates)
        #expect(glass.clearcoatSamplingRate == 2)
        let matched = try #require(try loadBSDF("""
            <bsdf type="principled" id="b"><float name="specular" value="0"/><float name="spec_trans" value="1"/></bsdf>
            """) as? PrincipledBSDF)
        #expect(matched.index.value.values == [1e-3], "specular 0 with transmission becomes 0.001")
        let opaqueZero = try #require(try loadBSDF("""
            <bsdf type="principled" id="b"><float name="specular" value="0"/><float name="spec_trans" value="0"/></bsdf>
            """) as? PrincipledBSDF)
        #expect(opaqueZero.index.value.values == [0] && !opaqueZero.flags.contains(.glossyTransmission))
    }

    @Test("a lobe switched off by a zero input turns on when its scene parameter gets a value, as after Mitsuba's update")
    func lobesFollowTheirParameters() throws {
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let bsdf = try #require(try loadBSDF("<bsdf type=\"principled\" id=\"b\"/>") as? PrincipledBSDF)
            let reference = PrincipledBSDF(specTrans: UniformTexture(0.6), clearcoat: UniformTexture(0.4))
            let slots = Dictionary(uniqueKeysWithValues: bsdf.parameters.map { ($0.key, $0.slot) })
            slots["spec_trans.value"]!.value = FloatArray([0.6])
            slots["clearcoat.value"]!.value = FloatArray([0.4])
            #expect(bsdf.flags.contains(.glossyTransmission))
            let si = PluginFixtures.interaction(wi: [Vector3f(0.3, 0.2, 0.9).normalized, Vector3f(0.5, 0, -0.8).normalized])
            let wo = Vector3Array([Vector3f(-0.3, -0.1, -0.9).normalized, Vector3f(-0.4, 0.1, 0.9).normalized])
            #expect(bsdf.eval(si, wo: wo, active: true).values == reference.eval(si, wo: wo, active: true).values)
            #expect(bsdf.pdf(si, wo: wo, active: true).values == reference.pdf(si, wo: wo, active: true).values)
            #expect(reference.pdf(si, wo: wo, active: true).values.allSatisfy { $0 > 0 })
        }
    }

    @Test("principled from XML: bad values are errors naming the input")
    func errors() {
        let d = "<bsdf type=\"principled\" id=\"b\">"
        #expect(principledError(d + "<float name=\"eta\" value=\"1.5\"/><float name=\"specular\" value=\"0.5\"/></bsdf>")
            .contains("give either 'eta' or 'specular', not both"))
        #expect(principledError(d + "<float name=\"eta\" value=\"-1.5\"/></bsdf>")
            .contains("'eta' must be a positive relative index of refraction, got -1.5"))
        #expect(principledError(d + "<float name=\"specular\" value=\"1.5\"/></bsdf>")
            .contains("'specular' must lie in [0, 1], got 1.5"))
        #expect(principledError(d + "<float name=\"roughness\" value=\"1.2\"/></bsdf>")
            .contains("'roughness' must lie in [0.0, 1.0], got 1.2"))
        #expect(principledError(d + "<float name=\"metallic\" value=\"-0.1\"/></bsdf>")
            .contains("'metallic' must lie in [0.0, 1.0], got -0.1"))
        #expect(principledError(d + "<rgb name=\"spec_trans\" value=\"0.5, 1.5, 0.2\"/></bsdf>").contains("'spec_trans'"))
        #expect(principledError(d + "<float name=\"clearcoat_sampling_rate\" value=\"-1\"/></bsdf>")
            .contains("'clearcoat_sampling_rate' must be a finite sampling weight ≥ 0, got -1"))
        #expect(principledError(d + "<texture type=\"checkerboard\" name=\"eta\"/></bsdf>")
            .contains("a textured 'eta' is not supported"))
        #expect(principledError(d + "<string name=\"roughness\" value=\"rough\"/></bsdf>").contains("roughness"))
        #expect(principledError(d + "<float name=\"alpha\" value=\"0.1\"/></bsdf>")
            .contains("unexpected property 'alpha'"))
        #expect(principledError(d + "<float name=\"thin\" value=\"1\"/></bsdf>").contains("unexpected property 'thin'"))
        #expect(principledError(d + "<bsdf type=\"diffuse\"/></bsdf>").contains("unexpected nested"))
        #expect(principledError(d + "<bsdf type=\"diffuse\" name=\"base_color\"/></bsdf>")
            .contains("'base_color' must be a texture"))
    }
}

/// The text of the error that loading the `<bsdf>` element `xml` throws ("" when it loads).
private func principledError(_ xml: String) -> String {
    do { _ = try loadBSDF(xml); return "" } catch { return "\(error)" }
}
