// Autodiff on both variants: every derivative rule against central finite differences in Double, reverse against
// forward mode, the gradient API and its scopes, custom operations, fusion of adjoint code, and deterministic
// gradient accumulation.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import Tracer

/// A differentiable program for the finite-difference checks: traced code and the same math in Double.
struct DifferentiableCase: Sendable, CustomTestStringConvertible {
    let name: String
    /// The values of the inputs, which are all gradient-enabled.
    let inputs: [[Float]]
    let traced: @Sendable ([FloatArray]) -> FloatArray
    let reference: @Sendable ([[Double]]) -> [Double]

    var testDescription: String { name }

    /// The inputs as Double.
    var doubleInputs: [[Double]] { inputs.map { $0.map(Double.init) } }

    static let lanes = 13

    static func unary(_ name: String, _ x: [Float], _ traced: @escaping @Sendable (FloatArray) -> FloatArray,
                      _ reference: @escaping @Sendable (Double) -> Double) -> Self {
        Self(name: name, inputs: [x], traced: { (x: [FloatArray]) -> FloatArray in traced(x[0]) },
             reference: { (x: [[Double]]) -> [Double] in x[0].map(reference) })
    }

    static func binary(_ name: String, _ a: [Float], _ b: [Float],
                       _ traced: @escaping @Sendable (FloatArray, FloatArray) -> FloatArray,
                       _ reference: @escaping @Sendable (Double, Double) -> Double) -> Self {
        Self(name: name, inputs: [a, b], traced: { (x: [FloatArray]) -> FloatArray in traced(x[0], x[1]) },
             reference: { (x: [[Double]]) -> [Double] in
                 (0..<Swift.max(x[0].count, x[1].count)).map { i in
                     reference(x[0][x[0].count == 1 ? 0 : i], x[1][x[1].count == 1 ? 0 : i])
                 }
             })
    }
}

// MARK: - The cases

enum AutodiffCases {
    static let n = DifferentiableCase.lanes

    /// One case per elementwise differentiable op.
    static let elementwise: [DifferentiableCase] = {
        var random = TestRandom(seed: 1)
        let any = { (random: inout TestRandom) -> [Float] in random.floats(n, in: -2...2) }
        let positive = { (random: inout TestRandom) -> [Float] in random.floats(n, in: 0.2...4) }
        let a = any(&random)
        let offsets = random.signedFloats(n, magnitude: 0.1...1)
        let b = zip(a, offsets).map { $0 + $1 }   // distinct from a: min and max have no ties
        let c = any(&random)
        let mask = (0..<n).map { $0 % 3 != 0 }
        return [
            .unary("neg", any(&random), { (x: FloatArray) -> FloatArray in -x }, { (x: Double) -> Double in -x }),
            .unary("abs", random.signedFloats(n, magnitude: 0.2...2), { (x: FloatArray) -> FloatArray in abs(x) },
                   { (x: Double) -> Double in Swift.abs(x) }),
            .unary("sqrt", positive(&random), { (x: FloatArray) -> FloatArray in sqrt(x) },
                   { (x: Double) -> Double in x.squareRoot() }),
            .unary("rsqrt", positive(&random), { (x: FloatArray) -> FloatArray in rsqrt(x) },
                   { (x: Double) -> Double in 1 / x.squareRoot() }),
            .unary("rcp", random.signedFloats(n, magnitude: 0.3...3), { (x: FloatArray) -> FloatArray in rcp(x) },
                   { (x: Double) -> Double in 1 / x }),
            .unary("exp", any(&random), { (x: FloatArray) -> FloatArray in exp(x) },
                   { (x: Double) -> Double in Foundation_exp(x) }),
            .unary("log", positive(&random), { (x: FloatArray) -> FloatArray in log(x) },
                   { (x: Double) -> Double in Foundation_log(x) }),
            .unary("sin", random.floats(n, in: -3...3), { (x: FloatArray) -> FloatArray in sin(x) },
                   { (x: Double) -> Double in Foundation_sin(x) }),
            .unary("cos", random.floats(n, in: -3...3), { (x: FloatArray) -> FloatArray in cos(x) },
                   { (x: Double) -> Double in Foundation_cos(x) }),
            .unary("tan", random.floats(n, in: -1.2...1.2), { (x: FloatArray) -> FloatArray in tan(x) },
                   { (x: Double) -> Double in Foundation_tan(x) }),
            .unary("cast Float->Float", any(&random), { (x: FloatArray) -> FloatArray in FloatArray(x) },
                   { (x: Double) -> Double in x }),
            .binary("add", a, c, { (x: FloatArray, y: FloatArray) -> FloatArray in x + y },
                    { (x: Double, y: Double) -> Double in x + y }),
            .binary("sub", a, c, { (x: FloatArray, y: FloatArray) -> FloatArray in x - y },
                    { (x: Double, y: Double) -> Double in x - y }),
            .binary("mul", a, c, { (x: FloatArray, y: FloatArray) -> FloatArray in x * y },
                    { (x: Double, y: Double) -> Double in x * y }),
            .binary("div", a, random.signedFloats(n, magnitude: 0.5...2),
                    { (x: FloatArray, y: FloatArray) -> FloatArray in x / y },
                    { (x: Double, y: Double) -> Double in x / y }),
            .binary("min", a, b, { (x: FloatArray, y: FloatArray) -> FloatArray in min(x, y) },
                    { (x: Double, y: Double) -> Double in Swift.min(x, y) }),
            .binary("max", a, b, { (x: FloatArray, y: FloatArray) -> FloatArray in max(x, y) },
                    { (x: Double, y: Double) -> Double in Swift.max(x, y) }),
            .binary("atan2", c, random.signedFloats(n, magnitude: 0.3...2),
                    { (y: FloatArray, x: FloatArray) -> FloatArray in atan2(y, x) },
                    { (y: Double, x: Double) -> Double in Foundation_atan2(y, x) }),
            .binary("pow", random.floats(n, in: 0.3...3), any(&random),
                    { (x: FloatArray, y: FloatArray) -> FloatArray in pow(x, y) },
                    { (x: Double, y: Double) -> Double in Foundation_pow(x, y) }),
            DifferentiableCase(
                name: "fma", inputs: [a, c, any(&random)],
                traced: { (x: [FloatArray]) -> FloatArray in fma(x[0], x[1], x[2]) },
                reference: { (x: [[Double]]) -> [Double] in (0..<n).map { x[0][$0] * x[1][$0] + x[2][$0] } }),
            DifferentiableCase(
                name: "select", inputs: [a, c],
                traced: { (x: [FloatArray]) -> FloatArray in select(BoolArray(mask), x[0], x[1]) },
                reference: { (x: [[Double]]) -> [Double] in (0..<n).map { mask[$0] ? x[0][$0] : x[1][$0] } }),
        ]
    }()

