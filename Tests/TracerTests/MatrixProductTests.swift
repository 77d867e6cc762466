// The matrix-product op in every form: all transpose combinations and batches against a host reference on both
// backends, the backends bit for bit, derivatives by finite differences, and the scheduler's strategy rules.
import Testing
@testable import Tracer

/// One product to test: its shape, with a readable name.
struct ProductCase: Sendable, CustomTestStringConvertible {
    let product: MatrixProduct
    var testDescription: String { "\(product)" }

    /// Every transpose combination, at batch 1 and 3, for shapes that reach every strategy: k above and below the
    /// lane-wise limit, n a multiple of the vector width and not, and a 1 × 1 result.
    static let all: [ProductCase] = {
        let dimensions = [(5, 7, 3), (4, 33, 20), (3, 32, 12), (1, 1, 9), (6, 16, 17)]
        return dimensions.flatMap { m, n, k in
            [1, 3].flatMap { batch in
                [(false, false), (false, true), (true, false), (true, true)].map { transposeA, transposeB in
                    ProductCase(product: MatrixProduct(m: m, n: n, k: k, batch: batch, transposeA: transposeA,
                                                       transposeB: transposeB))
                }
            }
        }
    }()

    /// C from the stored A and B, in Double, written out from the definition (not from `MatrixProduct`'s indexing).
    static func reference(_ a: [Double], _ b: [Double], _ p: MatrixProduct) -> [Double] {
        var c = [Double](repeating: 0, count: p.cCount)
        for matrix in 0..<p.batch {
            let aBase = matrix * p.m * p.k, bBase = matrix * p.k * p.n
            for row in 0..<p.m {
                for column in 0..<p.n {
                    var sum = 0.0
                    for i in 0..<p.k {
                        let left = p.transposeA ? a[aBase + i * p.m + row] : a[aBase + row * p.k + i]
                        let right = p.transposeB ? b[bBase + column * p.k + i] : b[bBase + i * p.n + column]
                        sum += left * right
                    }
                    c[matrix * p.m * p.n + row * p.n + column] = sum
                }
            }
        }
        return c
    }

    /// Random factors for this product.
    func factors(seed: UInt64) -> (a: [Float], b: [Float]) {
        var random = TestRandom(seed: seed)
        return (random.floats(product.aCount, in: -1...1), random.floats(product.bCount, in: -1...1))
    }
}

@Suite("Matrix product")
struct MatrixProductTests {
    @Test("every transpose combination and batch matches a host reference", arguments: ProductCase.all,
          Variant.allCases)
    func againstReference(c: ProductCase, variant: Variant) {
        let (a, b) = c.factors(seed: UInt64(c.product.cCount + c.product.k))
        TraceContext.with(CompileOptions(variant: variant)) {
            let product = matrixProduct(FloatArray(a), FloatArray(b), c.product)
            let expected = ProductCase.reference(a.map(Double.init), b.map(Double.init), c.product)
            expectClose(product.values, expected, tolerance: 1e-5, "\(c.product)")
            // Used by elementwise code, as a fused product is.
            let fused = product * 2 + 1
            expectClose(fused.values, expected.map { 2 * $0 + 1 }, tolerance: 1e-5, "2 · (\(c.product)) + 1")
        }
    }

    @Test("the LLVM and scalar backends agree bit for bit on every form", arguments: [8, 16])
    func backendsAgree(width: Int) {
        for c in ProductCase.all {
            let (a, b) = c.factors(seed: 7)
            func compute(_ variant: Variant) -> [UInt32] {
                TraceContext.with(CompileOptions(variant: variant, vectorWidth: width, blockSize: 64)) {
                    (matrixProduct(FloatArray(a), FloatArray(b), c.product) + 0.25).values.map(\.bitPattern)
                }
            }
            #expect(compute(.llvm) == compute(.scalar), "\(c.product) at width \(width)")
        }
    }

    @Test("matrix views: op(a) · op(b) with the shapes that follow from the flags", arguments: Variant.allCases)
    func matrixViews(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            // a is 2 × 3, b is 2 × 3: aᵀ · b is 3 × 3 and a · bᵀ is 2 × 2.
            let a = Matrix(FloatArray([1, 2, 3, 4, 5, 6]), rows: 2, columns: 3)
            let b = Matrix(FloatArray([1, 0, 1, 0, 1, 0]), rows: 2, columns: 3)
            let inner = matrixProduct(a, b, transposeB: true)
            #expect(inner.shape == [2, 2])
            #expect(inner.values.values == [4, 2, 10, 5])
            let outer = matrixProduct(a, b, transposeA: true)
            #expect(outer.shape == [3, 3])
            #expect(outer.values.values == [1, 4, 1, 2, 5, 2, 3, 6, 3])
        }
    }
}

// MARK: - Derivatives

