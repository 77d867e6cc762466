// roughplastic's precomputed rough-interface tables: transmittance into the coating and its internal reflectance.
import Foundation
import Tracer

/// What Mitsuba 3.9.1's `roughplastic` computes in `parameters_changed` (it ships no data file): the fraction of
/// light a rough interface lets through, at 64 evenly spaced cos θ in [0, 1] (`m_external_transmittance`), and the
/// interface's hemispherical reflectance from inside (`m_internal_reflectance`). Both integrate over visible
/// normals (always visible, whatever `sample_visible` says) with an N × N Gauss–Legendre rule on the unit square
/// (N = 32 for η > 1, 128 otherwise, as Mitsuba's `eval_transmittance`/`eval_reflectance`). The integrands use
/// our traced microfacet code in the LLVM backend, and each cos θ's N² terms are summed in float in Mitsuba's
/// order (a block sum in lane order), so the tables agree with Mitsuba's to float rounding.
struct RoughInterfaceTables {
    /// Table resolution (Mitsuba's `MI_ROUGH_TRANSMITTANCE_RES`).
    static let resolution = 64
    /// The transmittance at cos θ = max(1e-6, i / 63), i = 0 ..< 64.
    var externalTransmittance: [Float]
    /// 2 · mean over the same cos θ of R_internal(cos θ) · cos θ, R evaluated with the relative index 1/η.
    var internalReflectance: Float

    /// The tables of an interface of relative index `eta` and roughness `alpha`.
    init(type: MicrofacetType, alpha: Float, eta: Float) {
        let mu = (0..<Self.resolution).map { Swift.max(1e-6, Float($0) * (1 / Float(Self.resolution - 1))) }
        (externalTransmittance, internalReflectance) = TraceContext.with(CompileOptions(variant: .llvm)) {
            let transmittance = Self.integrate(type: type, alpha: alpha, eta: eta, mu: mu, transmitted: true)
            let reflectance = Self.integrate(type: type, alpha: alpha, eta: 1 / eta, mu: mu, transmitted: false)
            var sum: Float = 0
            for (r, m) in zip(reflectance, mu) { sum += r * m }
            return (transmittance, sum / Float(mu.count) * 2)
        }
    }

    /// Per cos θ in `mu` (wi = (√(1 − μ²), 0, μ)): Σ over the rule's nodes of G1(wo, m) (1 − F) for the refracted
    /// wo (`transmitted`; 0 where wo stays on wi's side) or G1(wo, m) F for the reflected one (0 where wo.z ≤ 0),
    /// times the node's weight / 4, with m a visible normal drawn from the node mapped to [0, 1]².
    private static func integrate(type: MicrofacetType, alpha: Float, eta: Float, mu: [Float],
                                  transmitted: Bool) -> [Float] {
        let order = eta > 1 ? 32 : 128
        let (nodes, weights) = gaussLegendre(order)
        let perDirection = order * order
        let lanes = mu.count * perDirection
        var wx = [Float](), wz = [Float](), ux = [Float](), uy = [Float](), weight = [Float]()
        wx.reserveCapacity(lanes); wz.reserveCapacity(lanes); ux.reserveCapacity(lanes)
        uy.reserveCapacity(lanes); weight.reserveCapacity(lanes)
        for m in mu {
            let sine = (1 - m * m).squareRoot()
            // dr::meshgrid: the x node varies fastest.
            for j in 0..<perDirection {
                let x = j % order, y = j / order
                wx.append(sine); wz.append(m)
                ux.append(nodes[x])
                uy.append(nodes[y])
                weight.append(weights[x] * weights[y])
            }
        }
        // node · 0.5 + 0.5 with one rounding (Mitsuba's fmadd).
        let u = Point2Array(x: fma(FloatArray(ux), .constant(0.5), .constant(0.5)),
                            y: fma(FloatArray(uy), .constant(0.5), .constant(0.5)))
        let wi = Vector3Array(x: FloatArray(wx), y: FloatArray(repeating: 0, count: lanes), z: FloatArray(wz))
        let distribution = MicrofacetDistribution(type: type, alpha: .constant(alpha), sampleVisible: true)
        let m = distribution.sample(wi: wi, u: u).m
        let fresnel = DielectricBSDF.fresnel(cosThetaI: wi.dot(m), eta: eta)
        let term: FloatArray
        if transmitted {
            let wo = fma(m, fma(wi.dot(m), fresnel.etaTI, fresnel.cosThetaT), -(wi * fresnel.etaTI))
            let smith = distribution.smithG1(wo, m) * (1 - fresnel.reflectance)
            term = select(wo.z * wi.z .>= 0, .constant(0), smith)
        } else {
            let wo = reflect(wi, about: m)
            let smith = distribution.smithG1(wo, m) * fresnel.reflectance
            term = select((wo.z .<= 0) | (wi.z .<= 0), .constant(0), smith)
        }
        return (term * FloatArray(weight) * 0.25).blockSum(perDirection).values
    }