    /// Gathers and scatters, with repeated, out-of-range and masked-off lanes.
    static let memory: [DifferentiableCase] = {
        var random = TestRandom(seed: 2)
        let gatherIndex: [Int32] = [3, 0, 6, 3, -1, 9, 2, 3, 1, 5, 0, 4, 6]
        let gatherMask = (0..<n).map { $0 != 2 && $0 != 7 }
        let scatterIndex: [UInt32] = [7, 2, 9, 0, 4]
        let scatterMask = [true, true, false, true, true]
        let addIndex: [Int32] = [0, 5, 2, 2, 7, 1, 0, 3, -2, 5, 2, 4, 0]
        let addMask = (0..<n).map { $0 != 5 }
        return [
            DifferentiableCase(
                name: "gather", inputs: [random.floats(7, in: -2...2)],
                traced: { (x: [FloatArray]) -> FloatArray in
                    x[0].gather(Int32Array(gatherIndex), mask: BoolArray(gatherMask))
                },
                reference: { (x: [[Double]]) -> [Double] in
                    (0..<n).map { lane in
                        let i = Int(gatherIndex[lane])
                        return gatherMask[lane] && i >= 0 && i < 7 ? x[0][i] : 0
                    }
                }),
            DifferentiableCase(
                name: "gather (UInt32 index, size-1 source)", inputs: [random.floats(1, in: -2...2)],
                traced: { (x: [FloatArray]) -> FloatArray in x[0].gather(UInt32Array([0, 1, 0, 0, 2])) },
                reference: { (x: [[Double]]) -> [Double] in [x[0][0], 0, x[0][0], x[0][0], 0] }),
            DifferentiableCase(
                name: "scatter", inputs: [random.floats(10, in: -2...2), random.floats(5, in: -2...2)],
                traced: { (x: [FloatArray]) -> FloatArray in
                    var target = x[0]
                    target.scatter(x[1], at: UInt32Array(scatterIndex), mask: BoolArray(scatterMask))
                    return target
                },
                reference: { (x: [[Double]]) -> [Double] in
                    var target = x[0]
                    for lane in 0..<5 where scatterMask[lane] { target[Int(scatterIndex[lane])] = x[1][lane] }
                    return target
                }),
            DifferentiableCase(
                name: "scatterAdd", inputs: [random.floats(6, in: -2...2), random.floats(n, in: -2...2)],
                traced: { (x: [FloatArray]) -> FloatArray in
                    var target = x[0]
                    target.scatterAdd(x[1], at: Int32Array(addIndex), mask: BoolArray(addMask))
                    return target * target
                },
                reference: { (x: [[Double]]) -> [Double] in
                    var target = x[0]
                    for lane in 0..<n where addMask[lane] && addIndex[lane] >= 0 && addIndex[lane] < 6 {
                        target[Int(addIndex[lane])] += x[1][lane]
                    }
                    return target.map { $0 * $0 }
                }),
        ]
    }()

