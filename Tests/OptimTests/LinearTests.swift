// Linear: PyTorch's initialisation bounds, determinism by seed, and the forward pass and its gradients against Double.

import Testing
import RefractSupport
import Tracer
@testable import Optim

@Suite("Linear")
struct LinearTests {
    @Test("SplitMix64 gives the reference stream of the published algorithm")
    func splitMix64() {
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(generator.next() == 0x06C4_5D18_8009_454F)
        var other = SplitMix64(seed: 42)
        #expect(other.next() == 0xBDD7_3226_2FEB_6E95)
        var unit = SplitMix64(seed: 7)
        let floats = (0..<1000).map { _ in unit.nextUnitFloat() }
        #expect(floats.allSatisfy { $0 >= 0 && $0 < 1 })
    }

    @Test("weight and bias are uniform in ±1/sqrt(in), weight [out, in], bias [out]", arguments: [1, 3, 16, 100])
    func initialisationBounds(inFeatures: Int) {
        inFreshContext {
            let layer = Linear(inFeatures: inFeatures, outFeatures: 50, seed: 3)
            let bound = Float(1 / Double(inFeatures).squareRoot())
            let weight = layer.weight.values
            let bias = layer.bias!.values
            #expect(layer.weight.shape == [50, inFeatures])
            #expect(layer.bias!.shape == [50])
            #expect(weight.count == 50 * inFeatures)
            #expect(weight.allSatisfy { Swift.abs($0) <= bound })
            #expect(bias.allSatisfy { Swift.abs($0) <= bound })
            // Uniform over the whole interval: both halves are used and the mean is near 0.
            #expect(weight.contains { $0 > bound / 2 } && weight.contains { $0 < -bound / 2 })
            let mean = weight.reduce(0, +) / Float(weight.count)
            #expect(Swift.abs(mean) < bound * 0.2)
            #expect(layer.weight.value.requiresGradient && layer.bias!.value.requiresGradient)
        }
    }

    @Test("equal seeds give equal layers, different seeds different ones; bias: false has no bias")
    func determinism() {
        inFreshContext {
            let a = Linear(inFeatures: 4, outFeatures: 3, seed: 11)
            let b = Linear(inFeatures: 4, outFeatures: 3, seed: 11)
            let c = Linear(inFeatures: 4, outFeatures: 3, seed: 12)
            #expect(a.weight.values == b.weight.values && a.bias!.values == b.bias!.values)
            #expect(a.weight.values != c.weight.values)
            // The weight is stream 0 and the bias stream 1 of the in-kernel generator.
            let bound = Float(0.5)
            #expect(a.weight.values == TracedUniform.uniform(count: 12, seed: 11, stream: 0, from: -bound, to: bound).values)
            #expect(a.bias!.values == TracedUniform.uniform(count: 3, seed: 11, stream: 1, from: -bound, to: bound).values)
            // A layer drawn from a host generator follows that generator: weight first, then bias.
            var generator = SplitMix64(seed: 11)
            let hosted = Linear(inFeatures: 4, outFeatures: 3, generator: &generator)
            var replay = SplitMix64(seed: 11)
            #expect(hosted.weight.values == replay.uniform(12, from: -bound, to: bound))
            #expect(hosted.bias!.values == replay.uniform(3, from: -bound, to: bound))
            let noBias = Linear(inFeatures: 4, outFeatures: 3, bias: false, seed: 11)
            #expect(noBias.bias == nil)
            #expect(noBias.namedParameters.map(\.name) == ["weight"])
            #expect(a.namedParameters.map(\.name) == ["weight", "bias"])
            #expect(noBias.weight.values == a.weight.values)
        }
    }

