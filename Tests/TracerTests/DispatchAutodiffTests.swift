// Reverse mode through symbolic dispatch (Dr.Jit's differentiable virtual calls), against host references.
import Foundation
import Testing
import RefractSupport
@testable import Tracer

/// Three cases over (x, k): case 0 is x · p (p captured, size 1), case 1 is sin(x) · t[k mod 5] (t captured and
/// gathered), case 2 is x² (nothing captured); each also returns x + 1 as a second float and k as an integer.
struct DispatchAutodiffProgram {
    var index: [UInt32]
    var mask: [Bool]
    var x: [Float]
    var k: [Int32]
    var w: [Float]
    var t: [Float] = [0.5, -1.25, 2, 0.75, 1.5]
    var p: Float = 1.75

    init(size: Int, seed: UInt64) {
        var random = SplitMix64(seed: seed)
        index = (0..<size).map { _ in UInt32.random(in: 0...3, using: &random) }  // 3: no case
        mask = (0..<size).map { _ in Int.random(in: 0..<10, using: &random) < 8 }
        x = (0..<size).map { _ in Float.random(in: -2...2, using: &random) }
        k = (0..<size).map { _ in Int32.random(in: 0...100, using: &random) }
        w = (0..<size).map { _ in Float.random(in: 0.5...1.5, using: &random) }
    }

    static func caseBody(_ c: Int, _ arguments: Pair<FloatArray, Int32Array>, p: FloatArray,
                         t: FloatArray) -> Pair<[FloatArray], Int32Array> {
        let x = arguments.first
        let value: FloatArray
        switch c {
        case 0: value = x * p
        case 1: value = sin(x) * t.gather(UInt32Array(bitPattern: arguments.second) % 5)
        default: value = x * x
        }
        return Pair(first: [value, x + 1], second: arguments.second)
    }

    /// d/dx, d/dp and d/dt of Σ w · (first result) + Σ (second result) / 2 through the dispatch.
    func gradients() -> (x: [Float], p: [Float], t: [Float]) {
        var x = FloatArray(self.x), p = FloatArray([self.p]), t = FloatArray(self.t)
        x.enableGradient(); p.enableGradient(); t.enableGradient()
        let result = dispatch(UInt32Array(index), count: 3, arguments: Pair(first: x, second: Int32Array(k)),
                              mask: BoolArray(mask)) { c, arguments in
            Self.caseBody(c, arguments, p: p, t: t)
        }
        (result.first[0] * FloatArray(w)).sum().backward()
        (result.first[1] * 0.5).sum().backward()
        return (x.gradient.values, p.gradient.values, t.gradient.values)
    }

    /// The same on the host, in Double.
    var reference: (x: [Double], p: [Double], t: [Double]) {
        var dx = [Double](repeating: 0, count: x.count), dp = 0.0, dt = [Double](repeating: 0, count: 5)
        for lane in x.indices where mask[lane] && index[lane] < 3 {
            let x = Double(self.x[lane]), w = Double(self.w[lane]), slot = Int(k[lane] % 5)
            switch index[lane] {
            case 0: dx[lane] = w * Double(p); dp += w * x
            case 1: dx[lane] = w * cos(x) * Double(t[slot]); dt[slot] += w * sin(x)
            default: dx[lane] = w * 2 * x
            }
            dx[lane] += 0.5
        }
        return (dx, [dp], dt)
    }
}

@Suite("Autodiff through dispatch")
struct DispatchAutodiffTests {
    static let width = HostCPU.hostVectorWidth

    func on<T>(_ variant: Variant, _ body: () -> T) -> T {
        TraceContext.with(CompileOptions(variant: variant, blockSize: 256), body)
    }

    func expectClose(_ actual: [Float], _ expected: [Double], _ label: String) {
        #expect(actual.count == expected.count, "\(label)")
        let scale = max(1, expected.map(abs).max() ?? 1) * Double(max(expected.count, 16)).squareRoot()
        if let lane = Array(zip(actual, expected)).firstIndex(where: { abs(Double($0) - $1) > 2e-5 * scale }) {
            Issue.record("\(label): lane \(lane): \(actual[lane]) vs \(expected[lane])")
        }
    }

    @Test("gradients reach the arguments and the arrays the cases capture", arguments: [1, width + 1, 3000])
    func reverse(size: Int) {
        let program = DispatchAutodiffProgram(size: size, seed: UInt64(size))
        let reference = program.reference
        for variant in Variant.allCases {
            let result = on(variant) { program.gradients() }
            expectClose(result.x, reference.x, "dx \(variant) \(size)")
            expectClose(result.p, reference.p, "dp \(variant) \(size)")
            expectClose(result.t, reference.t, "dt \(variant) \(size)")
        }
    }

