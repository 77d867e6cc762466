// Matrix products and in-place assignment: values against Double references on both variants, agreement of the
// backends bit for bit, derivatives against finite differences, and the fusion and memory of an Adam-like update.
import Testing
@testable import Tracer

/// Row-major Double references of the products.
enum MatrixReference {
    static func linear(_ x: [Double], _ weight: [Double], _ bias: [Double]?, batch: Int, inFeatures: Int,
                       outFeatures: Int) -> [Double] {
        var y = [Double](repeating: 0, count: batch * outFeatures)
        for b in 0..<batch {
            for o in 0..<outFeatures {
                var sum = bias?[o] ?? 0
                for i in 0..<inFeatures { sum += x[b * inFeatures + i] * weight[o * inFeatures + i] }
                y[b * outFeatures + o] = sum
            }
        }
        return y
    }

    static func matmul(_ a: [Double], _ b: [Double], m: Int, k: Int, n: Int) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for row in 0..<m {
            for column in 0..<n {
                var sum = 0.0
                for j in 0..<k { sum += a[row * k + j] * b[j * n + column] }
                c[row * n + column] = sum
            }
        }
        return c
    }

    static func outerProductSum(_ a: [Double], _ x: [Double], batch: Int, rows: Int, columns: Int) -> [Double] {
        var p = [Double](repeating: 0, count: rows * columns)
        for row in 0..<rows {
            for column in 0..<columns {
                var sum = 0.0
                for b in 0..<batch { sum += a[b * rows + row] * x[b * columns + column] }
                p[row * columns + column] = sum
            }
        }
        return p
    }

    static func sigmoid(_ z: [Double]) -> [Double] { z.map { 1 / (1 + Foundation_exp(-$0)) } }
}

/// Three dimensions of a product, for parameterised tests.
struct ProductShape: Sendable, CustomTestStringConvertible {
    let first: Int, second: Int, third: Int
    init(_ first: Int, _ second: Int, _ third: Int) {
        self.first = first
        self.second = second
        self.third = third
    }
    var testDescription: String { "\(first)×\(second)×\(third)" }
}

func sigmoid(_ z: FloatArray) -> FloatArray { 1 / (1 + exp(-z)) }

/// x · Wᵀ (+ b) through `linearForward` on matrix views, for flat arrays of the given dimensions.
func denseLayer(_ x: FloatArray, weight: FloatArray, bias: FloatArray? = nil, batch: Int, inFeatures: Int,
                outFeatures: Int) -> FloatArray {
    linearForward(Matrix(x, rows: batch, columns: inFeatures),
                  weight: Matrix(weight, rows: outFeatures, columns: inFeatures), bias: bias).values
}

/// a · b for row-major a (m × k) and b (k × n).
func matmul(_ a: FloatArray, _ b: FloatArray, m: Int, k: Int, n: Int) -> FloatArray {
    matrixProduct(a, b, MatrixProduct(m: m, n: n, k: k))
}

/// aᵀ · x for a (batch × rows) and x (batch × columns): a layer's weight gradient.
func outerProductSum(_ a: FloatArray, _ x: FloatArray, batch: Int, rows: Int, columns: Int) -> FloatArray {
    matrixProduct(a, x, MatrixProduct(m: rows, n: columns, k: batch, transposeA: true))
}

@Suite("Linear algebra")
struct LinearAlgebraTests {
    /// (batch, in, out): in not a multiple of the vector width, batch 1, 12, 16 and 17 (tiled).
    static let linearShapes = [ProductShape(1, 5, 3), ProductShape(12, 48, 16), ProductShape(12, 37, 19),
                               ProductShape(17, 64, 33), ProductShape(3, 1, 7), ProductShape(16, 20, 1),
                               ProductShape(30, 33, 9), ProductShape(12, 200, 5)]
    /// (m, k, n).
    static let matmulShapes = [ProductShape(1, 5, 3), ProductShape(12, 7, 40), ProductShape(13, 20, 17),
                               ProductShape(17, 3, 33), ProductShape(2, 1, 1), ProductShape(4, 9, 64)]
    /// (batch, rows, columns): columns a multiple of the vector width (broadcast and vector loads) or not (gathers).
    static let outerShapes = [ProductShape(12, 5, 32), ProductShape(3, 7, 5), ProductShape(1, 4, 16),
                              ProductShape(17, 3, 48), ProductShape(5, 1, 1), ProductShape(4, 9, 1)]

