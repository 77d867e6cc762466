// Textured roughness per lane: a checkerboard or bitmap alpha gives each lane the constant-alpha BSDF's values.
import Foundation
import RefractSupport
import Testing
import Tracer

@testable import Integrators

@Suite("textured roughness per lane")
struct TexturedRoughnessTests {
    static let lanes = 48

    /// Directions, samples and, per lane, which of two roughness regions its uv lies in.
    struct Inputs {
        var wi: [Vector3f], wo: [Vector3f], u1: [Float], u2: [SIMD2<Float>]
        var uv: [SIMD2<Float>]
        var region: [Int]
    }

    /// Random directions (wi and wo below the surface on a quarter of the lanes when `bothSides`) and samples,
    /// with the uv of each lane from `uvOfRegion` for a region alternating 0, 1, 0, 1, ...
    static func inputs(bothSides: Bool, uvOfRegion: (Int, Int) -> SIMD2<Float>) -> Inputs {
        var random = SplitMix64(seed: 29)
        var inputs = Inputs(wi: [], wo: [], u1: [], u2: [], uv: [], region: [])
        for lane in 0..<lanes {
            var wi = random.direction(), wo = random.direction()
            wi.z = abs(wi.z)
            wo.z = abs(wo.z)
            if bothSides && lane % 4 == 3 { wi.z = -wi.z }
            if bothSides && lane % 4 == 1 { wo.z = -wo.z }
            inputs.wi.append(wi)
            inputs.wo.append(wo)
            inputs.u1.append(random.nextUnitFloat())
            inputs.u2.append(SIMD2(random.nextUnitFloat(), random.nextUnitFloat()))
            inputs.region.append(lane % 2)
            inputs.uv.append(uvOfRegion(lane % 2, lane))
        }
        return inputs
    }

    /// Everything a BSDF answers at the inputs, as host values.
    struct Answers: Equatable {
        var eval: [Vector3f], pdf: [Float], sampleWo: [Vector3f], samplePdf: [Float], sampleWeight: [Vector3f]

        /// Lane `lane`'s answers.
        func lane(_ lane: Int) -> [Float] {
            [eval[lane].x, eval[lane].y, eval[lane].z, pdf[lane], sampleWo[lane].x, sampleWo[lane].y, sampleWo[lane].z,
             samplePdf[lane], sampleWeight[lane].x, sampleWeight[lane].y, sampleWeight[lane].z]
        }
    }

    static func answers(_ bsdf: any BSDF, _ inputs: Inputs) -> Answers {
        let si = PluginFixtures.interaction(wi: inputs.wi, uv: inputs.uv)
        let wo = Vector3Array(inputs.wo)
        let sample = bsdf.sample(si, u1: FloatArray(inputs.u1), u2: Point2Array(inputs.u2), active: true)
        return Answers(eval: bsdf.eval(si, wo: wo, active: true).values, pdf: bsdf.pdf(si, wo: wo, active: true).values,
                       sampleWo: sample.wo.values, samplePdf: sample.pdf.values, sampleWeight: sample.weight.values)
    }

    /// Expects the textured BSDF's answers on each lane to be bit for bit those of the constant BSDF of the lane's
    /// region (within `tolerance`, relative, when given), and the two constants to differ somewhere.
    static func expectPerLane(_ textured: any BSDF, _ constants: [any BSDF], _ inputs: Inputs, tolerance: Float? = nil,
                              _ what: String) {
        let ours = answers(textured, inputs)
        let expected = constants.map { answers($0, inputs) }
        #expect(expected[0] != expected[1], "\(what): the regions' roughnesses must make a difference")
        var nonzero = 0
        for lane in 0..<lanes {
            let got = ours.lane(lane), want = expected[inputs.region[lane]].lane(lane)
            nonzero += want.contains { $0 != 0 } ? 1 : 0
            let same = zip(got, want).allSatisfy { a, b in
                a.bitPattern == b.bitPattern || tolerance.map { abs(a - b) <= $0 * Swift.max(abs(b), 1e-30) } ?? false
            }
            #expect(same, "\(what) lane \(lane) (region \(inputs.region[lane])): \(got) vs \(want)")
        }
        #expect(nonzero > lanes / 2, "\(what): most lanes must have nonzero answers")
    }

    /// A uv in one of the checkerboard's squares: region 0 where Mitsuba's `eval_1` reads color0 (the fractional
    /// parts on different sides of ½), region 1 where it reads color1, jittered by the lane.
    static func checkerUV(_ region: Int, _ lane: Int) -> SIMD2<Float> {
        let jitter = Float(lane % 7) * 0.03
        return region == 0 ? SIMD2(0.1 + jitter, 0.6 + jitter) : SIMD2(0.6 + jitter, 0.55 + jitter)
    }

    static var checkerboard: CheckerboardTexture {
        CheckerboardTexture(color0: UniformTexture(0.05), color1: UniformTexture(0.4))
    }