    /// Whole-array and block reductions (distinct values: minima and maxima are unique).
    static let reductions: [DifferentiableCase] = {
        var random = TestRandom(seed: 3)
        let x = random.floats(n, in: -2...2)
        @Sendable func blocks(_ x: [Double], _ combine: ([Double]) -> Double) -> [Double] {
            stride(from: 0, to: x.count, by: 4).map { combine(Array(x[$0..<Swift.min($0 + 4, x.count)])) }
        }
        return [
            DifferentiableCase(name: "sum", inputs: [x],
                               traced: { (x: [FloatArray]) -> FloatArray in x[0].sum() },
                               reference: { (x: [[Double]]) -> [Double] in [x[0].reduce(0, +)] }),
            DifferentiableCase(name: "min", inputs: [x],
                               traced: { (x: [FloatArray]) -> FloatArray in x[0].min() },
                               reference: { (x: [[Double]]) -> [Double] in [x[0].min()!] }),
            DifferentiableCase(name: "max", inputs: [x],
                               traced: { (x: [FloatArray]) -> FloatArray in x[0].max() },
                               reference: { (x: [[Double]]) -> [Double] in [x[0].max()!] }),
            DifferentiableCase(name: "mean", inputs: [x],
                               traced: { (x: [FloatArray]) -> FloatArray in x[0].mean() },
                               reference: { (x: [[Double]]) -> [Double] in [x[0].reduce(0, +) / Double(n)] }),
            DifferentiableCase(name: "blockSum", inputs: [x],
                               traced: { (x: [FloatArray]) -> FloatArray in x[0].blockSum(4) },
                               reference: { (x: [[Double]]) -> [Double] in blocks(x[0]) { $0.reduce(0, +) } }),
            DifferentiableCase(name: "blockTreeSum", inputs: [x],
                               traced: { (x: [FloatArray]) -> FloatArray in x[0].blockTreeSum(4) },
                               reference: { (x: [[Double]]) -> [Double] in blocks(x[0]) { $0.reduce(0, +) } }),
            DifferentiableCase(name: "blockMin", inputs: [x],
                               traced: { (x: [FloatArray]) -> FloatArray in x[0].blockMin(4) },
                               reference: { (x: [[Double]]) -> [Double] in blocks(x[0]) { $0.min()! } }),
            DifferentiableCase(name: "blockMax", inputs: [x],
                               traced: { (x: [FloatArray]) -> FloatArray in x[0].blockMax(4) },
                               reference: { (x: [[Double]]) -> [Double] in blocks(x[0]) { $0.max()! } }),
        ]
    }()

    /// Programs of several ops, including broadcast parameters.
    static let composite: [DifferentiableCase] = {
        var random = TestRandom(seed: 4)
        let x = random.signedFloats(n, magnitude: 0.2...2)
        let y = random.floats(n, in: -1...1)
        return [
            DifferentiableCase(
                name: "broadcast size-1 parameter", inputs: [[0.7], x],
                traced: { (v: [FloatArray]) -> FloatArray in
                    let p = v[0], x = v[1]
                    let scaled = p * x + sin(p) * x * x
                    return select(x .> 0, scaled, min(p, x))
                },
                reference: { (v: [[Double]]) -> [Double] in
                    let p = v[0][0]
                    return v[1].map { x in x > 0 ? p * x + Foundation_sin(p) * x * x : Swift.min(p, x) }
                }),
            DifferentiableCase(
                name: "chain of transcendentals", inputs: [x, y],
                traced: { (v: [FloatArray]) -> FloatArray in
                    let x = v[0], y = v[1]
                    let wave = exp(sin(x) * y) / (1 + x * x)
                    let radius = sqrt(x * x + y * y) * atan2(y, x)
                    let power = pow(abs(x) + 1, y)
                    return wave + radius - power * rsqrt(x * x + 0.5)
                },
                reference: { (v: [[Double]]) -> [Double] in
                    zip(v[0], v[1]).map { x, y in
                        let wave = Foundation_exp(Foundation_sin(x) * y) / (1 + x * x)
                        let radius = (x * x + y * y).squareRoot() * Foundation_atan2(y, x)
                        let power = Foundation_pow(Swift.abs(x) + 1, y)
                        return wave + radius - power / (x * x + 0.5).squareRoot()
                    }
                }),
            denseLayer(&random),
            bilinearLookup(&random),
            scatterThenGather(&random),
        ]
    }()

    /// sigmoid(W x + b) with W 3x5, the product formed with a gather and a block sum.
    static func denseLayer(_ random: inout TestRandom) -> DifferentiableCase {
        DifferentiableCase(
            name: "dense layer", inputs: [random.floats(15, in: -1...1), random.floats(5, in: -1...1),
                                          random.floats(3, in: -0.5...0.5)],
            traced: { (v: [FloatArray]) -> FloatArray in
                let lane = UInt32Array.arange(15)
                let column = lane - (lane / 5) * 5
                let products = v[0] * v[1].gather(column)
                let z = products.blockSum(5) + v[2]
                return 1 / (1 + exp(-z))
            },
            reference: { (v: [[Double]]) -> [Double] in
                (0..<3).map { row in
                    var z = v[2][row]
                    for column in 0..<5 { z += v[0][row * 5 + column] * v[1][column] }
                    return 1 / (1 + Foundation_exp(-z))
                }
            })
    }