    @Test("linearForward matches a Double reference", arguments: linearShapes, Variant.allCases)
    func linear(shape: ProductShape, variant: Variant) {
        let (batch, inFeatures, outFeatures) = (shape.first, shape.second, shape.third)
        var random = TestRandom(seed: UInt64(batch * 1000 + inFeatures))
        let x = random.floats(batch * inFeatures, in: -1...1)
        let w = random.floats(outFeatures * inFeatures, in: -1...1)
        let b = random.floats(outFeatures, in: -1...1)
        TraceContext.with(CompileOptions(variant: variant)) {
            let plain = denseLayer(FloatArray(x), weight: FloatArray(w), batch: batch, inFeatures: inFeatures,
                                      outFeatures: outFeatures)
            let biased = denseLayer(FloatArray(x), weight: FloatArray(w), bias: FloatArray(b), batch: batch,
                                       inFeatures: inFeatures, outFeatures: outFeatures)
            let xd = x.map(Double.init), wd = w.map(Double.init), bd = b.map(Double.init)
            expectClose(plain.values, MatrixReference.linear(xd, wd, nil, batch: batch, inFeatures: inFeatures,
                                                             outFeatures: outFeatures), tolerance: 1e-5, "x · Wᵀ")
            expectClose(biased.values, MatrixReference.linear(xd, wd, bd, batch: batch, inFeatures: inFeatures,
                                                              outFeatures: outFeatures), tolerance: 1e-5, "x · Wᵀ + b")
        }
    }

    @Test("matmul matches a Double reference", arguments: matmulShapes, Variant.allCases)
    func matrixProduct(shape: ProductShape, variant: Variant) {
        let (m, k, n) = (shape.first, shape.second, shape.third)
        var random = TestRandom(seed: UInt64(m * 1000 + n))
        let a = random.floats(m * k, in: -1...1), b = random.floats(k * n, in: -1...1)
        TraceContext.with(CompileOptions(variant: variant)) {
            let c = matmul(FloatArray(a), FloatArray(b), m: m, k: k, n: n)
            let expected = MatrixReference.matmul(a.map(Double.init), b.map(Double.init), m: m, k: k, n: n)
            expectClose(c.values, expected, tolerance: 1e-5, "a · b")
        }
    }

    @Test("outerProductSum matches a Double reference", arguments: outerShapes, Variant.allCases)
    func outerProducts(shape: ProductShape, variant: Variant) {
        let (batch, rows, columns) = (shape.first, shape.second, shape.third)
        var random = TestRandom(seed: UInt64(batch * 1000 + columns))
        let a = random.floats(batch * rows, in: -1...1), x = random.floats(batch * columns, in: -1...1)
        TraceContext.with(CompileOptions(variant: variant)) {
            let p = outerProductSum(FloatArray(a), FloatArray(x), batch: batch, rows: rows, columns: columns)
            let expected = MatrixReference.outerProductSum(a.map(Double.init), x.map(Double.init), batch: batch,
                                                           rows: rows, columns: columns)
            expectClose(p.values, expected, tolerance: 1e-5, "aᵀ · x")
        }
    }

    @Test("the LLVM and scalar backends agree bit for bit", arguments: [8, 16])
    func backendsAgree(width: Int) {
        var random = TestRandom(seed: 5)
        let x = random.floats(17 * 37, in: -1...1), w = random.floats(21 * 37, in: -1...1)
        let bias = random.floats(21, in: -1...1), dy = random.floats(17 * 21, in: -1...1)
        func compute(_ variant: Variant) -> [[Float]] {
            TraceContext.with(CompileOptions(variant: variant, vectorWidth: width, blockSize: 64)) {
                let y = denseLayer(FloatArray(x), weight: FloatArray(w), bias: FloatArray(bias), batch: 17,
                                      inFeatures: 37, outFeatures: 21)
                let dx = matmul(FloatArray(dy), FloatArray(w), m: 17, k: 21, n: 37)
                let gathered = outerProductSum(FloatArray(dy), FloatArray(x), batch: 17, rows: 21, columns: 37)
                let broadcast = outerProductSum(FloatArray(dy), FloatArray(Array(x.prefix(17 * 32))), batch: 17,
                                                rows: 21, columns: 32)
                return [y.values, dx.values, gathered.values, broadcast.values]
            }
        }
        let llvm = compute(.llvm), scalar = compute(.scalar)
        for (index, (a, b)) in zip(llvm, scalar).enumerated() {
            #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "result \(index) differs between the backends")
        }
    }