    /// Gauss–Legendre nodes and weights on [−1, 1] of `order` points, found by Newton's method in double precision
    /// and rounded to float, as Mitsuba's `quad::gauss_legendre`.
    static func gaussLegendre(_ order: Int) -> (nodes: [Float], weights: [Float]) {
        var nodes = [Float](repeating: 0, count: order), weights = [Float](repeating: 0, count: order)
        let n = order - 1
        for i in 0..<(n + 2) / 2 {
            let guess: Double = Double(2 * i + 1) / Double(2 * n + 2) * Double.pi
            var x: Double = -Foundation.cos(guess)
            for _ in 0..<20 {
                let p = legendre(order, x)
                let step: Double = p.value / p.derivative
                x -= step
                if step.magnitude <= 4 * x.magnitude * Double.ulpOfOne { break }
            }
            let derivative: Double = legendre(order, x).derivative
            let denominator: Double = (1 - x * x) * derivative * derivative
            let w = Float(2 / denominator)
            weights[i] = w; weights[n - i] = w
            nodes[i] = Float(x); nodes[n - i] = Float(-x)
        }
        if n % 2 == 0 {
            let derivative: Double = legendre(order, 0).derivative
            weights[n / 2] = Float(2 / (derivative * derivative))
            nodes[n / 2] = 0
        }
        return (nodes, weights)
    }

    /// The Legendre polynomial P_l(x) and its derivative, by the three-term recurrence.
    private static func legendre(_ l: Int, _ x: Double) -> (value: Double, derivative: Double) {
        var previous = 1.0, current = x, previousDerivative = 0.0, derivative = 1.0
        guard l > 1 else { return l == 0 ? (1, 0) : (x, 1) }
        for k in 2...l {
            let k = Double(k)
            let next: Double = ((2 * k - 1) * x * current - (k - 1) * previous) / k
            let nextDerivative: Double = previousDerivative + (2 * k - 1) * current
            (previous, current) = (current, next)
            (previousDerivative, derivative) = (derivative, nextDerivative)
        }
        return (current, derivative)
    }
}

/// The tables of one roughplastic, recomputed when its roughness or index changes (Mitsuba's
/// `parameters_changed`).
final class RoughInterfaceTableCache: @unchecked Sendable {
    let type: MicrofacetType
    private var eta: Float
    private var alpha: Float
    private var current: RoughInterfaceTables
    private let lock = NSLock()

    init(type: MicrofacetType, alpha: Float, eta: Float) {
        self.type = type
        self.eta = eta
        self.alpha = alpha
        current = RoughInterfaceTables(type: type, alpha: alpha, eta: eta)
    }

    /// The tables last computed.
    var latest: RoughInterfaceTables { lock.withLock { current } }

    /// The tables for roughness `alpha` and index `eta`, computed again only when either differs from the last.
    func tables(alpha newAlpha: Float, eta newEta: Float) -> RoughInterfaceTables {
        lock.withLock {
            if newAlpha != alpha || newEta != eta {
                current = RoughInterfaceTables(type: type, alpha: newAlpha, eta: newEta)
                (alpha, eta) = (newAlpha, newEta)
            }
            return current
        }
    }
}