    /// Bilinear lookups into a 4x4 texture with wrap-around, differentiated in the texture and the coordinates.
    static func bilinearLookup(_ random: inout TestRandom) -> DifferentiableCase {
        DifferentiableCase(
            name: "bilinear lookup", inputs: [random.floats(16, in: 0...1), random.floats(n, in: 0.02...0.98),
                                              random.floats(n, in: 0.02...0.98)],
            traced: { (v: [FloatArray]) -> FloatArray in
                let texture = v[0]
                let x = v[1] * 4 - 0.5
                let y = v[2] * 4 - 0.5
                let x0 = floor(x), y0 = floor(y)
                let wx = x - x0, wy = y - y0
                let ix = Int32Array(x0), iy = Int32Array(y0)
                let ix0 = (ix + 4) & 3, ix1 = (ix + 5) & 3
                let iy0 = ((iy + 4) & 3) * 4, iy1 = ((iy + 5) & 3) * 4
                let top = texture.gather(iy0 + ix0) * (1 - wx) + texture.gather(iy0 + ix1) * wx
                let bottom = texture.gather(iy1 + ix0) * (1 - wx) + texture.gather(iy1 + ix1) * wx
                return top * (1 - wy) + bottom * wy
            },
            reference: { (v: [[Double]]) -> [Double] in
                (0..<n).map { lane in
                    let x = v[1][lane] * 4 - 0.5, y = v[2][lane] * 4 - 0.5
                    let x0 = x.rounded(.down), y0 = y.rounded(.down)
                    let wx = x - x0, wy = y - y0
                    let ix0 = (Int(x0) + 4) & 3, ix1 = (Int(x0) + 5) & 3
                    let iy0 = ((Int(y0) + 4) & 3) * 4, iy1 = ((Int(y0) + 5) & 3) * 4
                    let t = v[0]
                    let top = t[iy0 + ix0] * (1 - wx) + t[iy0 + ix1] * wx
                    let bottom = t[iy1 + ix0] * (1 - wx) + t[iy1 + ix1] * wx
                    return top * (1 - wy) + bottom * wy
                }
            })
    }

    /// Values scattered into an untracked buffer, gathered back in another order and reduced in blocks.
    static func scatterThenGather(_ random: inout TestRandom) -> DifferentiableCase {
        let permutation: [UInt32] = [5, 2, 7, 0, 3, 6, 1, 4]
        let readBack: [UInt32] = [1, 1, 4, 0, 7, 2, 2, 6, 5, 3, 0, 7]
        return DifferentiableCase(
            name: "scatter then gather", inputs: [random.floats(8, in: -1...1), random.floats(12, in: -1...1)],
            traced: { (v: [FloatArray]) -> FloatArray in
                var buffer = FloatArray.zeros(8)
                buffer.scatter(v[0] * v[0], at: UInt32Array(permutation))
                let read = buffer.gather(UInt32Array(readBack)) * v[1]
                return read.blockMax(3) + read.blockSum(4).sum()
            },
            reference: { (v: [[Double]]) -> [Double] in
                var buffer = [Double](repeating: 0, count: 8)
                for lane in 0..<8 { buffer[Int(permutation[lane])] = v[0][lane] * v[0][lane] }
                let read = (0..<12).map { buffer[Int(readBack[$0])] * v[1][$0] }
                let total = read.reduce(0, +)
                return stride(from: 0, to: 12, by: 3).map { read[$0..<$0 + 3].max()! + total }
            })
    }
}

// Double math under distinct names: inside closures that also see the traced overloads, these keep type checking
// fast and unambiguous.
func Foundation_exp(_ x: Double) -> Double { exp(x) }
func Foundation_log(_ x: Double) -> Double { log(x) }
func Foundation_sin(_ x: Double) -> Double { sin(x) }
func Foundation_cos(_ x: Double) -> Double { cos(x) }
func Foundation_tan(_ x: Double) -> Double { tan(x) }
func Foundation_atan2(_ y: Double, _ x: Double) -> Double { atan2(y, x) }
func Foundation_pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
func Foundation_erf(_ x: Double) -> Double { erf(x) }

// MARK: - Derivatives against finite differences