    @Test("a product is recorded lazily and what follows it fuses into one kernel")
    func fusionAfterProduct() throws {
        let ir = try TraceContext.with(CompileOptions(variant: .llvm)) { () throws -> String in
            let context = TraceContext.current
            let x = FloatArray((0..<24).map { Float($0) * 0.01 }), w = FloatArray((0..<40).map { Float($0) * 0.02 })
            let y = sigmoid(denseLayer(x, weight: w, batch: 3, inFeatures: 8, outFeatures: 5))
            let z = y * 2 + 1
            #expect(context.statistics.kernelsLaunched == 0)
            let product = denseLayer(x, weight: w, batch: 3, inFeatures: 8, outFeatures: 5)
            #expect(product.kernelProgram?.instructions.map(\.op) == [.matrixProduct])
            let ir = try product.intermediateRepresentation()
            z.eval()
            // Packing x, the product's own kernel, then the sigmoid and what follows.
            #expect(context.statistics.kernelsLaunched == 3)
            return ir
        }
        #expect(ir.contains("llvm.fma"))
    }
}

// MARK: - Derivatives

enum LinearAlgebraCases {
    static let cases: [DifferentiableCase] = {
        var random = TestRandom(seed: 11)
        let (batch, inFeatures, outFeatures) = (3, 5, 4)
        let layer = DifferentiableCase(
            name: "sigmoid(x · Wᵀ + b)",
            inputs: [random.floats(batch * inFeatures, in: -1...1), random.floats(outFeatures * inFeatures, in: -1...1),
                     random.floats(outFeatures, in: -0.5...0.5)],
            traced: { (v: [FloatArray]) -> FloatArray in
                sigmoid(denseLayer(v[0], weight: v[1], bias: v[2], batch: batch, inFeatures: inFeatures,
                                      outFeatures: outFeatures))
            },
            reference: { (v: [[Double]]) -> [Double] in
                MatrixReference.sigmoid(MatrixReference.linear(v[0], v[1], v[2], batch: batch, inFeatures: inFeatures,
                                                               outFeatures: outFeatures))
            })
        let product = DifferentiableCase(
            name: "a · b",
            inputs: [random.floats(3 * 4, in: -1...1), random.floats(4 * 18, in: -1...1)],
            traced: { (v: [FloatArray]) -> FloatArray in matmul(v[0], v[1], m: 3, k: 4, n: 18) * v[1].sum() },
            reference: { (v: [[Double]]) -> [Double] in
                let total = v[1].reduce(0, +)
                return MatrixReference.matmul(v[0], v[1], m: 3, k: 4, n: 18).map { $0 * total }
            })
        let outer = DifferentiableCase(
            name: "aᵀ · x",
            inputs: [random.floats(4 * 3, in: -1...1), random.floats(4 * 16, in: -1...1)],
            traced: { (v: [FloatArray]) -> FloatArray in
                sigmoid(outerProductSum(v[0], v[1], batch: 4, rows: 3, columns: 16))
            },
            reference: { (v: [[Double]]) -> [Double] in
                MatrixReference.sigmoid(MatrixReference.outerProductSum(v[0], v[1], batch: 4, rows: 3, columns: 16))
            })
        return [layer, product, outer]
    }()
}

@Suite("Linear algebra derivatives")
struct LinearAlgebraDerivativeTests {
    @Test("reverse mode against finite differences", arguments: LinearAlgebraCases.cases, Variant.allCases)
    func reverse(c: DifferentiableCase, variant: Variant) {
        AutodiffDerivativeTests.checkReverse(c, variant: variant)
    }

    @Test("forward mode against finite differences", arguments: LinearAlgebraCases.cases, Variant.allCases)
    func forward(c: DifferentiableCase, variant: Variant) {
        AutodiffDerivativeTests.checkForward(c, variant: variant)
    }

    @Test("an untracked input: the weight and bias gradients",
          arguments: Variant.allCases)
    func untrackedInput(variant: Variant) {
        var random = TestRandom(seed: 3)
        let x = random.floats(2 * 6, in: -1...1), w = random.floats(4 * 6, in: -1...1), b = random.floats(4, in: -1...1)
        let weights = random.floats(2 * 4, in: 0.5...1.5)
        TraceContext.with(CompileOptions(variant: variant)) {
            var weight = FloatArray(w), bias = FloatArray(b)
            weight.enableGradient()
            bias.enableGradient()
            let y = sigmoid(denseLayer(FloatArray(x), weight: weight, bias: bias, batch: 2, inFeatures: 6,
                                          outFeatures: 4))
            (y * FloatArray(weights)).sum().backward()
            let reference = { (v: [[Double]]) -> [Double] in
                MatrixReference.sigmoid(MatrixReference.linear(x.map(Double.init), v[0], v[1], batch: 2,
                                                               inFeatures: 6, outFeatures: 4))
            }
            let expected = FiniteDifferences.gradient(of: reference, at: [w.map(Double.init), b.map(Double.init)],
                                                      weights: weights.map(Double.init))
            expectClose(weight.gradient.values, expected[0], "dW")
            expectClose(bias.gradient.values, expected[1], "db")
        }
    }
}

