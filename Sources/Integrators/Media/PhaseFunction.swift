// Mitsuba's phase functions `isotropic` and `hg` (Henyey-Greenstein): how a medium scatters light at a point.
import Tracer

/// The phase function of a participating medium: Mitsuba's `isotropic`, or `hg` with asymmetry g ∈ (−1, 1).
public enum PhaseFunction: Sendable, Equatable {
    /// Uniform over the sphere, 1/(4π) (Mitsuba's `isotropic`).
    case isotropic
    /// Henyey-Greenstein with asymmetry g: forward scattering for g > 0 (Mitsuba's `hg`).
    case henyeyGreenstein(g: Float)

    /// The plugin types a `<phase>` may have.
    static let types = ["isotropic", "hg"]

    /// Reads `<phase type="isotropic"/>` or `<phase type="hg">` with its `g` (Mitsuba's default 0.8).
    init(_ description: PluginDescription) throws {
        try description.requirePluginType(in: PhaseFunction.types)
        try PluginFactory.rejectNestedPlugins(description, instead: "a phase function takes only values")
        switch description.type {
        case "isotropic":
            try description.requireKnownProperties([])
            self = .isotropic
        default:
            try description.requireKnownProperties(["g"])
            let g = try description.float("g", default: 0.8)
            guard g > -1 && g < 1 else {
                throw description.error("the asymmetry 'g' must lie in (-1, 1), got \(g)", property: "g")
            }
            self = .henyeyGreenstein(g: Float(g))
        }
    }

    /// The asymmetry g as the per-lane code reads it (0 for isotropic, whose density is the same).
    var asymmetry: Float {
        if case .henyeyGreenstein(let g) = self { return g }
        return 0
    }

    /// The Henyey-Greenstein density (1 − g²) / (4π (1 + g² + 2g cos θ)^{3/2}); with g = 0 it is the isotropic
    /// density 1/(4π), so both phase functions evaluate through it.
    static func density(g: FloatArray, cosTheta: FloatArray) -> FloatArray {
        let temp = 1 + g * g + 2 * g * cosTheta
        return Float(1 / (4 * Double.pi)) * (1 - g * g) / (temp * sqrt(temp))
    }

    /// Samples an outgoing direction per lane as Mitsuba does (its value equals its pdf, so the weight is 1):
    /// isotropic lanes by `squareToUniformSphere(u)`, the others by inverting the HG distribution of cos θ in the
    /// frame around `wi` (the direction back toward the ray's origin), falling back to a uniform cos θ when
    /// |g| < 2⁻²⁴ as Mitsuba does. Returns the world direction and its density.
    static func sample(g: FloatArray, isotropic: BoolArray, wi: Vector3Array, u: Point2Array)
        -> (wo: Vector3Array, pdf: FloatArray) {
        let sqrTerm = (1 - g * g) / (1 - g + 2 * g * u.x)
        var cosTheta = (1 + g * g - sqrTerm * sqrTerm) / (2 * g)
        // Division by a zero g gives NaN above; those lanes take the uniform fallback here.
        cosTheta = select(abs(g) .< 0x1p-24, 1 - 2 * u.x, cosTheta)
        let sinTheta = sqrt(max(1 - cosTheta * cosTheta, FloatArray(repeating: 0)))
        let phi = Float(2 * Double.pi) * u.y
        let local = Vector3Array(x: sinTheta * cos(phi), y: sinTheta * sin(phi), z: -cosTheta)
        let hgDirection = Frame(normal: wi).toWorld(local)
        let hgPDF = density(g: g, cosTheta: -cosTheta)
        let uniform = squareToUniformSphere(u)
        return (select(isotropic, uniform, hgDirection),
                select(isotropic, uniformSpherePdf(), hgPDF))
    }
}
