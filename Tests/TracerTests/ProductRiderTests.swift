// The rider rule: a product A · Bᵀ recorded on a B whose assignment is queued is computed by the assignment's
// kernel, with the bits of the product's own kernel, on both backends; and the cases that must fall back to a flush.
import Testing
@testable import Tracer

@Suite("Products riding on their weight's assignment")
struct ProductRiderTests {
    /// An Adam-like update of a weight (batch 3 of x, out 5, `inFeatures`), its gradient an outer product.
    struct Update {
        let batch = 3, outFeatures = 5
        let inFeatures: Int
        let x: [Float], w: [Float], bias: [Float], dy: [Float], m: [Float]

        init(inFeatures: Int, seed: UInt64) {
            self.inFeatures = inFeatures
            var random = TestRandom(seed: seed)
            x = random.floats(batch * inFeatures, in: -1...1)
            w = random.floats(outFeatures * inFeatures, in: -1...1)
            bias = random.floats(outFeatures, in: -1...1)
            dy = random.floats(batch * outFeatures, in: -1...1)
            m = random.floats(outFeatures * inFeatures, in: -1...1)
        }

        /// Queues W and m's writes (one kernel of W's size).
        func assign(_ weight: inout FloatArray, _ moment: inout FloatArray) {
            let gradient = outerProductSum(FloatArray(dy), FloatArray(x), batch: batch, rows: outFeatures,
                                           columns: inFeatures)
            let newMoment = fma(gradient - moment, FloatArray(repeating: 0.1), moment)
            weight.assign(weight - 0.05 * newMoment / (sqrt(abs(newMoment)) + 0.5))
            moment.assign(newMoment)
        }

        func forward(_ weight: FloatArray, bias: FloatArray?) -> FloatArray {
            denseLayer(FloatArray(x), weight: weight, bias: bias, batch: batch, inFeatures: inFeatures,
                       outFeatures: outFeatures)
        }
    }

    /// Runs the update with a forward recorded before the writes run (riding) or after them (plain), and returns
    /// the forward's values, the new weight and the kernels launched from the update on.
    static func run(_ update: Update, variant: Variant, width: Int, riding: Bool,
                    withBias: Bool = true) -> (y: [Float], w: [Float], kernels: Int) {
        TraceContext.with(CompileOptions(variant: variant, vectorWidth: width, blockSize: 64)) {
            let context = TraceContext.current
            var weight = FloatArray(update.w), moment = FloatArray(update.m)
            let bias = FloatArray(update.bias)
            bias.eval()
            let before = context.statistics.kernelsLaunched
            update.assign(&weight, &moment)
            if !riding { weight.eval() }
            let y = update.forward(weight, bias: withBias ? bias : nil)
            y.eval()
            return (y.values, weight.values, context.statistics.kernelsLaunched - before)
        }
    }

    @Test("the assignment's kernel computes the product, with the bits of the product's own kernel",
          arguments: Variant.allCases, [8, 16])
    func sameBits(variant: Variant, width: Int) {
        for withBias in [true, false] {
            let update = Update(inFeatures: 4 * width, seed: UInt64(width))
            let riding = Self.run(update, variant: variant, width: width, riding: true, withBias: withBias)
            let plain = Self.run(update, variant: variant, width: width, riding: false, withBias: withBias)
            // Both pack x for the gradient and for the product and (with a bias) add it in a kernel of y's size;
            // only the plain one runs the product's own kernel.
            #expect(riding.kernels == plain.kernels - 1, "the update and the product share one kernel")
            #expect(plain.kernels == (withBias ? 5 : 4))
            #expect(riding.y.map(\.bitPattern) == plain.y.map(\.bitPattern))
            #expect(riding.w.map(\.bitPattern) == plain.w.map(\.bitPattern))
        }
    }

    @Test("the backends agree bit for bit on a riding product")
    func backendsAgree() {
        let update = Update(inFeatures: 48, seed: 3)
        let llvm = Self.run(update, variant: .llvm, width: 16, riding: true)
        let scalar = Self.run(update, variant: .scalar, width: 16, riding: true)
        #expect(llvm.y.map(\.bitPattern) == scalar.y.map(\.bitPattern))
        #expect(llvm.kernels == 4 && scalar.kernels == 4)
    }

    @Test("in features that are not whole vectors flush the assignment first", arguments: Variant.allCases)
    func partialVectors(variant: Variant) {
        let update = Update(inFeatures: 37, seed: 7)
        let riding = Self.run(update, variant: variant, width: 16, riding: true)
        let plain = Self.run(update, variant: variant, width: 16, riding: false)
        #expect(riding.kernels == plain.kernels)
        #expect(riding.y.map(\.bitPattern) == plain.y.map(\.bitPattern))
    }

    @Test("the product rides whatever the order of the bias's write; the bias is read updated",
          arguments: Variant.allCases)
    func biasWrites(variant: Variant) {
        let update = Update(inFeatures: 32, seed: 9)
        for biasFirst in [true, false] {
            TraceContext.with(CompileOptions(variant: variant, vectorWidth: 16, blockSize: 64)) {
                var weight = FloatArray(update.w), moment = FloatArray(update.m), bias = FloatArray(update.bias)
                if biasFirst { bias.assign(bias * 2) }
                update.assign(&weight, &moment)
                if !biasFirst { bias.assign(bias * 2) }
                let product = denseLayer(FloatArray(update.x), weight: weight, batch: update.batch,
                                         inFeatures: update.inFeatures, outFeatures: update.outFeatures)
                #expect(!product.node.isEvaluated)
                // The bias's product flushes the queue, which computes the riding product too.
                let y = update.forward(weight, bias: bias)
                #expect(product.node.isEvaluated)
                let expected = update.forward(FloatArray(weight.values), bias: FloatArray(update.bias.map { $0 * 2 }))
                #expect(y.values.map(\.bitPattern) == expected.values.map(\.bitPattern))
            }
        }
    }

    @Test("products of other forms do not ride: A · B on an assigned B flushes at recording")
    func otherFormsFlush() {
        TraceContext.with(CompileOptions(variant: .llvm, vectorWidth: 16)) {
            let context = TraceContext.current
            var weight = FloatArray((0..<32).map(Float.init))
            weight.assign(weight * 2)
            let before = context.statistics.kernelsLaunched
            let y = matrixProduct(FloatArray([1, 1]), weight, MatrixProduct(m: 1, n: 16, k: 2))
            #expect(context.statistics.kernelsLaunched - before == 1)   // the assignment, at recording
            let expected: [Float] = (0..<16).map { j in Float(4 * j + 32) }
            #expect(y.values == expected)
        }
    }

    @Test("a product whose weight is filled, not assigned an array, flushes the fill first")
    func fillFlushes() {
        TraceContext.with(CompileOptions(variant: .llvm, vectorWidth: 16)) {
            let context = TraceContext.current
            var weight = FloatArray((0..<32).map(Float.init))
            weight.assign(FloatArray(repeating: 0.5))
            let before = context.statistics.kernelsLaunched
            let y = denseLayer(FloatArray.arange(16), weight: weight, batch: 1, inFeatures: 16, outFeatures: 2)
            #expect(context.statistics.kernelsLaunched - before == 1)   // the fill, at recording
            #expect(y.values == [60, 60])
        }
    }
}