// MARK: - Assignment

@Suite("In-place assignment")
struct AssignmentTests {
    @Test("assign evaluates into the array, reading it at the same lane", arguments: Variant.allCases)
    func values(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            var a = FloatArray([1, 2, 3, 4])
            let storage = a.node.storage
            a.assign(a * 2 + 1)
            #expect(a.values == [3, 5, 7, 9])
            #expect(a.node.storage === storage)
            var z = FloatArray.zeros(5)
            z.assign(FloatArray.arange(5) * 2)
            #expect(z.values == [0, 2, 4, 6, 8])
            z.assign(FloatArray(repeating: 7))
            #expect(z.values == [7, 7, 7, 7, 7])
            a.assign(a + 1)
            let after = a * 10
            #expect(after.values == [40, 60, 80, 100])
        }
    }

    @Test("three assignments of one size are one kernel, and every lane reads the old values",
          arguments: Variant.allCases)
    func oneKernel(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let context = TraceContext.current
            let count = 1000
            var a = FloatArray((0..<count).map { Float($0) }), b = FloatArray((0..<count).map { Float($0) * 0.5 })
            var c = FloatArray.arange(count) + 1
            c.eval()
            context.resetStatistics()
            a.assign(a + b)
            b.assign(b * 2)
            c.assign(FloatArray.arange(count) * 3)
            #expect(context.statistics.kernelsLaunched == 0)
            a.eval()
            #expect(context.statistics.kernelsLaunched == 1)
            #expect(context.statistics.allocatedBytes == 0)
            #expect(a.values == (0..<count).map { Float($0) * 1.5 })
            #expect(b.values == (0..<count).map { Float($0) })
            #expect(c.values == (0..<count).map { Float($0) * 3 })
        }
    }

    @Test("copies and pending arrays computed from the old contents keep them", arguments: Variant.allCases)
    func copyOnWrite(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            var a = FloatArray([1, 2, 3])
            let copy = a
            let pending = a * 3
            a.assign(a + 1)
            #expect(a.values == [2, 3, 4])
            #expect(copy.values == [1, 2, 3])
            #expect(pending.values == [3, 6, 9])
            #expect(TraceContext.current.statistics.allocatedBytes > 0)
        }
    }

    @Test("a source gathered from the target in the same kernel is read before any lane is written",
          arguments: Variant.allCases)
    func gatherFromTarget(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            var a = FloatArray([1, 2, 3, 4])
            a.assign(a.gather(UInt32Array([3, 2, 1, 0])) + a)
            #expect(a.values == [5, 5, 5, 5])
        }
    }

    @Test("a leaf stays a leaf through an update with gradients suspended", arguments: Variant.allCases)
    func leafUpdate(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            var w = FloatArray([1, -2, 3])
            w.enableGradient()
            (w * w).sum().backward()
            withGradientsSuspended { w.assign(w - 0.25 * w.gradient) }
            #expect(w.requiresGradient)
            #expect(w.values == [0.5, -1, 1.5])
            #expect(w.gradient.values == [2, -4, 6])
            w.clearGradient()
            (w * w).sum().backward()
            #expect(w.gradient.values == [1, -2, 3])
        }
    }

    @Test("assigning a tracked value while recording carries its derivative")
    func trackedValue() {
        TraceContext.with(CompileOptions(variant: .scalar)) {
            var x = FloatArray([1, 2])
            x.enableGradient()
            var y = FloatArray.zeros(2)
            y.assign(x * x)
            y.sum().backward()
            #expect(y.values == [1, 4])
            #expect(x.gradient.values == [2, 4])
        }
    }

    @Test("an assignment of the wrong size stops with a message naming both sizes")
    func sizeMismatch() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var a = FloatArray([1, 2])
            a.assign(FloatArray([1, 2, 3]))
        } .map { result in
            let message = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(message.contains("size 3 to an array of size 2"))
        }
    }
}

// MARK: - The optimiser's update

