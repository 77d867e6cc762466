// The phase functions' sampling against their densities (chi-square), and their densities' normalisation.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("Volumetric phase functions")
struct VolumetricPhaseTests {
    static let test = DirectionalChiSquare(axis: Vector3f(0, 0, 1), zMin: -1, zBins: 32, phiBins: 48, resolution: 8)
    static let sampleCount = 200_000

    /// Directions sampled for one incident direction `wi` (toward the previous vertex) with asymmetry g, and their
    /// pdfs as the sampler reports them.
    static func sampled(g: Float, isotropic: Bool, wi: Vector3f) -> (directions: [Vector3f], pdfs: [Float]) {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            let u = MicrofacetChiSquareTests.uniforms(2 * sampleCount, seed: 11)
            let points = Point2Array(x: FloatArray(Array(u[0..<sampleCount])), y: FloatArray(Array(u[sampleCount...])))
            let (wo, pdf) = PhaseFunction.sample(g: FloatArray(repeating: g), isotropic: BoolArray(repeating: isotropic),
                                                 wi: Vector3Array(repeating: wi, count: sampleCount), u: points)
            return (wo.values, pdf.values)
        }
    }

    /// The phase function's density at `directions` for incident `wi`.
    static func density(g: Float, wi: Vector3f) -> ([Vector3f]) -> [Double] {
        { directions in
            TraceContext.with(CompileOptions(variant: .llvm)) {
                let cosines = FloatArray(directions.map { $0.x * wi.x + $0.y * wi.y + $0.z * wi.z })
                return PhaseFunction.density(g: FloatArray(repeating: g), cosTheta: cosines).values.map(Double.init)
            }
        }
    }

    @Test("sampled directions follow the density (chi-square), isotropic and Henyey-Greenstein",
          arguments: [(Float(0), true), (0, false), (0.7, false), (-0.4, false), (0.95, false)])
    func chiSquare(g: Float, isotropic: Bool) {
        let wi = Vector3f(0.3, -0.5, 0.81).normalized
        let (directions, _) = Self.sampled(g: g, isotropic: isotropic, wi: wi)
        let result = Self.test.run(samples: directions, density: Self.density(g: g, wi: wi))
        #expect(result.pValue > 0.01, "g \(g): \(result)")
        #expect(result.degreesOfFreedom > 50, "g \(g): \(result)")
        #expect(abs(result.integral - 1) < 0.01, "g \(g): \(result)")
    }

    @Test("the pdf a sample reports is the density at its direction, and HG with g > 0 scatters forward",
          arguments: [Float(0.7), -0.4])
    func reportedPDF(g: Float) {
        let wi = Vector3f(0, 0, 1)
        let (directions, pdfs) = Self.sampled(g: g, isotropic: false, wi: wi)
        let densities = Self.density(g: g, wi: wi)(directions)
        for (pdf, density) in zip(pdfs, densities).prefix(2000) {
            #expect(abs(Double(pdf) - density) <= 1e-3 * max(1, density))
        }
        // Forward is away from wi (wi points back toward where the light came from): mean cos(wo, -wi) = g.
        let meanCosine = directions.reduce(0.0) { $0 - Double($1.z) } / Double(directions.count)
        #expect(abs(meanCosine - Double(g)) < 0.01, "mean cosine \(meanCosine) for g \(g)")
    }
}