@Suite("Autodiff derivatives")
struct AutodiffDerivativeTests {
    /// Reverse mode: the gradient of sum_k w_k f_k against central differences of the Double reference.
    static func checkReverse(_ c: DifferentiableCase, variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            var inputs = c.inputs.map { FloatArray($0) }
            for i in inputs.indices { inputs[i].enableGradient() }
            let output = c.traced(inputs)
            var random = TestRandom(seed: 99)
            let weights = random.floats(output.count, in: 0.5...1.5)
            let loss = (output * FloatArray(weights)).sum()
            loss.backward()
            let expected = FiniteDifferences.gradient(of: c.reference, at: c.doubleInputs,
                                                      weights: weights.map(Double.init))
            for i in inputs.indices {
                expectClose(inputs[i].gradient.values, expected[i], "\(c.name) (\(variant)): d/d input \(i)")
            }
        }
    }

    /// Forward mode: the tangent of f in a random direction of each input against directional differences.
    static func checkForward(_ c: DifferentiableCase, variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            var inputs = c.inputs.map { FloatArray($0) }
            for i in inputs.indices { inputs[i].enableGradient() }
            let output = c.traced(inputs)
            var random = TestRandom(seed: 7)
            for i in inputs.indices {
                let direction = random.floats(inputs[i].count, in: -1...1)
                inputs[i].forward(tangent: FloatArray(direction))
                var directions = c.inputs.map { [Double](repeating: 0, count: $0.count) }
                directions[i] = direction.map(Double.init)
                let expected = FiniteDifferences.directional(of: c.reference, at: c.doubleInputs,
                                                             direction: directions)
                expectClose(output.gradient.values, expected, "\(c.name) (\(variant)): tangent from input \(i)")
            }
        }
    }

    @Test("elementwise ops, reverse mode", arguments: AutodiffCases.elementwise, Variant.allCases)
    func elementwiseReverse(c: DifferentiableCase, variant: Variant) {
        Self.checkReverse(c, variant: variant)
    }

    @Test("elementwise ops, forward mode", arguments: AutodiffCases.elementwise, Variant.allCases)
    func elementwiseForward(c: DifferentiableCase, variant: Variant) {
        Self.checkForward(c, variant: variant)
    }

    @Test("gather and scatter, reverse mode", arguments: AutodiffCases.memory, Variant.allCases)
    func memoryReverse(c: DifferentiableCase, variant: Variant) {
        Self.checkReverse(c, variant: variant)
    }

    @Test("gather and scatter, forward mode", arguments: AutodiffCases.memory, Variant.allCases)
    func memoryForward(c: DifferentiableCase, variant: Variant) {
        Self.checkForward(c, variant: variant)
    }

    @Test("reductions, reverse mode", arguments: AutodiffCases.reductions, Variant.allCases)
    func reductionsReverse(c: DifferentiableCase, variant: Variant) {
        Self.checkReverse(c, variant: variant)
    }

    @Test("reductions, forward mode", arguments: AutodiffCases.reductions, Variant.allCases)
    func reductionsForward(c: DifferentiableCase, variant: Variant) {
        Self.checkForward(c, variant: variant)
    }

    @Test("composite programs, reverse mode", arguments: AutodiffCases.composite, Variant.allCases)
    func compositeReverse(c: DifferentiableCase, variant: Variant) {
        Self.checkReverse(c, variant: variant)
    }

    @Test("composite programs, forward mode", arguments: AutodiffCases.composite, Variant.allCases)
    func compositeForward(c: DifferentiableCase, variant: Variant) {
        Self.checkForward(c, variant: variant)
    }

    /// <w, J v> computed by reverse mode (w^T J, then with v) and by forward mode (J v, then with w) must agree.
    @Test("reverse and forward mode agree: <w, J v> both ways", arguments: AutodiffCases.composite, Variant.allCases)
    func reverseMatchesForward(c: DifferentiableCase, variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            var inputs = c.inputs.map { FloatArray($0) }
            for i in inputs.indices { inputs[i].enableGradient() }
            let output = c.traced(inputs)
            var random = TestRandom(seed: 11)
            let w = random.floats(output.count, in: -1...1)
            let directions = inputs.map { random.floats($0.count, in: -1...1) }
            (output * FloatArray(w)).sum().backward()
            var reverse = 0.0
            for i in inputs.indices {
                for (g, v) in zip(inputs[i].gradient.values, directions[i]) { reverse += Double(g) * Double(v) }
            }
            var forward = 0.0
            for i in inputs.indices {
                inputs[i].forward(tangent: FloatArray(directions[i]))
                for (t, weight) in zip(output.gradient.values, w) { forward += Double(t) * Double(weight) }
            }
            #expect(Swift.abs(reverse - forward) <= 1e-4 * Swift.max(1, Swift.abs(reverse)),
                    "\(c.name) (\(variant)): reverse \(reverse), forward \(forward)")
        }
    }
}

// MARK: - The gradient API

