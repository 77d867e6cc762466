// Reverse mode inside loop bodies (Mitsuba's `dr.backward_from` in `prb.py`'s loop), against a host reference.
import Foundation
import Testing
@testable import Tracer

/// A loop whose body differentiates a per-iteration expression of captured, gradient-tracked arrays:
/// y = t[(lane + k) mod 7] · q · x + s · x with q = 3p + 1 (size 1) and s = 2v (per lane), seeded with w per lane,
/// while the untracked state goes x ← x/2 + 1/4 for `counts[lane]` iterations.
struct LoopAutodiffProgram {
    var counts: [Int32]
    var x0: [Float]
    var w: [Float]
    var v: [Float]
    var t: [Float]
    var p: Float

    init(size: Int, pattern: TripCountPattern, width: Int) {
        var random = TestRandom(seed: UInt64(size) * 31 + 7)
        counts = pattern.counts(size: size, width: width, seed: 3).map { $0 % 13 }
        x0 = random.floats(size, in: -1...1)
        w = random.floats(size, in: 0.5...1.5)
        v = random.floats(size, in: -1...1)
        t = random.floats(7, in: 0.1...2)
        p = 0.7
    }

    /// (dp, dt, dv) from the Tracer, with `backward` called in the loop body.
    func gradients(mode: LoopMode) -> (p: [Float], t: [Float], v: [Float]) {
        var p = FloatArray([self.p]), t = FloatArray(self.t), v = FloatArray(self.v)
        p.enableGradient(); t.enableGradient(); v.enableGradient()
        let q = p * 3 + 1, s = v * 2
        // Everything per lane is state, so that a compacted loop (whose body sees fewer lanes) fits too.
        let start = LoopAutodiffState(k: Int32Array(repeating: 0), limit: Int32Array(counts),
                                      lane: UInt32Array.arange(counts.count), x: FloatArray(x0), seed: FloatArray(w))
        withGradientsSuspended {
            _ = whileLoop(start, mode: mode) { $0.k .< $0.limit } body: { state in
                withGradientsResumed {
                    // s is per lane: the compacted body reaches it through the lane index.
                    let y = t.gather((state.lane + UInt32Array(bitPattern: state.k)) % 7) * q * state.x
                        + s.gather(state.lane) * state.x
                    backward([(y, state.seed)])
                }
                var next = state
                next.k = state.k + 1
                next.x = state.x * 0.5 + 0.25
                return next
            }
        }
        return (p.gradient.values, t.gradient.values, v.gradient.values)
    }

    /// The same gradients on the host, in Double.
    var reference: (p: [Double], t: [Double], v: [Double]) {
        var dp = 0.0, dt = [Double](repeating: 0, count: 7), dv = [Double](repeating: 0, count: x0.count)
        let q = 3 * Double(p) + 1
        for lane in x0.indices {
            var x = Double(x0[lane])
            for k in 0..<max(Int(counts[lane]), 0) {
                let index = (lane + k) % 7, weight = Double(w[lane])
                dp += Double(t[index]) * 3 * x * weight
                dt[index] += q * x * weight
                dv[lane] += 2 * x * weight
                x = x * 0.5 + 0.25
            }
        }
        return ([dp], dt, dv)
    }
}

/// The state of `LoopAutodiffProgram`'s loop.
struct LoopAutodiffState: TraversableStruct {
    var k: Int32Array
    var limit: Int32Array
    var lane: UInt32Array
    var x: FloatArray
    var seed: FloatArray

    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        k.traverse(&visitor)
        limit.traverse(&visitor)
        lane.traverse(&visitor)
        x.traverse(&visitor)
        seed.traverse(&visitor)
    }
}

@Suite("Autodiff in loops")
struct LoopAutodiffTests {
    static let width = HostCPU.hostVectorWidth
    static let sizes = [1, width - 1, width + 1, 3000]

    func on<T>(_ variant: Variant, _ body: () -> T) -> T {
        TraceContext.with(CompileOptions(variant: variant, blockSize: 256), body)
    }

    func expectClose(_ actual: [Float], _ expected: [Double], _ label: String) {
        #expect(actual.count == expected.count, "\(label)")
        let scale = max(1, expected.map(abs).max() ?? 1)
        for (a, e) in zip(actual, expected) where abs(Double(a) - e) > 2e-5 * scale * Double(max(expected.count, 16)).squareRoot() {
            Issue.record("\(label): \(a) vs \(e)")
            return
        }
    }