enum MatrixProductDerivativeCases {
    /// Every transpose combination at batch 2, followed by a nonlinearity so that the adjoint is not constant.
    static let cases: [DifferentiableCase] = [(false, false), (false, true), (true, false), (true, true)].map {
        transposeA, transposeB in
        let product = MatrixProduct(m: 3, n: 5, k: 4, batch: 2, transposeA: transposeA, transposeB: transposeB)
        var random = TestRandom(seed: transposeA ? (transposeB ? 1 : 2) : (transposeB ? 3 : 4))
        return DifferentiableCase(
            name: "sigmoid(\(product))",
            inputs: [random.floats(product.aCount, in: -1...1), random.floats(product.bCount, in: -1...1)],
            traced: { (v: [FloatArray]) -> FloatArray in sigmoid(matrixProduct(v[0], v[1], product)) },
            reference: { (v: [[Double]]) -> [Double] in
                MatrixReference.sigmoid(ProductCase.reference(v[0], v[1], product))
            })
    }
}

@Suite("Matrix product derivatives")
struct MatrixProductDerivativeTests {
    @Test("reverse mode against finite differences", arguments: MatrixProductDerivativeCases.cases,
          Variant.allCases)
    func reverse(c: DifferentiableCase, variant: Variant) {
        AutodiffDerivativeTests.checkReverse(c, variant: variant)
    }

    @Test("forward mode against finite differences", arguments: MatrixProductDerivativeCases.cases,
          Variant.allCases)
    func forward(c: DifferentiableCase, variant: Variant) {
        AutodiffDerivativeTests.checkForward(c, variant: variant)
    }
}

// MARK: - Scheduling

@Suite("Matrix product scheduling")
struct MatrixProductSchedulingTests {
    /// The strategy each form gets.
    @Test("the strategy follows from the shape")
    func strategies() {
        #expect(MatrixProductStrategy(MatrixProduct(m: 4, n: 8, k: 64, transposeB: true)) == .rowDots)
        #expect(MatrixProductStrategy(MatrixProduct(m: 4, n: 8, k: 64)) == .rowBroadcasts)
        #expect(MatrixProductStrategy(MatrixProduct(m: 4, n: 8, k: 1)) == .lanes)
        #expect(MatrixProductStrategy(MatrixProduct(m: 4, n: 8, k: 64, transposeA: true)) == .lanes)
        #expect(MatrixProductStrategy(MatrixProduct(m: 4, n: 8, k: 64, batch: 2, transposeB: true)) == .lanes)
    }

    @Test("a weight gradient Aᵀ · B is formed inside its consumer's kernel and never stored")
    func gradientFuses() throws {
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let context = TraceContext.current
            var random = TestRandom(seed: 5)
            let dy = FloatArray(random.floats(12 * 64, in: -1...1)), x = FloatArray(random.floats(12 * 48, in: -1...1))
            dy.eval()
            x.eval()
            let gradient = matrixProduct(dy, x, MatrixProduct(m: 64, n: 48, k: 12, transposeA: true))
            let update = FloatArray.zeros(64 * 48) - 0.1 * gradient
            let program = try #require(update.kernelProgram)
            #expect(program.instructions.contains { $0.op == .matrixProduct })
            #expect(program.matrixProducts.map(\.strategy) == [.lanes])
            context.resetStatistics()
            update.eval()
            // One kernel for the update: x was packed by `kernelProgram` (a kernel of its own), the gradient never.
            #expect(context.statistics.kernelsLaunched == 1)
            #expect(context.statistics.allocatedBytes == 64 * 48 * 4)
        }
    }

    @Test("packing a factor is a kernel of its own, shared by every product that reads that factor packed")
    func packingIsAKernel() {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            let context = TraceContext.current
            var random = TestRandom(seed: 6)
            let x = FloatArray(random.floats(3 * 32, in: -1...1)), w = FloatArray(random.floats(8 * 32, in: -1...1))
            let dy = FloatArray(random.floats(3 * 8, in: -1...1))
            for array in [x, w, dy] { array.eval() }
            context.resetStatistics()
            let y = matrixProduct(x, w, MatrixProduct(m: 3, n: 8, k: 32, transposeB: true))
            let gradient = matrixProduct(dy, x, MatrixProduct(m: 8, n: 32, k: 3, transposeA: true))
            eval(y, gradient)
            // The packing of x (once, for both), y's own kernel and the gradient's kernel.
            #expect(context.statistics.kernelsLaunched == 3)
        }
    }

    @Test("a one-element product broadcast into a larger kernel", arguments: Variant.allCases)
    func broadcastScalarProduct(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let dot = matrixProduct(FloatArray([1, 2, 3]), FloatArray([4, 5, 6]), MatrixProduct(m: 1, n: 1, k: 3))
            let sum = FloatArray.arange(20) + dot
            #expect(sum.values == (0..<20).map { Float($0) + 32 })
        }
    }
}