@Suite("Autodiff API")
struct AutodiffAPITests {
    @Test("backward from a scalar loss seeds 1; gradients accumulate over calls", arguments: Variant.allCases)
    func scalarLoss(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            var x = FloatArray([1, 2, 3])
            x.enableGradient()
            #expect(x.requiresGradient)
            let loss = (x * x).sum()
            #expect(loss.requiresGradient)
            loss.backward()
            #expect(x.gradient.values == [2, 4, 6])
            loss.backward()
            #expect(x.gradient.values == [4, 8, 12])
            // Enabling again keeps the leaf and its gradient.
            x.enableGradient()
            #expect(x.gradient.values == [4, 8, 12])
        }
    }

    @Test("backward from a given adjoint array, and from several outputs at once", arguments: Variant.allCases)
    func givenAdjoint(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            var x = FloatArray([1, 2, 3])
            x.enableGradient()
            let y = x * x
            y.backward(seed: FloatArray([1, 10, 100]))
            #expect(x.gradient.values == [2, 40, 600])
            x.clearGradient()
            let z = x * 3
            backward([(y, FloatArray([1, 1, 1])), (z, FloatArray([2, 0, 1]))])
            #expect(x.gradient.values == [8, 4, 9])
        }
    }

    @Test("set, read and clear gradients", arguments: Variant.allCases)
    func setAndClear(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            var x = FloatArray([1, 2])
            #expect(x.gradient.values == [0, 0])
            x.enableGradient()
            #expect(x.gradient.values == [0, 0])
            x.gradient = FloatArray([5, 6])
            #expect(x.gradient.values == [5, 6])
            #expect(!x.gradient.requiresGradient)
            (x * 2).sum().backward()
            #expect(x.gradient.values == [7, 8])
            x.clearGradient()
            #expect(x.gradient.values == [0, 0])
            x.gradient = FloatArray([3])
            #expect(x.gradient.values == [3, 3])
        }
    }

    @Test("a size-1 parameter used with size-n arrays receives the summed adjoint", arguments: Variant.allCases)
    func broadcasting(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            var p = FloatArray([2])
            p.enableGradient()
            let x = FloatArray([1, 2, 3, 4])
            let y = p * x + p
            #expect(y.count == 4)
            y.sum().backward()
            #expect(p.gradient.count == 1)
            #expect(p.gradient.values == [1 + 2 + 3 + 4 + 4])
            // A size-1 seed for a size-n output broadcasts too.
            p.clearGradient()
            y.backward(seed: FloatArray([0.5]))
            #expect(p.gradient.values == [7])
        }
    }

    @Test("detach cuts the tape; non-differentiable ops cut it too", arguments: Variant.allCases)
    func detach(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            var x = FloatArray([1.5, -2.5])
            x.enableGradient()
            let detached = x.detached()
            #expect(!detached.requiresGradient)
            #expect(detached.values == x.values)
            #expect(!floor(x).requiresGradient)
            let y = detached * x + floor(x) * x
            y.sum().backward()
            #expect(x.gradient.values == [1.5 + 1, -2.5 - 3])
        }
    }

    @Test("a suspended scope records nothing; a resumed scope inside it records", arguments: Variant.allCases)
    func scopes(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let context = TraceContext.current
            var x = FloatArray([1, 2, 3])
            x.enableGradient()
            #expect(context.isRecordingGradients)
            let (suspended, resumed, suspendedAgain) = withGradientsSuspended {
                () -> (FloatArray, FloatArray, FloatArray) in
                #expect(!context.isRecordingGradients)
                let inner = withGradientsResumed { () -> FloatArray in
                    #expect(context.isRecordingGradients)
                    return x * 3
                }
                #expect(!context.isRecordingGradients)
                return (x * 2, inner, x * 5)
            }
            #expect(context.isRecordingGradients)
            #expect(!suspended.requiresGradient)
            #expect(!suspendedAgain.requiresGradient)
            #expect(resumed.requiresGradient)
            (suspended + resumed + suspendedAgain).sum().backward()
            #expect(x.gradient.values == [3, 3, 3])
        }
    }

    @Test("pow of a negative base with a constant exponent has finite derivatives in both modes",
          arguments: Variant.allCases)
    func powConstantExponent(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            var x = FloatArray([-2, -1.5, 3])
            x.enableGradient()
            let y = pow(x, FloatArray([2]))
            y.sum().backward()
            #expect(x.gradient.values == [-4, -3, 6])
            x.forward()
            #expect(y.gradient.values == [-4, -3, 6])
        }
    }

    @Test("backward itself records nothing on the tape")
    func adjointsAreUntaped() {
        TraceContext.with(CompileOptions(variant: .scalar)) {
            var x = FloatArray([1, 2])
            x.enableGradient()
            (sin(x) * x).sum().backward()
            #expect(!x.gradient.requiresGradient)
            #expect(TraceContext.current.isRecordingGradients)
        }
    }

    @Test("forward mode gives tangents of every array computed from the input", arguments: Variant.allCases)
    func forwardMode(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            var x = FloatArray([1, 2, 3])
            x.enableGradient()
            var y = FloatArray([4, 5, 6])
            y.enableGradient()
            let a = x * x
            let b = a * y
            let unrelated = y * 2
            x.forward()
            #expect(x.gradient.values == [1, 1, 1])
            #expect(a.gradient.values == [2, 4, 6])
            #expect(b.gradient.values == [8, 20, 36])
            #expect(unrelated.gradient.values == [0, 0, 0])
            y.forward(tangent: FloatArray([1, 0, 2]))
            #expect(b.gradient.values == [1, 0, 18])
            #expect(unrelated.gradient.values == [2, 0, 4])
            #expect(a.gradient.values == [0, 0, 0])
        }
    }
}