    @Test("backward in a loop body reaches leaves, values computed before the loop and gathered arrays",
          arguments: TripCountPattern.allCases, sizes)
    func backwardInBody(pattern: TripCountPattern, size: Int) {
        let program = LoopAutodiffProgram(size: size, pattern: pattern, width: Self.width)
        let reference = program.reference
        for variant in Variant.allCases {
            for mode in [LoopMode.symbolic, .evaluated, .compacted(threshold: 0.5)] {
                let result = on(variant) { program.gradients(mode: mode) }
                let label = "\(variant) \(mode) \(pattern) \(size)"
                expectClose(result.p, reference.p, "dp " + label)
                expectClose(result.t, reference.t, "dt " + label)
                expectClose(result.v, reference.v, "dv " + label)
            }
        }
    }

    @Test("the symbolic loop and its gradient scatter-adds are one kernel", arguments: Variant.allCases)
    func oneKernel(variant: Variant) {
        on(variant) {
            let program = LoopAutodiffProgram(size: 5000, pattern: .random, width: Self.width)
            var t = FloatArray(program.t)
            t.enableGradient()
            let seed = FloatArray(program.w), limit = Int32Array(program.counts)
            let lane = UInt32Array.arange(program.counts.count)
            let context = TraceContext.current
            context.evaluate([t.node, seed.node, limit.node, lane.node])
            let before = context.statistics.kernelsLaunched
            withGradientsSuspended {
                _ = whileLoop(Pair(first: [Int32Array(repeating: 0)], second: FloatArray(program.x0))) {
                    $0.first[0] .< limit
                } body: { state in
                    withGradientsResumed {
                        backward([(t.gather((lane + UInt32Array(bitPattern: state.first[0])) % 7) * state.second, seed)])
                    }
                    return Pair(first: [state.first[0] + 1], second: state.second * 0.5 + 0.25)
                }
            }
            _ = t.gradient.values
            #expect(context.statistics.kernelsLaunched - before == 1)
        }
    }

    @Test("a derivative taken in a loop body matches central finite differences of the loop's result")
    func finiteDifferences() {
        // L = Σ_lanes Σ_k w · t[(lane+k) mod 7] · q · x_k: the sum the seeds weigh, computed by a symbolic loop.
        let program = LoopAutodiffProgram(size: 200, pattern: .random, width: Self.width)
        func loss(p: Float) -> Double {
            var changed = program
            changed.p = p
            let q = FloatArray([p]) * 3 + 1, limit = Int32Array(changed.counts)
            let lane = UInt32Array.arange(changed.counts.count), t = FloatArray(changed.t), w = FloatArray(changed.w)
            let end = whileLoop(Pair(first: [Int32Array(repeating: 0), Int32Array(repeating: 0)],
                                     second: [FloatArray(changed.x0), FloatArray.zeros(changed.counts.count)])) {
                $0.first[0] .< limit
            } body: { state in
                let k = state.first[0], x = state.second[0]
                let y = t.gather((lane + UInt32Array(bitPattern: k)) % 7) * q * x * w
                return Pair(first: [k + 1, k], second: [x * 0.5 + 0.25, state.second[1] + y])
            }
            return end.second[1].values.reduce(0) { $0 + Double($1) }
        }
        let h: Float = 1e-2
        let numeric = (loss(p: program.p + h) - loss(p: program.p - h)) / Double(2 * h)
        let analytic = on(.llvm) { program.gradients(mode: .symbolic).p[0] }
        #expect(abs(Double(analytic) - numeric) <= 1e-3 * max(1, abs(numeric)), "\(analytic) vs \(numeric)")
    }

    @Test("backward in a nested loop reaches arrays computed before the outer loop", arguments: Variant.allCases)
    func nested(variant: Variant) {
        on(variant) {
            // Σ over outer i < n and inner j < i of p · (i + j): dp = Σ_n Σ_i Σ_j (i + j).
            let counts: [Int32] = [0, 1, 3, 5, 2]
            var p = FloatArray([1.5])
            p.enableGradient()
            let limit = Int32Array(counts)
            withGradientsSuspended {
                _ = whileLoop([Int32Array(repeating: 0)]) { $0[0] .< limit } body: { outer in
                    _ = whileLoop([Int32Array(repeating: 0), outer[0]]) { $0[0] .< $0[1] } body: { inner in
                        withGradientsResumed {
                            backward([(p * FloatArray(inner[0] + inner[1]), FloatArray(repeating: 1))])
                        }
                        return [inner[0] + 1, inner[1]]
                    }
                    return [outer[0] + 1]
                }
            }
            let expected = counts.reduce(0) { total, n in
                total + (0..<Int(n)).reduce(0) { sum, i in sum + (0..<i).reduce(0) { $0 + i + $1 } }
            }
            #expect(p.gradient.values == [Float(expected)])
        }
    }

