// The fused material query (Mitsuba's eval_pdf_sample) against the separate evaluation, pdf and sampling dispatches.
import Foundation
import RefractSupport
import Testing
@testable import Integrators
import Tracer

@Suite("Fused BSDF evaluation and sampling")
struct FusedMaterialQueryTests {
    /// Five materials of different families on five spheres along x; a textured one, so that evaluation and
    /// sampling share texture lookups, and a Dirac one, whose value and pdf are 0.
    static let scene = """
    <scene version="3.0.0">
        <sensor type="perspective"><film type="hdrfilm"><integer name="width" value="4"/><integer name="height" value="4"/></film></sensor>
        <shape type="sphere" id="textured"><point name="center" x="0" y="0" z="0"/>
            <bsdf type="diffuse"><texture type="checkerboard" name="reflectance">
                <rgb name="color0" value="0.1, 0.2, 0.3"/><rgb name="color1" value="0.7, 0.6, 0.5"/>
            </texture></bsdf></shape>
        <shape type="sphere" id="metal"><point name="center" x="3" y="0" z="0"/>
            <bsdf type="roughconductor"><float name="alpha" value="0.3"/></bsdf></shape>
        <shape type="sphere" id="coated"><point name="center" x="6" y="0" z="0"/>
            <bsdf type="roughplastic"><rgb name="diffuse_reflectance" value="0.4, 0.5, 0.2"/></bsdf></shape>
        <shape type="sphere" id="glass"><point name="center" x="9" y="0" z="0"/><bsdf type="dielectric"/></shape>
        <shape type="sphere" id="shiny"><point name="center" x="12" y="0" z="0"/><bsdf type="plastic"/></shape>
    </scene>
    """

    /// Runs `body` with `scene` loaded in a context of `variant`.
    static func withScene(variant: Variant, _ body: (Scene) throws -> Void) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("refract-fused-\(UUID().uuidString).xml")
        try scene.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        try TraceContext.with(CompileOptions(variant: variant)) { try body(try Scene(contentsOf: url)) }
    }

    @Test("value, pdf and sample equal the separate dispatches lane for lane, with lanes missed, inactive and unevaluated",
          arguments: Variant.allCases)
    func matchesSeparateQueries(variant: Variant) throws {
        try Self.withScene(variant: variant) { scene in
            #expect(scene.materials.count == 5)
            // 3 lanes per vector width and sphere plus a few that miss (x = 15): enough for vectors of one material,
            // of several and of none.
            var generator = SplitMix64(seed: 7)
            let lanes = 64
            var origins: [Vector3f] = [], wos: [Vector3f] = [], u1: [Float] = [], u2: [SIMD2<Float>] = []
            var active: [Bool] = [], evalActive: [Bool] = []
            for lane in 0..<lanes {
                let sphere = lane < 60 ? lane / 12 : 5
                let offset = SIMD2(generator.nextUnitFloat() - 0.5, generator.nextUnitFloat() - 0.5) * 1.2
                origins.append(Vector3f(Float(3 * sphere) + offset.x, offset.y, 4))
                // A direction of the upper or (for the glass) either hemisphere of the shading frame.
                let z = 2 * generator.nextUnitFloat() - 0.8
                let phi = 2 * Float.pi * generator.nextUnitFloat()
                let r = (1 - z * z).squareRoot()
                wos.append(Vector3f(r * cos(phi), r * sin(phi), z))
                u1.append(generator.nextUnitFloat())
                u2.append(SIMD2(generator.nextUnitFloat(), generator.nextUnitFloat()))
                active.append(lane % 7 != 3)
                evalActive.append(active[lane] && lane % 5 != 1)
            }
            let rays = RayArray(origin: Vector3Array(origins),
                                direction: Vector3Array(repeating: Vector3f(0, 0, -1), count: lanes),
                                maxT: FloatArray(repeating: .infinity, count: lanes))
            let activeLanes = BoolArray(active), evalLanes = BoolArray(evalActive)
            let si = scene.intersect(rays, active: activeLanes)
            let wo = Vector3Array(wos)
            let bindings = RenderBindings()
            let fused = scene.evalPDFSampleBSDF(si, wo: wo, evalActive: evalLanes, u1: FloatArray(u1),
                                                u2: Point2Array(u2), active: activeLanes, bindings: bindings)
            let value = scene.evalBSDF(si, wo: wo, active: evalLanes, bindings: bindings)
            let pdf = scene.pdfBSDF(si, wo: wo, active: evalLanes, bindings: bindings)
            let sample = scene.sampleBSDF(si, u1: FloatArray(u1), u2: Point2Array(u2), active: activeLanes,
                                          bindings: bindings)
            let withSampled = scene.evalPDFSampleBSDF(si, wo: wo, evalActive: evalLanes, u1: FloatArray(u1),
                                                      u2: Point2Array(u2), active: activeLanes, evaluatingSample: true,
                                                      bindings: bindings)
            let sampledValue = scene.evalBSDF(si, wo: sample.wo, active: activeLanes, bindings: bindings)
            func expectEqual(_ a: FloatArray, _ b: FloatArray, _ what: String) {
                let x = a.values, y = b.values
                for lane in 0..<lanes where !(x[lane] == y[lane] || (x[lane].isNaN && y[lane].isNaN)) {
                    Issue.record("\(what), lane \(lane): fused \(x[lane]), separate \(y[lane])")
                }
            }
            for (axis, (a, b)) in zip(["x", "y", "z"], zip(fused.evaluated.value.components, value.components)) {
                expectEqual(a, b, "value.\(axis)")
            }
            expectEqual(fused.evaluated.pdf, pdf, "pdf")
            expectEqual(withSampled.evaluated.pdf, pdf, "pdf with the sampled value")
            // The sampled direction's value: weight x pdf or evaluated, so equal within rounding.
            for (a, b) in zip(withSampled.sampledValue!.components, sampledValue.components) {
                for (lane, (x, y)) in zip(a.values, b.values).enumerated() {
                    #expect(abs(x - y) <= 1e-4 * max(abs(x), abs(y)), "sampled value, lane \(lane): \(x) against \(y)")
                }
            }
            for (axis, (a, b)) in zip(["x", "y", "z"], zip(fused.sample.wo.components, sample.wo.components)) {
                expectEqual(a, b, "wo.\(axis)")
            }
            for (axis, (a, b)) in zip(["x", "y", "z"], zip(fused.sample.weight.components, sample.weight.components)) {
                expectEqual(a, b, "weight.\(axis)")
            }
            expectEqual(fused.sample.pdf, sample.pdf, "sample pdf")
            expectEqual(fused.sample.eta, sample.eta, "eta")
            #expect(fused.sample.isDelta.values == sample.isDelta.values)
            // The comparison means something: every material was hit and evaluated somewhere, to nonzero values.
            let hitShapes = Set(zip(si.shapeIndex.values, si.isValid.values).filter(\.1).map(\.0))
            #expect(hitShapes.count == 5)
            #expect(pdf.values.filter { $0 > 0 }.count > lanes / 5)
            #expect(sample.weight.x.values.filter { $0 > 0 }.count > lanes / 2)
        }
    }
}