    @Test("roughconductor with a checkerboard alpha: each lane is the constant BSDF of its square's alpha",
          arguments: Variant.allCases, [MicrofacetType.beckmann, .ggx])
    func conductorCheckerboard(variant: Variant, type: MicrofacetType) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let inputs = Self.inputs(bothSides: false, uvOfRegion: Self.checkerUV)
            for visible in [true, false] {
                let textured = RoughConductorBSDF(distribution: type, roughness: MicrofacetRoughness(alpha: Self.checkerboard),
                                                  sampleVisible: visible)
                let constants = [0.05, 0.4].map { RoughConductorBSDF(distribution: type, alpha: $0, sampleVisible: visible) }
                Self.expectPerLane(textured, constants, inputs, "roughconductor \(type) visible \(visible)")
            }
            // Anisotropic, mixed: a textured alpha_u beside a constant alpha_v.
            let mixed = RoughConductorBSDF(distribution: type, roughness: MicrofacetRoughness(
                alphaU: Self.checkerboard, alphaV: UniformTexture(0.3)), sampleVisible: false)
            #expect(!mixed.isIsotropic)
            let anisotropic = [0.05, 0.4].map {
                RoughConductorBSDF(distribution: type, alphaU: $0, alphaV: 0.3, sampleVisible: false)
            }
            Self.expectPerLane(mixed, anisotropic, inputs, "roughconductor \(type) alpha_u textured, alpha_v 0.3")
        }
    }

    @Test("roughdielectric with a checkerboard alpha (both sides, both lobes): each lane is the constant BSDF's",
          arguments: Variant.allCases, [MicrofacetType.beckmann, .ggx])
    func dielectricCheckerboard(variant: Variant, type: MicrofacetType) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let inputs = Self.inputs(bothSides: true, uvOfRegion: Self.checkerUV)
            for visible in [true, false] {
                let textured = RoughDielectricBSDF(distribution: type, roughness: MicrofacetRoughness(alpha: Self.checkerboard),
                                                   sampleVisible: visible)
                let constants = [0.05, 0.4].map { RoughDielectricBSDF(distribution: type, alpha: $0, sampleVisible: visible) }
                Self.expectPerLane(textured, constants, inputs, "roughdielectric \(type) visible \(visible)")
            }
            let mixed = RoughDielectricBSDF(distribution: type, roughness: MicrofacetRoughness(
                alphaU: UniformTexture(0.25), alphaV: Self.checkerboard))
            let anisotropic = [0.05, 0.4].map { RoughDielectricBSDF(distribution: type, alphaU: 0.25, alphaV: $0) }
            Self.expectPerLane(mixed, anisotropic, inputs, "roughdielectric \(type) alpha_u 0.25, alpha_v textured")
        }
    }

    /// A 4 × 2 gray roughness map; region 0 lanes sit at the centres of texels (0, 1) and region 1 lanes at texel
    /// (1, 2), where bilinear filtering reads the texel exactly.
    static let grayTexels: [Float] = [0.3, 0.07, 0.5, 0.2, 0.15, 0.45, 0.02, 0.6]

    static func texelCenter(_ region: Int, _ lane: Int) -> SIMD2<Float> {
        region == 0 ? SIMD2(0.375, 0.25) : SIMD2(0.625, 0.75)
    }

    @Test("a gray bitmap alpha (bilinear, read at texel centres) gives each lane the constant BSDF of its texel",
          arguments: Variant.allCases)
    func grayBitmap(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let inputs = Self.inputs(bothSides: true, uvOfRegion: Self.texelCenter)
            let bitmap = BitmapTexture(data: FloatArray(Self.grayTexels), width: 4, height: 2, channels: 1)
            #expect(bitmap.data.shape == [2, 4, 1])
            let alphas: [Float] = [Self.grayTexels[1], Self.grayTexels[6]]
            let conductor = RoughConductorBSDF(distribution: .ggx, roughness: MicrofacetRoughness(alpha: bitmap))
            Self.expectPerLane(conductor, alphas.map { RoughConductorBSDF(distribution: .ggx, alpha: $0) },
                               Self.inputs(bothSides: false, uvOfRegion: Self.texelCenter), "roughconductor, gray bitmap")
            let dielectric = RoughDielectricBSDF(roughness: MicrofacetRoughness(alpha: bitmap), sampleVisible: false)
            Self.expectPerLane(dielectric, alphas.map { RoughDielectricBSDF(alpha: $0, sampleVisible: false) }, inputs,
                               "roughdielectric, gray bitmap")
        }
    }

    @Test("an RGB bitmap alpha is read as its luminance, as Mitsuba's eval_1", arguments: Variant.allCases)
    func rgbBitmap(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let inputs = Self.inputs(bothSides: false, uvOfRegion: Self.texelCenter)
            var rgb: [Float] = []
            for i in 0..<8 {
                let step = Float(i)
                rgb += [0.1 + 0.05 * step, 0.3 - 0.02 * step, 0.2]
            }
            let bitmap = BitmapTexture(data: FloatArray(rgb), width: 4, height: 2, filter: .nearest)
            func luminance(_ i: Int) -> Float {
                let r: Float = 0.212671 * rgb[3 * i], g: Float = 0.715160 * rgb[3 * i + 1]
                let b: Float = 0.072169 * rgb[3 * i + 2]
                return r + g + b
            }
            let textured = RoughConductorBSDF(roughness: MicrofacetRoughness(alpha: bitmap))
            Self.expectPerLane(textured, [luminance(1), luminance(6)].map { RoughConductorBSDF(alpha: $0) }, inputs,
                               tolerance: 2e-6, "roughconductor, RGB bitmap")
        }
    }

    @Test("roughness below 1e-4 from a texture is clamped per lane, as Mitsuba's distribution does")
    func clamping() throws {
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let inputs = Self.inputs(bothSides: false, uvOfRegion: Self.checkerUV)
            let tiny = CheckerboardTexture(color0: UniformTexture(0), color1: UniformTexture(-0.5))
            let textured = RoughConductorBSDF(roughness: MicrofacetRoughness(alpha: tiny))
            let clamped = RoughConductorBSDF(alpha: 1e-4)
            let ours = Self.answers(textured, inputs), theirs = Self.answers(clamped, inputs)
            for lane in 0..<Self.lanes {
                #expect(ours.lane(lane).map(\.bitPattern) == theirs.lane(lane).map(\.bitPattern), "lane \(lane)")
            }
        }
    }
}