    @Test("backward in a nested loop that reaches the outer body's values stops with a message")
    func nestedReachesOuterBody() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var p = FloatArray([1.5])
            p.enableGradient()
            withGradientsSuspended {
                _ = whileLoop([FloatArray([1, 2])]) { $0[0] .< 4 } body: { outer in
                    let scaled = withGradientsResumed { p * outer[0] }
                    _ = whileLoop([FloatArray(repeating: 0)]) { $0[0] .< 2 } body: { inner in
                        withGradientsResumed { backward([(scaled * inner[0], FloatArray(repeating: 1))]) }
                        return [inner[0] + 1]
                    }
                    return [outer[0] + 1]
                }
            }
        } .map { result in
            let message = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(message.contains("reached an array computed in the enclosing loop's body"))
        }
    }
}

@Suite("Forward mode through loops")
struct LoopForwardModeTests {
    static let width = HostCPU.hostVectorWidth

    func on<T>(_ variant: Variant, _ body: () -> T) -> T {
        TraceContext.with(CompileOptions(variant: variant, blockSize: 256), body)
    }

    /// x ← x · p + sin(x) · t[lane mod 3] for counts[lane] iterations: the tangents of the result with respect to
    /// the initial x (from `x0`) and to the captured p, and the host's.
    struct Program {
        var counts: [Int32]
        var x0: [Float]
        var t: [Float] = [0.25, -0.5, 0.75]
        var p: Float = 0.9

        init(size: Int) {
            counts = TripCountPattern.random.counts(size: size, width: LoopForwardModeTests.width, seed: 9).map { $0 % 9 }
            var random = TestRandom(seed: 17)
            x0 = random.floats(size, in: -1...1)
        }

        /// (d result / d x0 · 1, d result / d p) per lane, by forward mode from each source.
        func tangents(mode: LoopMode) -> (x: [Float], p: [Float]) {
            var x = FloatArray(x0), p = FloatArray([self.p])
            x.enableGradient(); p.enableGradient()
            let t = FloatArray(self.t), limit = Int32Array(counts), lane = UInt32Array.arange(counts.count)
            let end = whileLoop(Pair(first: Int32Array(repeating: 0), second: x), mode: mode) {
                $0.first .< limit
            } body: { state in
                Pair(first: state.first + 1, second: state.second * p + sin(state.second) * t.gather(lane % 3))
            }
            x.forward()
            let dx = end.second.gradient.values
            p.forward()
            return (dx, end.second.gradient.values)
        }

        var reference: (x: [Double], p: [Double]) {
            var dx: [Double] = [], dp: [Double] = []
            for lane in x0.indices {
                var x = Double(x0[lane]), tx = 1.0, tp = 0.0
                let weight = Double(t[lane % 3]), p = Double(self.p)
                for _ in 0..<Int(counts[lane]) {
                    (x, tx, tp) = (x * p + sin(x) * weight, tx * (p + cos(x) * weight), tp * (p + cos(x) * weight) + x)
                }
                dx.append(tx)
                dp.append(tp)
            }
            return (dx, dp)
        }
    }

    @Test("tangents of the state and of captured arrays flow through a symbolic loop", arguments: [1, width + 1, 2000])
    func forward(size: Int) {
        let program = Program(size: size)
        let reference = program.reference
        for variant in Variant.allCases {
            for mode in [LoopMode.symbolic, .evaluated] {
                let result = on(variant) { program.tangents(mode: mode) }
                for (name, actual, expected) in [("dx", result.x, reference.x), ("dp", result.p, reference.p)] {
                    let bad = zip(actual, expected).enumerated().first { abs(Double($0.element.0) - $0.element.1) > 1e-4 * max(1, abs($0.element.1)) }
                    #expect(bad == nil, "\(name) \(variant) \(mode) \(size): lane \(bad?.offset ?? -1) \(bad.map { "\($0.element)" } ?? "")")
                }
            }
        }
    }
}