@Suite("Fused Adam-like update")
struct FusedUpdateTests {
    /// One Adam step of `weight` with the gradient `outerProductSum(dy, x)`: W, m and v assigned in place.
    static func adamStep(_ weight: inout FloatArray, _ m: inout FloatArray, _ v: inout FloatArray,
                         dy: FloatArray, x: FloatArray, batch: Int, rows: Int, columns: Int, step: Int) {
        let g = outerProductSum(dy, x, batch: batch, rows: rows, columns: columns)
        let mNew = 0.9 * m + 0.1 * g
        let vNew = 0.999 * v + 0.001 * (g * g)
        let scale = FloatArray.opaque(Float(-1e-2 / (1 - Foundation_pow(0.9, Double(step)))))
        let rootCorrection = FloatArray.opaque(Float((1 - Foundation_pow(0.999, Double(step))).squareRoot()))
        let denominator = sqrt(vNew) / rootCorrection + 1e-8
        weight.assign(weight + scale * mNew / denominator)
        m.assign(mNew)
        v.assign(vNew)
    }

    @Test("W, m and v of a 1024 × 1024 weight update in one kernel with no new buffer of the weight's size")
    func largeUpdate() {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            Self.check(batch: 4, rows: 1024, columns: 1024)
        }
    }

    @Test("the same update on a small weight with gathers, on both variants", arguments: Variant.allCases)
    func smallUpdate(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            Self.check(batch: 3, rows: 24, columns: 20)
        }
    }

    static func check(batch: Int, rows: Int, columns: Int) {
        let context = TraceContext.current
        var random = TestRandom(seed: 17)
        let dyValues = random.floats(batch * rows, in: -1...1), xValues = random.floats(batch * columns, in: -1...1)
        let dy = FloatArray(dyValues), x = FloatArray(xValues)
        var weight = FloatArray.arange(rows * columns) * 1e-6
        weight.eval()
        var m = FloatArray.zeros(rows * columns), v = FloatArray.zeros(rows * columns)
        adamStep(&weight, &m, &v, dy: dy, x: x, batch: batch, rows: rows, columns: columns, step: 1)
        weight.eval()
        let storages = [weight.node.storage, m.node.storage, v.node.storage]
        context.resetStatistics()
        adamStep(&weight, &m, &v, dy: dy, x: x, batch: batch, rows: rows, columns: columns, step: 2)
        weight.eval()
        // The update's kernel, after the small one that packs x; the only new buffer is the packed x.
        #expect(context.statistics.kernelsLaunched == 2)
        #expect(context.statistics.allocatedBytes == (columns + 15) / 16 * 16 * batch * 4)
        #expect(storages[0] === weight.node.storage && storages[1] === m.node.storage
                && storages[2] === v.node.storage)
        // Two steps with the same gradient, in Double.
        let gradient = MatrixReference.outerProductSum(dyValues.map(Double.init), xValues.map(Double.init),
                                                       batch: batch, rows: rows, columns: columns)
        let samples = [0, 1, columns + 3, rows * columns / 2 + 7, rows * columns - 1]
        let weights = weight.values, ms = m.values, vs = v.values
        for lane in samples {
            let g = gradient[lane]
            var (w, mean, square) = (Double(lane) * 1e-6, 0.0, 0.0)
            for step in 1...2 {
                mean = 0.9 * mean + 0.1 * g
                square = 0.999 * square + 0.001 * g * g
                let denominator = square.squareRoot() / (1 - Foundation_pow(0.999, Double(step))).squareRoot() + 1e-8
                w += -1e-2 / (1 - Foundation_pow(0.9, Double(step))) * mean / denominator
            }
            expectClose([weights[lane], ms[lane], vs[lane]], [w, mean, square], tolerance: 1e-4, "lane \(lane)")
        }
    }

    @Test("a recorded forward pass does not pin the weight when its input is untracked")
    func tapeDoesNotPinWeight() {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            let context = TraceContext.current
            var random = TestRandom(seed: 2)
            var weight = FloatArray(random.floats(64 * 64, in: -1...1))
            weight.enableGradient()
            let x = FloatArray(random.floats(3 * 64, in: -1...1))
            let y = sigmoid(denseLayer(x, weight: weight, batch: 3, inFeatures: 64, outFeatures: 64))
            let loss = (y * y).sum()
            loss.backward()
            let before = context.statistics.allocatedBytes
            withGradientsSuspended { weight.assign(weight - 0.1 * weight.gradient) }
            weight.eval()
            // The adjoint of y (3 × 64) is stored; nothing of the weight's size.
            #expect(context.statistics.allocatedBytes - before < 64 * 64 * 4)
            #expect(loss.first > 0)
        }
    }
}