// MARK: - Custom operations

@Suite("Autodiff custom operations")
struct AutodiffCustomOperationTests {
    /// erf computed outside the traced world by the C library's `erff`, lane by lane, as one graph node.
    static func erf(_ x: FloatArray, forwardMode: Bool = true) -> FloatArray {
        let derivative = { (x: FloatArray) -> FloatArray in 1.1283791671 * exp(-(x * x)) }
        let input = x.detached()
        let tangent: (([FloatArray?]) -> FloatArray?)? = forwardMode
            ? { (tangents: [FloatArray?]) -> FloatArray? in tangents[0].map { $0 * derivative(input) } }
            : nil
        return customOperation(
            [x],
            compute: { (inputs: [FloatArray]) -> FloatArray in FloatArray(inputs[0].values.map { erff($0) }) },
            backward: { (adjoint: FloatArray) -> [FloatArray?] in [adjoint * derivative(input)] },
            tangent: tangent)
    }

    @Test("a C function joins a traced program as one node, with a closure as its backward",
          arguments: Variant.allCases)
    func cFunction(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let values: [Float] = [-1.5, -0.3, 0.2, 0.9, 2.0]
            var x = FloatArray(values)
            x.enableGradient()
            let scaled = x * 0.8
            let y = Self.erf(scaled)
            #expect(y.requiresGradient)
            #expect(y.node.op == .buffer && y.node.operands.isEmpty)
            #expect(y.tape?.custom != nil)
            #expect(y.tape?.parents.first??.result === scaled.node)
            let loss = (y * 3 + x).sum()
            expectClose(y.values, values.map { Foundation_erf(Double($0) * 0.8) }, tolerance: 1e-6, "erf values")
            loss.backward()
            let reference = { (v: [[Double]]) -> [Double] in [v[0].reduce(0) { $0 + 3 * Foundation_erf(0.8 * $1) + $1 }] }
            let expected = FiniteDifferences.gradient(of: reference, at: [values.map(Double.init)], weights: [1])
            expectClose(x.gradient.values, expected[0], "d loss / d x through erff")
            // Forward mode through the custom operation's tangent closure.
            x.forward()
            let tangents = FiniteDifferences.directional(
                of: { (v: [[Double]]) -> [Double] in v[0].map { Foundation_erf(0.8 * $0) } },
                at: [values.map(Double.init)], direction: [values.map { _ in 1 }])
            expectClose(y.gradient.values, tangents, "tangent through erff")
        }
    }

    @Test("custom operations of several inputs: gradients reach only tracked inputs", arguments: Variant.allCases)
    func severalInputs(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            var a = FloatArray([1, 2, 3])
            a.enableGradient()
            let b = FloatArray([4, 5, 6])
            let product = customOperation(
                [a, b],
                compute: { (v: [FloatArray]) -> FloatArray in
                    FloatArray(zip(v[0].values, v[1].values).map { $0 * $1 })
                },
                backward: { (g: FloatArray) -> [FloatArray?] in [g * b, g * a.detached()] })
            (product * product).sum().backward()
            #expect(a.gradient.values == [32, 100, 216])
            // Suspended, a custom operation records nothing.
            let untracked = withGradientsSuspended {
                customOperation([a], compute: { (v: [FloatArray]) -> FloatArray in v[0] * 2 },
                                backward: { (g: FloatArray) -> [FloatArray?] in [g * 2] })
            }
            #expect(!untracked.requiresGradient)
        }
    }

    @Test("a custom operation inside a larger program runs its backward once per backward pass")
    func insideProgram() {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            var x = FloatArray([0.1, 0.4, -0.7])
            x.enableGradient()
            final class Counter: @unchecked Sendable { var calls = 0 }
            let counter = Counter()
            let doubled = customOperation(
                [sin(x)],
                compute: { (v: [FloatArray]) -> FloatArray in v[0] * 2 },
                backward: { (g: FloatArray) -> [FloatArray?] in
                    counter.calls += 1
                    return [g * 2]
                })
            let loss = (doubled * x).sum()
            loss.backward()
            #expect(counter.calls == 1)
            let values: [Float] = [0.1, 0.4, -0.7]
            let expected = values.map { Double(2 * cosf($0) * $0 + 2 * sinf($0)) }
            expectClose(x.gradient.values, expected, tolerance: 1e-5, "d/dx 2 sin(x) x")
        }
    }
}

// MARK: - Fusion, caching and determinism of adjoint code

@Suite("Autodiff kernels")
struct AutodiffKernelTests {
    /// 20 elementwise ops of x in [0, 1).
    static func twentyOps(_ x: FloatArray) -> FloatArray {
        var y = x * 1.5 + 0.25                  // 2
        y = sin(y) * y + cos(x)                 // 6
        y = exp(-(y * y)) + y                   // 10
        y = sqrt(y * y + 1) * rcp(x + 2)        // 16
        y = max(y, x) - min(y, x * 0.5)         // 20
        return y
    }

