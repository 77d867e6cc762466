// Which of Mitsuba's samplers a scene uses (independent, stratified, multijitter) and its sample count rules.

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

    /// Mitsuba's plugin name.
    public var name: String {
        switch self {
        case .independent: "independent"
        case .stratified: "stratified"
        case .multijitter: "multijitter"
        }
    }

    /// The sample count that Mitsuba's `set_sample_count(requested)` settles on: stratified rounds up to a square,
    /// multijitter to x · y with y = ⌊√requested⌋ and x = ⌈requested / y⌉; independent keeps it.
    public func sampleCount(forRequested requested: Int) -> Int {
        switch self {
        case .independent: return requested
        case .stratified: return Self.stratifiedResolution(requested) * Self.stratifiedResolution(requested)
        case .multijitter:
            let grid = Self.multijitterGrid(requested)
            return grid.x * grid.y
        }
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