extension FusedMaterialQueryTests {
    @Test("where a BSDF says its sample weight times pdf is the sampled direction's value, it is; plastic's and glass's are not",
          arguments: Variant.allCases)
    func weightTimesPDFIsTheValue(variant: Variant) throws {
        try Self.withScene(variant: variant) { scene in
            let bsdfs = scene.materials.map(\.bsdf)
            // textured diffuse, roughconductor, roughplastic claim it; dielectric and plastic (Dirac lobes) do not.
            #expect(bsdfs.map(\.sampleWeightIsValueOverPDF) == [true, true, true, false, false])
            var generator = SplitMix64(seed: 11)
            let lanes = 256
            var wi: [Vector3f] = [], uv: [SIMD2<Float>] = [], u1: [Float] = [], u2: [SIMD2<Float>] = []
            for _ in 0..<lanes {
                let z = 0.05 + 0.95 * generator.nextUnitFloat()
                let phi = 2 * Float.pi * generator.nextUnitFloat()
                wi.append(Vector3f((1 - z * z).squareRoot() * cos(phi), (1 - z * z).squareRoot() * sin(phi), z))
                uv.append(SIMD2(generator.nextUnitFloat(), generator.nextUnitFloat()))
                u1.append(generator.nextUnitFloat())
                u2.append(SIMD2(generator.nextUnitFloat(), generator.nextUnitFloat()))
            }
            let si = PluginFixtures.interaction(wi: wi, uv: uv)
            let all = BoolArray(repeating: true, count: lanes)
            for (index, bsdf) in bsdfs.enumerated() where bsdf.sampleWeightIsValueOverPDF {
                let sample = bsdf.sample(si, u1: FloatArray(u1), u2: Point2Array(u2), active: all)
                let value = bsdf.eval(si, wo: sample.wo, active: all)
                let product = sample.weight * sample.pdf
                var compared = 0
                for (a, b) in zip(product.components, value.components) {
                    for (x, y) in zip(a.values, b.values) where x > 0 || y > 0 {
                        compared += 1
                        #expect(abs(x - y) <= 1e-4 * max(abs(x), abs(y)), "material \(index): weight x pdf \(x), value \(y)")
                    }
                }
                #expect(compared > lanes, "material \(index): too few valid samples")
            }
        }
    }
}
