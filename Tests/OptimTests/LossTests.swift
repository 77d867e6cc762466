// L1 and MSE losses (mean reduction): values and gradients as PyTorch defines them.

import Testing
import Tracer
import Optim

@Suite("Losses")
struct LossTests {
    let prediction: [Float] = [0.5, -1, 2, 3, 0.25, -0.75]
    let target: [Float] = [1, -1, 0, 3.5, 0.25, 1]

    @Test("L1: mean |p - t|, gradient sign(p - t) / n with 0 where p == t", arguments: Variant.allCases)
    func l1(variant: Variant) {
        inFreshContext(variant) {
            var p = FloatArray(prediction)
            p.enableGradient()
            var t = FloatArray(target)
            t.enableGradient()
            let loss = l1Loss(p, t)
            #expect(loss.count == 1)
            // |−0.5| + 0 + 2 + 0.5 + 0 + 1.75 = 4.75, over 6.
            #expect(Swift.abs(loss.first - 4.75 / 6) < 1e-7)
            loss.backward()
            let n = Float(prediction.count)
            #expect(p.gradient.values == [-1 / n, 0, 1 / n, -1 / n, 0, -1 / n])
            #expect(t.gradient.values == [1 / n, 0, -1 / n, 1 / n, 0, 1 / n])
            #expect(L1Loss()(FloatArray(prediction), FloatArray(target)).first == loss.first)
        }
    }

    @Test("MSE: mean (p - t)^2, gradient 2 (p - t) / n", arguments: Variant.allCases)
    func mse(variant: Variant) {
        inFreshContext(variant) {
            var p = FloatArray(prediction)
            p.enableGradient()
            let loss = mseLoss(p, FloatArray(target))
            // 0.25 + 0 + 4 + 0.25 + 0 + 3.0625 = 7.5625, over 6.
            #expect(Swift.abs(loss.first - 7.5625 / 6) < 1e-6)
            loss.backward()
            let expected = zip(prediction, target).map { 2 * ($0 - $1) / 6 }
            #expect(close(p.gradient.values, expected, tolerance: 1e-7))
            #expect(MSELoss()(FloatArray(prediction), FloatArray(target)).first == loss.first)
        }
    }

    @Test("a size-1 target broadcasts; NaN propagates through L1")
    func broadcastAndNaN() {
        inFreshContext {
            #expect(Swift.abs(l1Loss(FloatArray([1, 2, 3]), FloatArray([2])).first - 2.0 / 3) < 1e-7)
            #expect(mseLoss(FloatArray([1, 2, 3]), FloatArray([2])).first == Float(2) / 3)
            #expect(l1Loss(FloatArray([1, .nan]), FloatArray([0, 0])).first.isNaN)
        }
    }
}
