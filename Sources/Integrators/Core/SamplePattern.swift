// Which of Mitsuba's samplers a scene uses (independent, stratified, multijitter, ldsampler, orthogonal) and its count
// rules.

/// The sampler of a sensor, as Mitsuba's `<sampler type="...">` names it.
public enum SamplePattern: Sendable, Hashable {
    /// `independent`: every dimension uniform and independent (one PCG32 stream per lane).
    case independent
    /// `stratified`: in each dimension, a pixel's samples fall one per cell (sample_count cells along a line, a
    /// square grid of them in 2D), the cells shuffled per dimension and each sample jittered inside its cell.
    case stratified(jitter: Bool)
    /// `multijitter`: a grid of x × y cells whose points also fall one per row and column (correlated
    /// multi-jittered sampling, Kensler 2013).
    case multijitter(jitter: Bool)
    /// `ldsampler`: a (0, 2)-sequence per dimension (radical inverse in base 2 and Sobol's second dimension),
    /// scrambled per pixel and dimension, its points shuffled per dimension (Kollig and Keller 2002).
    case lowDiscrepancy
    /// `orthogonal`: the points of an orthogonal array of `strength` (Bose's construction for strength 2, Bush's
    /// otherwise) over a p × p grid, p prime, shuffled per pixel and jittered inside their cells (Jarosz et al.
    /// 2019), so that every `strength` dimensions are stratified together.
    case orthogonal(jitter: Bool, strength: Int)

    /// Mitsuba's plugin name.
    public var name: String {
        switch self {
        case .independent: "independent"
        case .stratified: "stratified"
        case .multijitter: "multijitter"
        case .lowDiscrepancy: "ldsampler"
        case .orthogonal: "orthogonal"
        }
    }

    /// The sample count that Mitsuba's `set_sample_count(requested)` settles on: stratified rounds up to a square,
    /// multijitter to x · y with y = ⌊√requested⌋ and x = ⌈requested / y⌉, ldsampler to the square of a power of
    /// two (at least 4), orthogonal to the square of a prime; independent keeps it.
    public func sampleCount(forRequested requested: Int) -> Int {
        switch self {
        case .independent: return requested
        case .lowDiscrepancy:
            var resolution = 2
            while resolution * resolution < requested { resolution *= 2 }
            return resolution * resolution
        case .stratified: return Self.stratifiedResolution(requested) * Self.stratifiedResolution(requested)
        case .multijitter:
            let grid = Self.multijitterGrid(requested)
            return grid.x * grid.y
        case .orthogonal:
            let resolution = Self.orthogonalResolution(requested)
            return resolution * resolution
        }
    }

    /// The smallest prime p ≥ 2 with p² ≥ `count` (Mitsuba's orthogonal sampler).
    static func orthogonalResolution(_ count: Int) -> Int {
        func isPrime(_ x: Int) -> Bool { x >= 2 && (2..<max(2, x / 2 + 1)).allSatisfy { x % $0 != 0 } }
        var resolution = 2
        while resolution * resolution < count || !isPrime(resolution) { resolution += 1 }
        return resolution
    }

    /// The smallest r with r² ≥ `count`.
    static func stratifiedResolution(_ count: Int) -> Int {
        var resolution = 1
        while resolution * resolution < count { resolution += 1 }
        return resolution
    }

    /// y = ⌊√count⌋ (in float, as Mitsuba computes it) and x = ⌈count / y⌉.
    static func multijitterGrid(_ count: Int) -> (x: Int, y: Int) {
        let y = max(1, Int(Float(count).squareRoot()))
        return ((count + y - 1) / y, y)
    }
}
