// Mitsuba's reconstruction filters (`gaussian`, `box`, `tent`, `mitchell`, `catmullrom`, `lanczos`): how far a
// film sample spreads and with what weight.
import Foundation
import Tracer

/// The weight with which a sample at continuous film position `pos` counts for a pixel whose centre is
/// `x = centre − pos` away, per axis (Mitsuba's `rfilter`; SCENE-SPEC §2). The film multiplies the weights of the
/// two axes; filters with negative lobes (mitchell, catmullrom, lanczos) give negative weights, which the film
/// adds like any other, as Mitsuba does.
public enum ReconstructionFilter: Hashable, Sendable {
    /// `gaussian`: f(x) = exp(−x²/(2σ²)) − exp(−r²/(2σ²)) for |x| < r = 4σ, else 0.
    case gaussian(standardDeviation: Float)
    /// `box`: the film ignores the position and averages the samples drawn for each pixel.
    case box
    /// `tent`: f(x) = max(0, 1 − |x|/r).
    case tent(radius: Float)
    /// `mitchell`: the Mitchell–Netravali cubic with parameters B and C (Mitsuba's property names), radius 2.
    case mitchell(b: Float, c: Float)
    /// `catmullrom`: the Mitchell–Netravali cubic with B = 0, C = 0.5, radius 2.
    case catmullRom
    /// `lanczos`: the sinc windowed by a sinc `lobes` times as wide: sinc(x)·sinc(x/lobes), radius `lobes`.
    case lanczos(lobes: Int)

    /// Mitsuba's default filter: a gaussian with σ = 0.5 (radius 2 pixels).
    public static let standard = ReconstructionFilter.gaussian(standardDeviation: 0.5)

    /// The largest radius a film accepts, in pixels. A sample's splat reaches (2·reach + 1)² pixels, each one a term
    /// of the film's kernel, so wider filters would make kernels that take too long to compile.
    public static let largestRadius: Float = 8

    /// The Mitsuba plugin name.
    public var pluginName: String {
        switch self {
        case .gaussian: "gaussian"
        case .box: "box"
        case .tent: "tent"
        case .mitchell: "mitchell"
        case .catmullRom: "catmullrom"
        case .lanczos: "lanczos"
        }
    }

    /// The filter radius in pixels: 4σ for the gaussian, 0.5 for the box, r for the tent, 2 for the cubics, the
    /// number of lobes for lanczos.
    public var radius: Float {
        switch self {
        case .gaussian(let sigma): 4 * sigma
        case .box: 0.5
        case .tent(let radius): radius
        case .mitchell, .catmullRom: 2
        case .lanczos(let lobes): Float(lobes)
        }
    }

    /// How many pixels beyond its own a sample inside pixel k (position in [k, k+1]) can reach on each side:
    /// pixel k + d is reached when |d + 0.5 − f| < r for some f in [0, 1], i.e. |d| < r + 0.5.
    var reach: Int {
        Swift.max(0, Int((radius + 0.5).rounded(.up)) - 1)
    }
}
