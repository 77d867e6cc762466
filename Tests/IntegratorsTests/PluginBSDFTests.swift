// Diffuse, twosided and dielectric BSDFs against SCENE-SPEC §5: values, pdfs, sampled directions and weights.
import Foundation
import Testing
import RefractSupport
import Tracer

@testable import Integrators

/// SCENE-SPEC §5 Fresnel reflectance for real η, in Double.
private func referenceFresnel(cosThetaI ci: Double, eta: Double) -> (f: Double, cosThetaT: Double) {
    if eta == 1 { return (0, -ci) }
    let etaIT = ci >= 0 ? eta : 1 / eta
    let etaTI = 1 / etaIT
    let ctSquared = 1 - (1 - ci * ci) * etaTI * etaTI
    let ct = Swift.max(0, ctSquared).squareRoot()
    let signedCT = ci >= 0 ? -ct : ct
    if ci == 0 { return (1, signedCT) }
    let aS = (abs(ci) - etaIT * ct) / (abs(ci) + etaIT * ct)
    let aP = (ct - etaIT * abs(ci)) / (ct + etaIT * abs(ci))
    return (0.5 * (aS * aS + aP * aP), signedCT)
}

private let tutorialEta = Float(1.06) / Float(1.000277)

@Suite("BSDF plugins")
struct BSDFPluginTests {
    static let albedo = Vector3f(0.2, 0.5, 0.8)

    /// Random direction pairs covering both hemispheres.
    static func directionPairs(_ count: Int, seed: UInt64) -> (wi: [Vector3f], wo: [Vector3f]) {
        var random = SplitMix64(seed: seed)
        var wi: [Vector3f] = [], wo: [Vector3f] = []
        for _ in 0..<count {
            wi.append(random.direction())
            wo.append(random.direction())
        }
        return (wi, wo)
    }

