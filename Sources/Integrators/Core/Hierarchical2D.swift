// Mitsuba's Hierarchical2D warp: a piecewise-bilinear 2D density sampled through a mip hierarchy of its patches.
import Tracer

/// A density over [0, 1]² that interpolates bilinearly between values on a grid of `width` x `height` points
/// (Mitsuba's `Hierarchical2D<Float, 0>`, which its `envmap` samples by). Sampling walks down a hierarchy of patch
/// sums, choosing one of four children per level, and inverts the bilinear patch it reaches; the values are
/// normalised so that the density integrates to 1. Built on the host as Mitsuba builds it (same layout, same
/// float sums), so a sample and its density are Mitsuba's.
struct Hierarchical2D {
    /// One level: level 0 holds the grid values row by row; level l ≥ 1 holds (zero-padded, even-sized) patch sums
    /// with each 2 x 2 block stored contiguously.
    struct Level {
        let width: Int
        let size: Int
        var offset = 0

        /// Where pixel (x, y) of a level ≥ 1 is stored: 2 x 2 blocks contiguous.
        func index(_ x: Int, _ y: Int) -> Int { ((x & 1) | (((x & ~1) | (y & 1)) << 1)) + (y & ~1) * width }
    }

    let width: Int, height: Int
    let levels: [Level]
    /// All levels, one after another (each starting at a multiple of 4).
    let values: [Float]
    let data: FloatArray

    /// The density through `grid` (height rows of width values, non-negative, width and height at least 2). A grid
    /// whose patches sum to 0 is replaced by a uniform one.
    init(_ grid: [Float], width: Int, height: Int, context: TraceContext = .current) {
        precondition(width >= 2 && height >= 2 && grid.count == width * height,
                     "Hierarchical2D: \(width) x \(height) values needed, got \(grid.count)")
        self.width = width
        self.height = height
        let patchesX = width - 1, patchesY = height - 1
        var maxLevel = 0
        while (1 << maxLevel) < Swift.max(patchesX, patchesY) { maxLevel += 1 }
        var levels = [Level(width: width, size: width * height)]
        var (levelX, levelY) = (patchesX, patchesY)
        for _ in 0..<maxLevel {
            levelX += levelX & 1
            levelY += levelY & 1
            levels.append(Level(width: levelX, size: levelX * levelY))
            levelX >>= 1
            levelY >>= 1
        }
        var total = 0
        for index in levels.indices {
            total = (total + 3) & ~3
            levels[index].offset = total
            total += levels[index].size
        }
        total = (total + 3) & ~3
        var out = [Float](repeating: 0, count: total)
        var input = grid
        var sum = 0.0
        func patchSums(_ input: [Float]) -> Double {
            var sum = 0.0
            for y in 0..<patchesY {
                for x in 0..<patchesX {
                    let p = y * width + x
                    let average: Float = 0.25 * (input[p] + input[p + 1] + input[p + width] + input[p + width + 1])
                    sum += Double(average)
                    if levels.count > 1 { out[levels[1].offset + levels[1].index(x, y)] = average }
                }
            }
            return sum
        }
        sum = patchSums(input)
        if !(sum > 0) {
            input = [Float](repeating: 1, count: grid.count)
            sum = patchSums(input)
        }
        let scale = Float(Double(patchesX * patchesY) / sum)
        for i in 0..<levels[0].size { out[levels[0].offset + i] = input[i] * scale }
        if levels.count > 1 {
            for i in 0..<levels[1].size { out[levels[1].offset + i] *= scale }
        }
        (levelX, levelY) = (patchesX, patchesY)
        if levels.count > 2 {
            for level in 2..<levels.count {
                let a = levels[level - 1], b = levels[level]
                levelX = (levelX + 1) >> 1
                levelY = (levelY + 1) >> 1
                for y in 0..<levelY {
                    for x in 0..<levelX {
                        let d0 = a.offset + a.index(2 * x, 2 * y)
                        out[b.offset + b.index(x, y)] = out[d0] + out[d0 + 1] + out[d0 + 2] + out[d0 + 3]
                    }
                }
            }
        }
        self.levels = levels
        values = out
        data = FloatArray(out, context: context)
    }

