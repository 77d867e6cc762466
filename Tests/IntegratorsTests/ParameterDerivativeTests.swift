// Derivatives with respect to the parameters that are new in mi.traverse parity (indices of refraction, spot
// cones) and through the plugins' sign helpers, against central differences.
import Foundation
import Testing
import Tracer
@testable import Integrators

@Suite("parameter derivatives against central differences")
struct ParameterDerivativeTests {
    /// d f / d p at `point` by reverse mode through `slot`, and by central differences of step `h`.
    static func derivatives(_ slot: ParameterSlot, at point: Float, h: Float = 1e-3,
                            _ f: () -> FloatArray) -> (ad: Float, fd: Float) {
        var leaf = FloatArray([point])
        leaf.enableGradient()
        slot.value = leaf
        f().sum().backward()
        let ad = leaf.gradient.values[0]
        slot.value = FloatArray([point + h])
        let up = f().values.reduce(0, +)
        slot.value = FloatArray([point - h])
        let down = f().values.reduce(0, +)
        slot.value = FloatArray([point])
        return (ad, (up - down) / (2 * h))
    }

    static let wi = [Vector3f(0.3, 0.2, 0.9).normalized, Vector3f(-0.5, 0.1, 0.7).normalized]
    /// One transmitted and one reflected direction per incident one.
    static let wo = [Vector3f(-0.2, -0.1, -0.8).normalized, Vector3f(0.4, -0.3, 0.6).normalized]

    static func expectClose(_ pair: (ad: Float, fd: Float), _ what: String) {
        #expect(abs(pair.ad - pair.fd) <= 2e-3 * max(1, abs(pair.fd)), "\(what): reverse mode \(pair.ad), differences \(pair.fd)")
        #expect(pair.fd != 0, "\(what): the configuration must depend on the parameter")
    }

    @Test("mulsign and copysign pass derivatives (±1), as Dr.Jit's")
    func signHelpers() throws {
        try TraceContext.with(CompileOptions(variant: .scalar)) {
            var x = FloatArray([0.5, -0.25, 2])
            x.enableGradient()
            let signs = FloatArray([-1, 3, -0.0])
            let flipped: FloatArray = mulsign(x, signs)
            let copied: FloatArray = copysign(x, signs) * Float(10)
            let negated: FloatArray = mulsignNeg(x, signs) * Float(100)
            (flipped + copied + negated).sum().backward()
            // d/dx: sign(s) + 10 sign(x) sign(s) − 100 sign(s).
            let expected: [Float] = [89, -109, 89]
            #expect(x.gradient.values == expected)
        }
    }

    @Test("roughdielectric: d eval / d eta and d alpha (reflection and transmission), both backends",
          arguments: [Variant.scalar, .llvm])
    func roughDielectric(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            for (wi, wo) in zip(Self.wi, Self.wo) {
                let bsdf = RoughDielectricBSDF(distribution: .ggx, alpha: 0.3)
                let si = PluginFixtures.interaction(wi: [wi])
                let value = { bsdf.eval(si, wo: Vector3Array([wo]), active: true).x }
                Self.expectClose(Self.derivatives(bsdf.eta, at: 1.5, value), "eta, wo \(wo)")
                let alpha = try #require(bsdf.alphaU as? UniformTexture).value
                Self.expectClose(Self.derivatives(alpha, at: 0.3, value), "alpha, wo \(wo)")
            }
        }
    }

    @Test("roughplastic: d eval / d eta of the glossy coating")
    func roughPlastic() throws {
        try TraceContext.with(CompileOptions(variant: .scalar)) {
            // A black base leaves the coating's lobe, which does not read the tables: those are recomputed for each
            // new index and not differentiated (as in Mitsuba), so differences would see them change.
            let bsdf = RoughPlasticBSDF(alpha: 0.2, diffuseReflectance: UniformTexture(0))
            let si = PluginFixtures.interaction(wi: [Self.wi[0]])
            let wo = Vector3Array([Vector3f(0.4, -0.3, 0.6).normalized])
            Self.expectClose(Self.derivatives(bsdf.eta, at: 1.49, h: 1e-3) { bsdf.eval(si, wo: wo, active: true).y },
                             "eta")
        }
    }

    @Test("spot: d intensity / d cutoff_angle and d beam_width on the cone's soft edge")
    func spotCone() throws {
        try TraceContext.with(CompileOptions(variant: .scalar)) {
            let spot = SpotEmitter(cutoffAngle: 30, beamWidth: 12)
            // A point 20 degrees off the axis, between the beam and the cutoff.
            let angle = Double(20) * .pi / 180
            let reference = Vector3Array([Vector3f(Float(Foundation.sin(angle)), 0, Float(Foundation.cos(angle))) * 2])
            let intensity = {
                spot.sampleDirection(from: reference, sample: Point2Array(repeating: 0.5, 0.5, count: 1),
                                     bounds: EmitterSceneBounds(center: .zero, radius: 1), active: true).weight.x
            }
            Self.expectClose(Self.derivatives(spot.cutoffAngle, at: 30, h: 0.05, intensity), "cutoff_angle")
            Self.expectClose(Self.derivatives(spot.beamWidth, at: 12, h: 0.05, intensity), "beam_width")
        }
    }
}