    /// Random points of the unit square.
    static func squareSamples(_ count: Int, seed: UInt64) -> [SIMD2<Float>] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in SIMD2(random.nextUnitFloat(), random.nextUnitFloat()) }
    }

    @Test("diffuse eval = ρ/π cos θo and pdf = cos θo/π on the front side only", arguments: Variant.allCases)
    func diffuseEvalAndPdf(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let bsdf = DiffuseBSDF(reflectance: Self.albedo)
            let (wi, wo) = Self.directionPairs(200, seed: 3)
            let si = PluginFixtures.interaction(wi: wi)
            let values = bsdf.eval(si, wo: Vector3Array(wo), active: true).values
            let pdfs = bsdf.pdf(si, wo: Vector3Array(wo), active: true).values
            for i in wi.indices {
                let front = wi[i].z > 0 && wo[i].z > 0
                let expected = front ? Self.albedo * (wo[i].z / Float.pi) : .zero
                #expect(pluginClose(values[i], expected, 1e-6), "lane \(i): \(values[i]) vs \(expected)")
                #expect(pluginClose(pdfs[i], front ? wo[i].z / Float.pi : 0, 1e-6))
            }
            let masked = bsdf.eval(si, wo: Vector3Array(wo), active: BoolArray(repeating: false, count: wi.count))
            #expect(masked.values.allSatisfy { $0 == .zero })
            #expect(bsdf.flags.hasSmooth && !bsdf.flags.isDelta)
            #expect(bsdf.parameters.map(\.key) == ["reflectance.value"])
        }
    }

    @Test("diffuse sampling: cosine hemisphere, weight ρ, pdf consistent with pdf() and eval()",
          arguments: Variant.allCases)
    func diffuseSample(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let bsdf = DiffuseBSDF(reflectance: Self.albedo)
            let (wi, _) = Self.directionPairs(300, seed: 5)
            let u2 = Self.squareSamples(300, seed: 6)
            let si = PluginFixtures.interaction(wi: wi)
            let sample = bsdf.sample(si, u1: FloatArray(repeating: 0.3, count: wi.count), u2: Point2Array(u2),
                                     active: true)
            let wo = sample.wo.values, pdf = sample.pdf.values, weight = sample.weight.values
            let evaluated = bsdf.eval(si, wo: sample.wo, active: true).values
            let pdfAgain = bsdf.pdf(si, wo: sample.wo, active: true).values
            let warped = squareToCosineHemisphere(Point2Array(u2)).values
            #expect(sample.eta.values.allSatisfy { $0 == 1 })
            #expect(sample.isDelta.values.allSatisfy { !$0 })
            for i in wi.indices {
                #expect(wo[i] == warped[i])
                #expect(wo[i].z >= 0 && abs(wo[i].length - 1) < 1e-5)
                #expect(pluginClose(pdf[i], wo[i].z / Float.pi, 1e-6))
                if wi[i].z > 0 && pdf[i] > 0 {
                    #expect(weight[i] == Self.albedo)
                    #expect(pluginClose(pdfAgain[i], pdf[i], 1e-6))
                    // eval/pdf = (ρ/π cos θo)/(cos θo/π) = ρ = weight.
                    let ratio = evaluated[i] / pdf[i]
                    #expect(pluginClose(ratio, Self.albedo, 1e-5))
                } else {
                    #expect(weight[i] == .zero)
                }
            }
        }
    }

    @Test("twosided(diffuse) mirrors both directions onto the front side", arguments: Variant.allCases)
    func twoSided(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let inner = DiffuseBSDF(reflectance: Self.albedo)
            let bsdf = TwoSidedBSDF(inner)
            let (wi, wo) = Self.directionPairs(200, seed: 8)
            let si = PluginFixtures.interaction(wi: wi)
            let values = bsdf.eval(si, wo: Vector3Array(wo), active: true).values
            let pdfs = bsdf.pdf(si, wo: Vector3Array(wo), active: true).values
            for i in wi.indices {
                let sameSide = (wi[i].z >= 0) == (wo[i].z >= 0) && wo[i].z != 0 && wi[i].z != 0
                let expected = sameSide ? Self.albedo * (abs(wo[i].z) / Float.pi) : .zero
                #expect(pluginClose(values[i], expected, 1e-6), "lane \(i): \(values[i]) vs \(expected)")
                #expect(pluginClose(pdfs[i], sameSide ? abs(wo[i].z) / Float.pi : 0, 1e-6))
            }
            let u2 = Self.squareSamples(wi.count, seed: 9)
            let sample = bsdf.sample(si, u1: FloatArray(repeating: 0.5, count: wi.count), u2: Point2Array(u2),
                                     active: true)
            let sampled = sample.wo.values, weight = sample.weight.values, pdf = sample.pdf.values
            for i in wi.indices {
                #expect(sampled[i].z == 0 || (sampled[i].z > 0) == (wi[i].z > 0), "lane \(i)")
                #expect(pluginClose(pdf[i], abs(sampled[i].z) / Float.pi, 1e-6))
                if sampled[i].z != 0 { #expect(weight[i] == Self.albedo) }
            }
            #expect(bsdf.flags.contains([.diffuseReflection, .frontSide, .backSide]) && bsdf.flags.hasSmooth)
            #expect(bsdf.parameters.map(\.key) == ["brdf_0.reflectance.value"])
            #expect(bsdf.parameters[0].slot === inner.parameters[0].slot)
        }
    }

    @Test("dielectric Fresnel matches the formula on both sides and at the special cases",
          arguments: Variant.allCases)
    func dielectricFresnel(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            var cosines: [Float] = [1, 0.9, 0.7, 0.5, 0.3, 0.1, 0.02, 0]
            cosines += cosines.dropLast().map { -$0 }
            cosines += [-0.2, -0.3]   // under total internal reflection for η = 1.5 (critical cos ≈ 0.745)
            for eta in [tutorialEta, Float(1.5), Float(1)] {
                let fresnel = DielectricBSDF.fresnel(cosThetaI: FloatArray(cosines), eta: eta)
                let f = fresnel.reflectance.values, ct = fresnel.cosThetaT.values
                let etaIT = fresnel.etaIT.values, etaTI = fresnel.etaTI.values
                for (i, ci) in cosines.enumerated() {
                    let expected = referenceFresnel(cosThetaI: Double(ci), eta: Double(eta))
                    #expect(abs(Double(f[i]) - expected.f) < 2e-6, "η \(eta), cos \(ci): F \(f[i]) vs \(expected.f)")
                    if eta != 1 {
                        #expect(abs(Double(ct[i]) - expected.cosThetaT) < 2e-6, "η \(eta), cos \(ci): \(ct[i])")
                    }
                    #expect(etaIT[i] == (ci >= 0 ? eta : 1 / eta) && etaTI[i] == (ci >= 0 ? 1 / eta : eta))
                }
                if eta == 1.5 { #expect(f.suffix(2) == [1, 1]) }
                if eta == 1 { #expect(f.allSatisfy { $0 == 0 }) }
                #expect(eta == 1 || f[7] == 1)
            }
        }
    }

    @Test("dielectric sampling: reflect iff u1 ≤ F, Snell refraction, weights η_ti², detached pdf",
          arguments: Variant.allCases)
    func dielectricSample(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let bsdf = DielectricBSDF(interiorIOR: 1.06)
            #expect(bsdf.eta == tutorialEta)
            var random = SplitMix64(seed: 21)
            let wi = (0..<300).map { _ in random.direction() }
            let u1 = (0..<300).map { _ in random.nextUnitFloat() }
            let si = PluginFixtures.interaction(wi: wi)
            var u1Array = FloatArray(u1)
            u1Array.enableGradient()
            let sample = bsdf.sample(si, u1: u1Array, u2: Point2Array(repeating: 0.5, 0.5, count: 300),
                                     active: true)
            #expect(!sample.pdf.requiresGradient)
            let wo = sample.wo.values, pdf = sample.pdf.values, weight = sample.weight.values
            let eta = sample.eta.values
            #expect(sample.isDelta.values.allSatisfy { $0 })
            var reflections = 0, refractions = 0
            for i in wi.indices {
                let reference = referenceFresnel(cosThetaI: Double(wi[i].z), eta: Double(bsdf.eta))
                let f = Float(reference.f)
                let outside = wi[i].z >= 0
                let etaTI = outside ? 1 / bsdf.eta : bsdf.eta
                #expect(abs(wo[i].length - 1) < 1e-5, "lane \(i): |wo| = \(wo[i].length)")
                if abs(u1[i] - f) < 1e-5 { continue }
                if u1[i] <= f {
                    reflections += 1
                    #expect(wo[i] == Vector3f(-wi[i].x, -wi[i].y, wi[i].z))
                    #expect(weight[i] == .one && eta[i] == 1)
                    #expect(abs(pdf[i] - f) < 1e-5)
                } else {
                    refractions += 1
                    #expect((wo[i].z < 0) == outside, "lane \(i): refraction crosses the interface")
                    // Snell: sin θt = η_ti sin θi, in the plane of incidence (opposite tangential direction).
                    let sinI = (wi[i].x * wi[i].x + wi[i].y * wi[i].y).squareRoot()
                    let sinT = (wo[i].x * wo[i].x + wo[i].y * wo[i].y).squareRoot()
                    #expect(abs(sinT - etaTI * sinI) < 1e-5)
                    #expect(abs(wo[i].x + etaTI * wi[i].x) < 1e-6 && abs(wo[i].y + etaTI * wi[i].y) < 1e-6)
                    #expect(abs(weight[i].x - etaTI * etaTI) < 1e-6 && weight[i].x == weight[i].y
                                && weight[i].y == weight[i].z)
                    #expect(eta[i] == (outside ? bsdf.eta : 1 / bsdf.eta))
                    #expect(abs(pdf[i] - (1 - f)) < 1e-5)
                }
            }
            #expect(reflections > 0 && refractions > 200)

            let zeros = bsdf.eval(si, wo: sample.wo, active: true).values
            #expect(zeros.allSatisfy { $0 == .zero })
            #expect(bsdf.pdf(si, wo: sample.wo, active: true).values.allSatisfy { $0 == 0 })
            #expect(bsdf.flags.isDelta && !bsdf.flags.hasSmooth)
            #expect(bsdf.parameters.map(\.key) == ["eta"] && !bsdf.parameters[0].slot.isDifferentiable)

            let inactive = bsdf.sample(si, u1: FloatArray(u1), u2: Point2Array(repeating: 0.5, 0.5, count: 300),
                                       active: BoolArray(repeating: false, count: 300))
            #expect(inactive.weight.values.allSatisfy { $0 == .zero })
        }
    }

    @Test("dielectric at normal incidence reflects with F = ((η−1)/(η+1))² and refracts straight through",
          arguments: Variant.allCases)
    func dielectricNormalIncidence(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let bsdf = DielectricBSDF(interiorIOR: 1.5, exteriorIOR: 1)
            let si = PluginFixtures.interaction(wi: [Vector3f(0, 0, 1), Vector3f(0, 0, 1), Vector3f(0, 0, -1)])
            let sample = bsdf.sample(si, u1: FloatArray([0.01, 0.5, 0.5]), u2: Point2Array(repeating: 0, 0, count: 3),
                                     active: true)
            let f: Float = 0.04
            #expect(sample.wo.values == [Vector3f(0, 0, 1), Vector3f(0, 0, -1), Vector3f(0, 0, 1)])
            let pdf = sample.pdf.values
            #expect(abs(pdf[0] - f) < 1e-6 && abs(pdf[1] - (1 - f)) < 1e-6 && abs(pdf[2] - (1 - f)) < 1e-6)
            let weight = sample.weight.values
            #expect(weight[0] == .one)
            #expect(abs(weight[1].x - 1 / 2.25) < 1e-6 && abs(weight[2].x - 2.25) < 1e-5)
        }
    }
}