    /// Mitsuba's `sample`: a point of [0, 1]² by the density, and the density there.
    func sample(_ u: Point2Array, active: BoolArray) -> (point: Point2Array, pdf: FloatArray) {
        var sx = clamp01(u.x), sy = clamp01(u.y)
        var offsetX = UInt32Array(repeating: 0, count: sx.count), offsetY = offsetX
        for level in levels.dropFirst().reversed() {
            offsetX = offsetX << 1
            offsetY = offsetY << 1
            // The 2 x 2 block of children at the even offset.
            let base = UInt32(level.offset) + (offsetX << 1) + offsetY * UInt32(level.width)
            let v00 = data.gather(base, mask: active), v10 = data.gather(base + 1, mask: active)
            let v01 = data.gather(base + 2, mask: active), v11 = data.gather(base + 3, mask: active)
            sx = clamp01(sx)
            sy = clamp01(sy)
            let r0 = v00 + v10, r1 = v01 + v11
            sy = sy * (r0 + r1)
            let lower = sy .> r0
            offsetY = select(lower, offsetY + 1, offsetY)
            sy = select(lower, sy - r0, sy)
            let dy = select(lower, r1, r0)
            let c0 = select(lower, v01, v00), c1 = select(lower, v11, v10)
            sx = sx * dy
            let right = sx .> c0
            sx = select(right, sx - c0, sx)
            offsetX = select(right, offsetX + 1, offsetX)
            let dx = select(right, c1, c0)
            let inverse = 1 / (dy * dx)
            sy = sy * (dx * inverse)
            sx = sx * (dy * inverse)
        }
        let corner = UInt32(levels[0].offset) + offsetX + offsetY * UInt32(width)
        let v00 = data.gather(corner, mask: active), v10 = data.gather(corner + 1, mask: active)
        let v01 = data.gather(corner + UInt32(width), mask: active)
        let v11 = data.gather(corner + UInt32(width + 1), mask: active)
        // Mitsuba's square_to_bilinear.
        let r0 = v00 + v10, r1 = v01 + v11
        sy = Self.intervalToLinear(r0, r1, sy)
        let c0 = lerp(v00, v01, sy), c1 = lerp(v10, v11, sy)
        sx = Self.intervalToLinear(c0, c1, sx)
        let pdf = lerp(c0, c1, sx)
        let point = Point2Array(x: (FloatArray(offsetX) + sx) * (1 / Float(width - 1)),
                                y: (FloatArray(offsetY) + sy) * (1 / Float(height - 1)))
        return (point, pdf)
    }

    /// Mitsuba's `eval`: the density at `position` of [0, 1]².
    func eval(_ position: Point2Array, active: BoolArray) -> FloatArray {
        var px = clamp01(position.x) * Float(width - 1), py = clamp01(position.y) * Float(height - 1)
        let offsetX = min(UInt32Array(Int32Array(px)), UInt32Array(repeating: UInt32(width - 2)))
        let offsetY = min(UInt32Array(Int32Array(py)), UInt32Array(repeating: UInt32(height - 2)))
        px = px - FloatArray(offsetX)
        py = py - FloatArray(offsetY)
        let corner = UInt32(levels[0].offset) + offsetX + offsetY * UInt32(width)
        let v00 = data.gather(corner, mask: active), v10 = data.gather(corner + 1, mask: active)
        let v01 = data.gather(corner + UInt32(width), mask: active)
        let v11 = data.gather(corner + UInt32(width + 1), mask: active)
        return lerp(lerp(v00, v10, px), lerp(v01, v11, px), py)
    }

    private func clamp01(_ x: FloatArray) -> FloatArray { min(max(x, .constant(0)), .constant(1)) }

    /// Mitsuba's `interval_to_linear`: the inverse CDF of the linear density from v0 to v1 over [0, 1] (the
    /// sample itself where the density is nearly flat).
    static func intervalToLinear(_ v0: FloatArray, _ v1: FloatArray, _ sample: FloatArray) -> FloatArray {
        let root = sqrt(max(lerp(v0 * v0, v1 * v1, sample), .constant(0)))
        return select(abs(v0 - v1) .> (v0 + v1) * 1e-4, (v0 - root) / (v0 - v1), sample)
    }
}
