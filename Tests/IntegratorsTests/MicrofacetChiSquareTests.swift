// Chi-square tests of the microfacet BSDFs' sampling against their pdf, after Mitsuba's `chi2` BSDF tests.
import Testing
import RefractSupport
import Tracer

@testable import Integrators

/// Each test draws 100 000 samples of one BSDF for a fixed wi, bins the valid ones (nonzero weight) over the whole
/// sphere of directions and compares them with the BSDF's `pdf` integrated over each cell; samples with zero weight
/// count as draws, so the pdf's missing mass (directions below the surface) must match their share. LLVM only: the
/// scalar interpreter would take minutes over these sample counts.
@Suite("Microfacet sampling fits the pdf (chi-square)")
struct MicrofacetChiSquareTests {
    static let sampleCount = 100_000
    /// The whole sphere, cells uniform in cos θ and φ about the shading normal.
    static let test = DirectionalChiSquare(axis: Vector3f(0, 0, 1), zMin: -1, zBins: 32, phiBins: 48, resolution: 8)

    /// The unit-square samples: SplitMix64, the same every run.
    static func uniforms(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Float((z ^ (z >> 31)) >> 40) / Float(1 << 24)
        }
    }

    /// The valid sampled directions of `bsdf` for `wi`, drawn in the current context.
    static func sampledDirections(_ bsdf: any BSDF, wi: Vector3f) -> [Vector3f] {
        let n = sampleCount
        let u = uniforms(3 * n, seed: 17)
        let si = PluginFixtures.interaction(wi: [wi])
        let sample = bsdf.sample(si, u1: FloatArray(Array(u[0..<n])),
                                 u2: Point2Array(x: FloatArray(Array(u[n..<2 * n])), y: FloatArray(Array(u[(2 * n)...]))),
                                 active: BoolArray(repeating: true, count: n))
        let weights = sample.weight.values, directions = sample.wo.values
        return zip(directions, weights).compactMap { $1 == .zero ? nil : $0 }
    }

    /// `bsdf.pdf` for `wi` at a batch of directions, as densities per solid angle.
    static func density(_ bsdf: any BSDF, wi: Vector3f) -> ([Vector3f]) -> [Double] {
        { directions in
            let si = PluginFixtures.interaction(wi: Array(repeating: wi, count: directions.count))
            return bsdf.pdf(si, wo: Vector3Array(directions), active: true).values.map(Double.init)
        }
    }

    /// Runs the test of `bsdf` sampled and evaluated for `wi`.
    static func chiSquare(_ bsdf: any BSDF, wi: Vector3f, pdfOf other: (any BSDF)? = nil)
        -> DirectionalChiSquare.Result {
        let samples = sampledDirections(bsdf, wi: wi)
        return test.run(samples: samples, total: sampleCount, density: density(other ?? bsdf, wi: wi))
    }

    static func expectFit(_ bsdf: any BSDF, wi: Vector3f, _ name: String,
                          sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let result = chiSquare(bsdf, wi: wi)
        #expect(result.pValue > 0.01, "\(name): \(result)", sourceLocation: sourceLocation)
        #expect(result.degreesOfFreedom > 50, "\(name): \(result)", sourceLocation: sourceLocation)
        #expect(result.integral > 0.5 && result.integral < 1.005, "\(name): \(result)", sourceLocation: sourceLocation)
    }

    /// An oblique incident direction above the surface (or below, `inside`).
    static func incident(inside: Bool = false) -> Vector3f {
        let wi = Vector3f(0.48, -0.3, 0.82).normalized
        return inside ? -wi : wi
    }

    @Test("roughconductor: Beckmann and GGX, isotropic and anisotropic, visible normals or all",
          arguments: MicrofacetType.allCases, [true, false])
    func roughConductor(type: MicrofacetType, sampleVisible: Bool) {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            let isotropic = RoughConductorBSDF(distribution: type, alpha: 0.3, sampleVisible: sampleVisible)
            Self.expectFit(isotropic, wi: Self.incident(), "\(type) isotropic visible=\(sampleVisible)")
            let anisotropic = RoughConductorBSDF(distribution: type, alphaU: 0.15, alphaV: 0.5,
                                                 sampleVisible: sampleVisible)
            Self.expectFit(anisotropic, wi: Self.incident(), "\(type) anisotropic visible=\(sampleVisible)")
        }
    }

    @Test("roughdielectric: reflection and transmission, from outside and from inside",
          arguments: MicrofacetType.allCases, [true, false])
    func roughDielectric(type: MicrofacetType, inside: Bool) {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            let visible = RoughDielectricBSDF(distribution: type, alpha: 0.3)
            Self.expectFit(visible, wi: Self.incident(inside: inside), "\(type) inside=\(inside)")
            let hidden = RoughDielectricBSDF(distribution: type, alphaU: 0.2, alphaV: 0.4, sampleVisible: false,
                                             interiorIOR: 1.33)
            Self.expectFit(hidden, wi: Self.incident(inside: inside), "\(type) all normals inside=\(inside)")
        }
    }

    @Test("roughplastic: the glossy lobe and the diffuse base together", arguments: MicrofacetType.allCases)
    func roughPlastic(type: MicrofacetType) {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            let plain = RoughPlasticBSDF(distribution: type, alpha: 0.3)
            Self.expectFit(plain, wi: Self.incident(), "\(type)")
            let hidden = RoughPlasticBSDF(distribution: type, alpha: 0.2, sampleVisible: false,
                                          diffuseReflectance: ConstantTexture(Vector3f(0.2, 0.5, 0.7)),
                                          specularReflectance: UniformTexture(0.8), interiorIOR: 1.7)
            Self.expectFit(hidden, wi: Self.incident(), "\(type) all normals")
        }
    }

    @Test("negative control: samples of one roughness are rejected against the pdf of another")
    func wrongDensityIsRejected() {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            let sampled = RoughConductorBSDF(distribution: .ggx, alpha: 0.3)
            let wrong = Self.chiSquare(sampled, wi: Self.incident(),
                                       pdfOf: RoughConductorBSDF(distribution: .ggx, alpha: 0.33))
            #expect(wrong.pValue < 1e-6, "\(wrong)")
            let glass = Self.chiSquare(RoughDielectricBSDF(alpha: 0.3), wi: Self.incident(),
                                       pdfOf: RoughDielectricBSDF(alpha: 0.3, interiorIOR: 1.6))
            #expect(glass.pValue < 1e-6, "another index: \(glass)")
        }
    }
}
