// Sigmoid, ReLU and Tanh: values against Double, derivatives against their closed forms (PyTorch's at the kinks).

import Foundation
import Testing
import Tracer
import Optim

@Suite("Activations")
struct ActivationTests {
    static let inputs: [Float] = [-100, -30, -5, -1, -0.3, -0.1, -1e-4, 0, 1e-6, 0.01, 0.2, 0.24, 0.26, 1, 4, 20, 100]

    /// The values and the gradient of sum(module(x)) at `inputs`.
    func evaluate(_ module: some Module, variant: Variant) -> (values: [Float], gradient: [Float]) {
        inFreshContext(variant) {
            var x = FloatArray(Self.inputs)
            x.enableGradient()
            let y = module(x)
            y.sum().backward()
            return (y.values, x.gradient.values)
        }
    }

    @Test("sigmoid: 1/(1+e^-x) and sigma (1 - sigma), finite for large |x|", arguments: Variant.allCases)
    func sigmoid(variant: Variant) {
        let (values, gradient) = evaluate(Sigmoid(), variant: variant)
        let expected = Self.inputs.map { 1 / (1 + Foundation.exp(-Double($0))) }
        #expect(close(values, expected, tolerance: 1e-6))
        #expect(close(gradient, expected.map { $0 * (1 - $0) }, tolerance: 1e-6))
        // Relative accuracy in the tail, where 1 - (1 - s) would round to 0.
        #expect(Swift.abs(Double(values[1]) / expected[1] - 1) < 1e-5)
        #expect(gradient.allSatisfy { $0.isFinite })
    }

    @Test("tanh: values to float precision near 0 and saturation, derivative 1 - tanh^2", arguments: Variant.allCases)
    func tanh(variant: Variant) {
        let (values, gradient) = evaluate(Tanh(), variant: variant)
        let expected = Self.inputs.map { Foundation.tanh(Double($0)) }
        for (value, reference) in zip(values, expected) {
            #expect(Swift.abs(Double(value) - reference) <= 2e-7 * Swift.max(Swift.abs(reference), 1e-30))
        }
        #expect(close(gradient, expected.map { 1 - $0 * $0 }, tolerance: 1e-6))
        #expect(gradient.allSatisfy { $0.isFinite })
    }

    @Test("relu: max(x, 0), derivative 0 for x <= 0 (PyTorch), NaN stays NaN", arguments: Variant.allCases)
    func relu(variant: Variant) {
        let (values, gradient) = evaluate(ReLU(), variant: variant)
        #expect(values == Self.inputs.map { Swift.max($0, 0) })
        #expect(gradient == Self.inputs.map { $0 > 0 ? 1 : 0 })
        let nan = inFreshContext(variant) { ReLU()(FloatArray([.nan])).values[0] }
        #expect(nan.isNaN)
    }
}