    @Test("a differentiable dispatch in a symbolic loop body, differentiated there", arguments: Variant.allCases)
    func inLoop(variant: Variant) {
        // Each lane runs its case `counts[lane]` times on x, x + 0.25, ...; the body seeds the first result with w.
        let program = DispatchAutodiffProgram(size: 700, seed: 11)
        let counts = program.index.indices.map { Int32($0 % 4) }
        var expected = (p: [0.0], t: [Double](repeating: 0, count: 5))
        for lane in program.x.indices where program.mask[lane] && program.index[lane] < 3 {
            for iteration in 0..<Int(counts[lane]) {
                let x = Double(program.x[lane]) + 0.25 * Double(iteration), w = Double(program.w[lane])
                if program.index[lane] == 0 { expected.p[0] += w * x }
                if program.index[lane] == 1 { expected.t[Int(program.k[lane] % 5)] += w * sin(x) }
            }
        }
        let result = on(variant) { () -> ([Float], [Float]) in
            var p = FloatArray([program.p]), t = FloatArray(program.t)
            p.enableGradient(); t.enableGradient()
            let index = UInt32Array(program.index), mask = BoolArray(program.mask), k = Int32Array(program.k)
            let seed = FloatArray(program.w), limit = Int32Array(counts)
            withGradientsSuspended {
                _ = whileLoop(Pair(first: Int32Array(repeating: 0), second: FloatArray(program.x))) {
                    $0.first .< limit
                } body: { state in
                    withGradientsResumed {
                        let value = dispatch(index, count: 3, arguments: Pair(first: state.second, second: k),
                                             mask: mask) { c, arguments in
                            DispatchAutodiffProgram.caseBody(c, arguments, p: p, t: t)
                        }
                        backward([(value.first[0], seed)])
                    }
                    return Pair(first: state.first + 1, second: state.second + 0.25)
                }
            }
            return (p.gradient.values, t.gradient.values)
        }
        expectClose(result.0, expected.p, "dp \(variant)")
        expectClose(result.1, expected.t, "dt \(variant)")
    }

    @Test("the dispatch's derivatives match central finite differences of its primal")
    func finiteDifferences() {
        let program = DispatchAutodiffProgram(size: 300, seed: 21)
        /// Σ w · (first result) + Σ (second result) / 2, in Double, for p and t[1] changed by the given amounts.
        func loss(p dp: Float = 0, t1 dt: Float = 0) -> Double {
            var t = program.t
            t[1] += dt
            let pArray = FloatArray([program.p + dp]), tArray = FloatArray(t)
            let result = dispatch(UInt32Array(program.index), count: 3,
                                  arguments: Pair(first: FloatArray(program.x), second: Int32Array(program.k)),
                                  mask: BoolArray(program.mask)) { c, arguments in
                DispatchAutodiffProgram.caseBody(c, arguments, p: pArray, t: tArray)
            }
            let first = result.first[0].values, second = result.first[1].values
            return zip(first, program.w).reduce(0) { $0 + Double($1.0) * Double($1.1) }
                + second.reduce(0) { $0 + Double($1) / 2 }
        }
        let h: Float = 1e-2
        let numericP = (loss(p: h) - loss(p: -h)) / Double(2 * h)
        let numericT = (loss(t1: h) - loss(t1: -h)) / Double(2 * h)
        let analytic = on(.llvm) { program.gradients() }
        #expect(abs(Double(analytic.p[0]) - numericP) <= 1e-3 * max(1, abs(numericP)), "\(analytic.p[0]) vs \(numericP)")
        #expect(abs(Double(analytic.t[1]) - numericT) <= 1e-3 * max(1, abs(numericT)), "\(analytic.t[1]) vs \(numericT)")
    }

    @Test("forward mode: tangents of the arguments and of captured arrays flow through the cases", arguments: [1, width + 1, 1000])
    func forwardMode(size: Int) {
        let program = DispatchAutodiffProgram(size: size, seed: UInt64(size) + 5)
        // Per lane: d first / d x, d second / d x and d first / d p (0 where no case runs).
        var dx: [Double] = [], dSecond: [Double] = [], dp: [Double] = []
        for lane in program.x.indices {
            let x = Double(program.x[lane]), runs = program.mask[lane] && program.index[lane] < 3
            let t = Double(program.t[Int(program.k[lane] % 5)])
            switch runs ? program.index[lane] : 3 {
            case 0: dx.append(Double(program.p)); dp.append(x)
            case 1: dx.append(cos(x) * t); dp.append(0)
            case 2: dx.append(2 * x); dp.append(0)
            default: dx.append(0); dp.append(0)
            }
            dSecond.append(runs ? 1 : 0)
        }
        for variant in Variant.allCases {
            let (tx, tSecond, tp) = on(variant) { () -> ([Float], [Float], [Float]) in
                var x = FloatArray(program.x), p = FloatArray([program.p])
                x.enableGradient(); p.enableGradient()
                let t = FloatArray(program.t)
                let result = dispatch(UInt32Array(program.index), count: 3,
                                      arguments: Pair(first: x, second: Int32Array(program.k)),
                                      mask: BoolArray(program.mask)) { c, arguments in
                    DispatchAutodiffProgram.caseBody(c, arguments, p: p, t: t)
                }
                x.forward()
                let fromX = (result.first[0].gradient.values, result.first[1].gradient.values)
                p.forward()
                return (fromX.0, fromX.1, result.first[0].gradient.values)
            }
            expectClose(tx, dx, "d first / dx \(variant) \(size)")
            expectClose(tSecond, dSecond, "d second / dx \(variant) \(size)")
            expectClose(tp, dp, "d first / dp \(variant) \(size)")
        }
    }

    @Test("without tracked arrays a dispatch records no derivative")
    func untracked() {
        let program = DispatchAutodiffProgram(size: 40, seed: 2)
        let p = FloatArray([program.p]), t = FloatArray(program.t)
        let result = dispatch(UInt32Array(program.index), count: 3,
                              arguments: Pair(first: FloatArray(program.x), second: Int32Array(program.k))) { c, a in
            DispatchAutodiffProgram.caseBody(c, a, p: p, t: t)
        }
        #expect(!result.first[0].requiresGradient)
    }
}
