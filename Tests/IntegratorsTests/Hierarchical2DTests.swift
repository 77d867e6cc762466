// Mitsuba's Hierarchical2D warp (the envmap's sampling density): samples and densities against Mitsuba 3.9.1.
import Testing
import Tracer

@testable import Integrators

@Suite("Hierarchical2D warp")
struct Hierarchical2DTests {
    /// A 5 x 4 grid (rows of five), and what mi.Hierarchical2D0 of it returned (llvm_ad_rgb).
    static let grid: [Float] = [0.5, 1, 2, 0.25, 3, 1, 0, 0.5, 4, 1, 2, 2, 1, 0, 0.5, 0.1, 0.2, 0.3, 0.4, 0.5]
    static let samples: [SIMD2<Float>] = [SIMD2(0.1, 0.2), SIMD2(0.5, 0.5), SIMD2(0.9, 0.1), SIMD2(0.33, 0.95),
                                          SIMD2(0.77, 0.61), SIMD2(0.999, 0.001)]
    static let mitsubaX: [Float] = [0.15055426955223083, 0.6543532013893127, 0.943873405456543, 0.2100718468427658,
                                    0.799580454826355, 0.999614953994751]
    static let mitsubaY: [Float] = [0.18808035552501678, 0.3620503842830658, 0.08696189522743225, 0.8504583239555359,
                                    0.4319327771663666, 0.0009299967787228525]
    static let mitsubaPDF: [Float] = [0.5355975031852722, 2.3016297817230225, 2.05224871635437, 0.9326558709144592,
                                      2.266611099243164, 2.7924129962921143]
    static let evalPoints: [SIMD2<Float>] = [SIMD2(0, 0.5), SIMD2(0.3, 0.1), SIMD2(0.62, 0.77), SIMD2(1, 1)]
    static let mitsubaEval: [Float] = [1.4007781744003296, 0.8124513626098633, 0.4358101189136505,
                                       0.46692606806755066]

    @Test("samples, their densities and eval are Mitsuba's", arguments: Variant.allCases)
    func againstMitsuba(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let warp = Hierarchical2D(Self.grid, width: 5, height: 4)
            let all = BoolArray(repeating: true, count: Self.samples.count)
            let (point, pdf) = warp.sample(Point2Array(Self.samples), active: all)
            func close(_ a: [Float], _ b: [Float]) -> Bool { zip(a, b).allSatisfy { abs($0 - $1) <= 2e-6 * max(1, abs($1)) } }
            #expect(close(point.x.values, Self.mitsubaX), "\(point.x.values)")
            #expect(close(point.y.values, Self.mitsubaY), "\(point.y.values)")
            #expect(close(pdf.values, Self.mitsubaPDF), "\(pdf.values)")
            // The density of a sample is eval at it.
            #expect(close(warp.eval(point, active: all).values, pdf.values))
            let evaluated = warp.eval(Point2Array(Self.evalPoints), active: BoolArray(repeating: true, count: 4)).values
            #expect(close(evaluated, Self.mitsubaEval), "\(evaluated)")
        }
    }

    @Test("the density integrates to 1, and an all-zero grid is sampled uniformly")
    func normalised() {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            let n = 200
            let points = (0..<(n * n)).map { SIMD2((Float($0 % n) + 0.5) / Float(n), (Float($0 / n) + 0.5) / Float(n)) }
            let all = BoolArray(repeating: true, count: points.count)
            let mean = Hierarchical2D(Self.grid, width: 5, height: 4).eval(Point2Array(points), active: all).values
                .reduce(0.0) { $0 + Double($1) } / Double(points.count)
            #expect(abs(mean - 1) < 1e-3, "\(mean)")
            let flat = Hierarchical2D([Float](repeating: 0, count: 6), width: 3, height: 2)
            #expect(flat.eval(Point2Array(points), active: all).values.allSatisfy { abs($0 - 1) < 1e-6 })
        }
    }
}