    @Test("forward equals x W^T + b computed in Double", arguments: [(1, true), (5, true), (5, false), (33, true)])
    func forward(batch: Int, hasBias: Bool) {
        inFreshContext {
            let (inFeatures, outFeatures) = (7, 4)
            let layer = Linear(inFeatures: inFeatures, outFeatures: outFeatures, bias: hasBias, seed: 5)
            var random = SplitMix64(seed: 99)
            let x = random.uniform(batch * inFeatures, from: -2, to: 2)
            let y = layer(FloatArray(x)).values
            let w = layer.weight.values
            let b = layer.bias?.values ?? [Float](repeating: 0, count: outFeatures)
            var expected: [Double] = []
            for row in 0..<batch {
                for o in 0..<outFeatures {
                    var sum = Double(b[o])
                    for i in 0..<inFeatures { sum += Double(w[o * inFeatures + i]) * Double(x[row * inFeatures + i]) }
                    expected.append(sum)
                }
            }
            #expect(y.count == batch * outFeatures)
            #expect(close(y, expected, tolerance: 1e-6))
        }
    }

    @Test("gradients of sum(c * y) reach weight, bias and input: c^T x, sum of c, c W")
    func gradients() {
        inFreshContext {
            let (batch, inFeatures, outFeatures) = (3, 2, 3)
            let weight = Parameter("weight", shape: [3, 2], values: [1, 2, -1, 0.5, 0, 3])
            let bias = Parameter("bias", shape: [3], values: [0.1, 0.2, 0.3])
            let layer = Linear(weight: weight, bias: bias)
            let xValues: [Float] = [1, -2, 0.5, 4, -1, 3]
            var x = FloatArray(xValues)
            x.enableGradient()
            let c: [Float] = [1, 2, 3, -1, 0.5, 2, 0, 1, -2]
            (layer(x) * FloatArray(c)).sum().backward()
            var dW = [Double](repeating: 0, count: outFeatures * inFeatures)
            var db = [Double](repeating: 0, count: outFeatures)
            var dx = [Double](repeating: 0, count: batch * inFeatures)
            let w = weight.values
            for row in 0..<batch {
                for o in 0..<outFeatures {
                    let g = Double(c[row * outFeatures + o])
                    db[o] += g
                    for i in 0..<inFeatures {
                        dW[o * inFeatures + i] += g * Double(xValues[row * inFeatures + i])
                        dx[row * inFeatures + i] += g * Double(w[o * inFeatures + i])
                    }
                }
            }
            #expect(close(weight.gradient.values, dW))
            #expect(close(bias.gradient.values, db))
            #expect(close(x.gradient.values, dx))
        }
    }

    @Test("Sequential applies layers in order and keys parameters by index")
    func sequential() {
        inFreshContext {
            let first = Linear(inFeatures: 3, outFeatures: 4, seed: 1)
            let second = Linear(inFeatures: 4, outFeatures: 2, seed: 2)
            let model = Sequential(first, ReLU(), second, Sigmoid())
            #expect(model.namedParameters.map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias"])
            #expect(model.parameters.count == 4)
            let nested = Sequential(model, Tanh())
            #expect(nested.namedParameters.first?.name == "0.0.weight")
            let x = FloatArray([0.5, -1, 2, 1, 1, -3])
            let expected = Sigmoid()(second(ReLU()(first(x)))).values
            #expect(model(x).values == expected)
        }
    }
}

@Suite("In-kernel uniform generator")
struct TracedUniformTests {
    @Test("values lie in [low, high), look uniform, and streams and seeds differ")
    func statistics() {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            let values = TracedUniform.uniform(count: 100_000, seed: 5, stream: 0, from: -2, to: 3).values
            #expect(values.allSatisfy { $0 >= -2 && $0 < 3 })
            let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
            #expect(abs(mean - 0.5) < 0.02)
            var bins = [Int](repeating: 0, count: 10)
            for value in values { bins[min(9, Int((value + 2) / 0.5))] += 1 }
            #expect(bins.allSatisfy { abs($0 - 10_000) < 500 })
            let other = TracedUniform.uniform(count: 100, seed: 5, stream: 1, from: -2, to: 3).values
            let reseeded = TracedUniform.uniform(count: 100, seed: 6, stream: 0, from: -2, to: 3).values
            #expect(other != Array(values.prefix(100)) && reseeded != Array(values.prefix(100)))
        }
    }
}
