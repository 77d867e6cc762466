// Chi-square tests of principled's sampling against its pdf, with the configurations of Mitsuba's own tests.
import Testing
import Tracer

@testable import Integrators

/// MicrofacetChiSquareTests' harness (100 000 samples binned over the sphere against the integrated pdf) on the
/// four configurations of Mitsuba's test_principled.py chi-square tests, plus sheen and flatness, and a negative
/// control. LLVM only, as there.
/// A uniform texture of value `v`.
private func u(_ v: Float) -> any Texture { UniformTexture(v) }

@Suite("principled sampling fits the pdf (chi-square)")
struct PrincipledChiSquareTests {
    /// Mitsuba's wi = normalize(1, 0, ±1).
    static func incident(inside: Bool = false) -> Vector3f {
        Vector3f(1, 0, inside ? -1 : 1).normalized
    }

    @Test("opaque: metallic, anisotropic, clearcoat (Mitsuba's test01), and sheen with flatness")
    func opaque() {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            let normal = PrincipledBSDF(roughness: u(0.6), anisotropic: u(0.4), metallic: u(0.4), clearcoat: u(0.8),
                                        eta: 1.33)
            MicrofacetChiSquareTests.expectFit(normal, wi: Self.incident(), "metallic anisotropic clearcoat")
            let soft = PrincipledBSDF(baseColor: ConstantTexture(Vector3f(0.7, 0.2, 0.4)), roughness: u(0.3),
                                      sheen: u(0.8), sheenTint: u(0.5), flatness: u(0.4), clearcoat: u(0.5),
                                      clearcoatGloss: u(0.7), diffuseReflectanceSamplingRate: 2)
            MicrofacetChiSquareTests.expectFit(soft, wi: MicrofacetChiSquareTests.incident(), "sheen flatness")
        }
    }

    @Test("transmission from outside, from inside, and into a less dense medium (Mitsuba's test02 to test04)")
    func transmission() {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            let outside = PrincipledBSDF(roughness: u(0.6), anisotropic: u(0.4), metallic: u(0.2), specTrans: u(0.7),
                                         clearcoat: u(0.8), eta: 1.3296)
            MicrofacetChiSquareTests.expectFit(outside, wi: Self.incident(), "outside")
            let inside = PrincipledBSDF(roughness: u(0.5), anisotropic: u(0.4), specTrans: u(0.7), clearcoat: u(0.8),
                                        eta: 1.5)
            MicrofacetChiSquareTests.expectFit(inside, wi: Self.incident(inside: true), "inside")
            let lessDense = PrincipledBSDF(roughness: u(0.8), metallic: u(0.2), specTrans: u(0.5), clearcoat: u(1),
                                           eta: 0.5)
            MicrofacetChiSquareTests.expectFit(lessDense, wi: Self.incident(), "eta 0.5")
        }
    }

    @Test("negative control: samples are rejected against the pdf of another roughness or clearcoat gloss")
    func wrongDensityIsRejected() {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            let sampled = PrincipledBSDF(roughness: u(0.5), metallic: u(0.7))
            let rougher = MicrofacetChiSquareTests.chiSquare(sampled, wi: Self.incident(),
                                                             pdfOf: PrincipledBSDF(roughness: u(0.53), metallic: u(0.7)))
            #expect(rougher.pValue < 1e-6, "another roughness: \(rougher)")
            let coated = PrincipledBSDF(roughness: u(0.5), clearcoat: u(1), clearcoatGloss: u(0.5))
            let glossier = MicrofacetChiSquareTests.chiSquare(
                coated, wi: Self.incident(), pdfOf: PrincipledBSDF(roughness: u(0.5), clearcoat: u(1),
                                                                   clearcoatGloss: u(0.8)))
            #expect(glossier.pValue < 1e-6, "another clearcoat gloss: \(glossier)")
        }
    }
}