    @Test("the backward of a 20-op program is one kernel, and a second backward compiles nothing",
          arguments: [(Variant.llvm, 1_000_000), (Variant.scalar, 10_000)])
    func oneKernel(variant: Variant, count: Int) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let context = TraceContext.current
            func gradient(seed: UInt64) -> (FloatArray, FloatArray) {
                var random = TestRandom(seed: seed)
                var x = FloatArray(random.floats(count, in: 0...1))
                x.enableGradient()
                let y = Self.twentyOps(x)
                y.sum().backward()
                return (x, y)
            }
            let (x, y) = gradient(seed: 1)
            let before = context.statistics
            let reverse = x.gradient
            reverse.eval()
            #expect(context.statistics.kernelsLaunched == before.kernelsLaunched + 1)
            let compiled = context.statistics.kernelsCompiled
            let (x2, _) = gradient(seed: 2)
            let launched = context.statistics.kernelsLaunched
            x2.gradient.eval()
            #expect(context.statistics.kernelsLaunched == launched + 1)
            #expect(context.statistics.kernelsCompiled == compiled)
            // For a lane-wise program, the reverse gradient with seed 1 equals the forward tangent with tangent 1.
            x.forward()
            let forward = y.gradient.values
            let backward = reverse.values
            let differing = zip(backward, forward).filter { Swift.abs($0 - $1) > 1e-4 * Swift.max(1, Swift.abs($1)) }
            #expect(differing.isEmpty, "\(differing.count) lanes differ, e.g. \(differing.prefix(3))")
        }
    }

    @Test("the adjoints of several gathers from one source are one scatter-add kernel", arguments: Variant.allCases)
    func gathersShareOneScatter(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let context = TraceContext.current
            var source = FloatArray([1, 2, 3, 4, 5, 6, 7, 8])
            source.enableGradient()
            let lane = UInt32Array.arange(100)
            var total = FloatArray.zeros(100)
            for k in 0..<4 {
                let index = (lane * UInt32(k + 1) + UInt32(k)) & 7
                total = total + source.gather(index) * Float(k + 1)
            }
            total.sum().backward()
            let before = context.statistics
            let gradient = source.gradient.values
            #expect(context.statistics.kernelsLaunched == before.kernelsLaunched + 1)
            var expected = [Float](repeating: 0, count: 8)
            for i in 0..<100 {
                for k in 0..<4 { expected[(i * (k + 1) + k) & 7] += Float(k + 1) }
            }
            #expect(gradient == expected)
        }
    }

    /// A bilinear-lookup-like accumulation: 4 weighted gathers per lane from a parameter of 10^6 elements.
    static func accumulatedGradient(lanes: Int, parameterSize: Int, threads: Int) -> [UInt32] {
        TraceContext.with(CompileOptions(variant: .llvm, threadCount: threads)) {
            var parameter = FloatArray.zeros(parameterSize) + FloatArray.arange(parameterSize) * 1e-6
            parameter.eval()
            parameter.enableGradient()
            // Lane hashes give pseudo-random indices and weights without host-side loops.
            let lane = UInt32Array.arange(lanes)
            let hash = (lane * 2_654_435_761) ^ ((lane * 2_246_822_519) >> 13)
            let base = hash - (hash / UInt32(parameterSize - 1)) * UInt32(parameterSize - 1)
            let weight = FloatArray(hash & 0xffff) * (1 / 65536) + 0.5
            var lookup = FloatArray.zeros(lanes)
            for (k, offset) in [0, 1, 0, 1].enumerated() {
                let index = base + UInt32(offset)
                let w = k < 2 ? weight : 1 - weight
                lookup = lookup + parameter.gather(index) * w
            }
            lookup.sum().backward()
            return parameter.gradient.values.map(\.bitPattern)
        }
    }

    // 10^7 lanes into 10^6 elements: the gradient kernel itself takes well under a second even in a debug build;
    // the three runs share one compiled kernel.
    @Test("scatter-add gradient accumulation is bitwise the same with 1, 2 and 4 threads")
    func deterministicAccumulation() {
        let lanes = 10_000_000, size = 1_000_000
        let one = Self.accumulatedGradient(lanes: lanes, parameterSize: size, threads: 1)
        let two = Self.accumulatedGradient(lanes: lanes, parameterSize: size, threads: 2)
        let four = Self.accumulatedGradient(lanes: lanes, parameterSize: size, threads: 4)
        #expect(one.count == size)
        #expect(one == two)
        #expect(one == four)
        // Each lane contributes weights summing to 2 (w + w + (1-w) + (1-w)).
        let total = one.reduce(0.0) { $0 + Double(Float(bitPattern: $1)) }
        #expect(Swift.abs(total - 2 * Double(lanes)) <= 1e-3 * 2 * Double(lanes))
    }
}
