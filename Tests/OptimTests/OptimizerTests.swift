// Adam and SGD against torch.optim's formulas (expected numbers from Fixtures/reference_optimizers.py), zeroGrad,
// skipped parameters, and a training loop that compiles nothing after its first iteration.

import Testing
import RefractSupport
import Tracer
@testable import Optim

/// The tiny regression of reference_optimizers.py: Linear(3, 2) on 4 samples with an MSE loss.
struct TinyRegression {
    let layer: Linear
    let x = FloatArray([0.5, -1.0, 2.0, 1.5, 0.25, -0.75, -2.0, 1.0, 0.5, 0.0, -0.5, 1.25])
    let target = FloatArray([1.0, -1.0, 0.5, 0.0, -0.5, 2.0, 0.25, 0.75])

    init() {
        layer = Linear(weight: Parameter("weight", shape: [2, 3], values: [0.1, -0.2, 0.3, -0.4, 0.5, -0.1]),
                       bias: Parameter("bias", shape: [2], values: [0.05, -0.15]))
    }

    /// Runs `steps` iterations (zeroGrad, forward, backward, step) and returns the losses before each step.
    func train(_ optimizer: some Optimizer, steps: Int) -> [Float] {
        (0..<steps).map { _ in
            optimizer.zeroGrad()
            let loss = mseLoss(layer(x), target)
            loss.backward()
            let value = loss.first
            optimizer.step()
            return value
        }
    }
}

@Suite("Optimizers")
struct OptimizerTests {
    @Test("Adam(lr: 0.1), 5 steps, matches torch.optim.Adam's formulas", arguments: Variant.allCases)
    func adam(variant: Variant) {
        inFreshContext(variant) {
            let model = TinyRegression()
            let adam = Adam(model.layer.parameters, lr: 0.1)
            let losses = model.train(adam, steps: 5)
            #expect(close(losses, [0.4058593809604645, 0.251953125, 0.18954062461853027, 0.17257356643676758,
                                   0.1643848717212677]))
            #expect(close(model.layer.weight.values, [0.38209500908851624, -0.2274390608072281, 0.017703942954540253,
                                                      -0.47220176458358765, 0.9217871427536011, 0.239402174949646]))
            #expect(close(model.layer.bias!.values, [0.3229646682739258, 0.31135958433151245]))
            let state = adam.states[0]!
            #expect(state.step == 5)
            #expect(close(state.expAvg.values, [-0.0015833228826522827, -0.0009617430623620749,
                                                -0.0037089334800839424, -0.04704274982213974,
                                                -0.01432977057993412, -0.018321625888347626], tolerance: 1e-6))
            #expect(close(state.expAvgSq.values, [0.00021259085042402148, 2.2251365408010315e-06,
                                                  7.858453318476677e-05, 0.00021374723291955888,
                                                  1.062497995008016e-05, 0.0002922585990745574], tolerance: 1e-7))
        }
    }

    @Test("Adam with weight decay 0.1, 3 steps")
    func adamWeightDecay() {
        inFreshContext {
            let model = TinyRegression()
            let adam = Adam(model.layer.parameters, lr: 0.05, weightDecay: 0.1)
            let losses = model.train(adam, steps: 3)
            #expect(close(losses, [0.4058593809604645, 0.3157421946525574, 0.252481609582901]))
            #expect(close(model.layer.weight.values, [0.24436351656913757, -0.20089705288410187, 0.15388864278793335,
                                                      -0.5213515758514404, 0.6134091019630432, 0.0464344285428524]))
            #expect(close(model.layer.bias!.values, [0.16099800169467926, -0.0011261887848377228]))
        }
    }

    @Test("SGD with momentum 0.9 and dampening 0.1 (first step buf = g), 5 steps", arguments: Variant.allCases)
    func sgdMomentum(variant: Variant) {
        inFreshContext(variant) {
            let model = TinyRegression()
            let sgd = SGD(model.layer.parameters, lr: 0.1, momentum: 0.9, dampening: 0.1)
            let losses = model.train(sgd, steps: 5)
            #expect(close(losses, [0.4058593809604645, 0.32324907183647156, 0.22350841760635376, 0.1587255448102951,
                                   0.1452004760503769]))
            #expect(close(model.layer.weight.values, [0.4054146707057953, -0.20985165238380432, 0.1592361032962799,
                                                      -0.5654031038284302, 0.6281068325042725, 0.15814109146595]))
            #expect(close(model.layer.bias!.values, [0.10273203998804092, 0.4657917618751526]))
            #expect(close(sgd.momentumBuffers[0]!.values, [-0.5969897508621216, -0.02670522779226303,
                                                           0.2604885399341583, 0.242474764585495,
                                                           -0.4260673522949219, -0.2290269434452057]))
        }
    }

    @Test("SGD with Nesterov momentum and weight decay, 4 steps")
    func sgdNesterov() {
        inFreshContext {
            let model = TinyRegression()
            let sgd = SGD(model.layer.parameters, lr: 0.05, momentum: 0.9, weightDecay: 0.01, nesterov: true)
            let losses = model.train(sgd, steps: 4)
            #expect(close(losses, [0.4058593809604645, 0.3269764482975006, 0.248994380235672, 0.18920814990997314]))
            #expect(close(model.layer.weight.values, [0.27597248554229736, -0.20815452933311462, 0.21615183353424072,
                                                      -0.49992823600769043, 0.5581324100494385, 0.07032694667577744]))
            #expect(close(model.layer.bias!.values, [0.07281520217657089, 0.19299077987670898]))
        }
    }

    @Test("SGD without momentum, 3 steps")
    func sgdPlain() {
        inFreshContext {
            let model = TinyRegression()
            let sgd = SGD(model.layer.parameters, lr: 0.1)
            let losses = model.train(sgd, steps: 3)
            #expect(close(losses, [0.4058593809604645, 0.32324907183647156, 0.26764070987701416]))
            #expect(close(model.layer.weight.values, [0.19427047669887543, -0.2056753933429718, 0.255624383687973,
                                                      -0.4558088183403015, 0.5292092561721802, -0.004008296877145767]))
            #expect(close(model.layer.bias!.values, [0.0604010745882988, 0.029678214341402054]))
            #expect(sgd.momentumBuffers.allSatisfy { $0 == nil })
        }
    }

    @Test("zeroGrad forgets gradients; a step keeps them; without zeroGrad they accumulate")
    func zeroGrad() {
        inFreshContext {
            let model = TinyRegression()
            let sgd = SGD(model.layer.parameters, lr: 0.1)
            mseLoss(model.layer(model.x), model.target).backward()
            let first = model.layer.weight.gradient.values
            #expect(first.contains { $0 != 0 })
            sgd.step()
            #expect(model.layer.weight.gradient.values == first)          // as PyTorch keeps .grad after step
            sgd.zeroGrad()
            #expect(model.layer.weight.gradient.values == [Float](repeating: 0, count: 6))
            #expect(model.layer.bias!.gradient.values == [0, 0])
            // Two backward passes without zeroGrad add up.
            let loss = mseLoss(model.layer(model.x), model.target)
            loss.backward()
            let once = model.layer.bias!.gradient.values
            mseLoss(model.layer(model.x), model.target).backward()
            #expect(close(model.layer.bias!.gradient.values, once.map { 2 * $0 }, tolerance: 1e-6))
            model.layer.zeroGrad()
            #expect(model.layer.bias!.gradient.values == [0, 0])
        }
    }

    @Test("parameters without a gradient are skipped, as PyTorch skips grad None")
    func skipsParametersWithoutGradient() {
        inFreshContext {
            let used = Parameter("used", shape: [2], values: [1, 2])
            let unused = Parameter("unused", shape: [2], values: [3, 4])
            let adam = Adam([used, unused], lr: 0.5)
            (used.value * used.value).sum().backward()
            adam.step()
            #expect(unused.values == [3, 4])
            #expect(adam.states[1] == nil)
            // Adam's first step moves each element by lr against the gradient's sign.
            #expect(close(used.values, [0.5, 1.5], tolerance: 1e-6))
        }
    }

    @Test("a training loop compiles its kernels in iteration 1; iterations 2 to 10 compile nothing",
          arguments: [("adam", Variant.llvm), ("sgd", Variant.llvm), ("adam", Variant.scalar)])
    func noRecompilation(optimizerName: String, variant: Variant) {
        inFreshContext(variant) {
            let context = TraceContext.current
            let model = Sequential(Linear(inFeatures: 3, outFeatures: 8, seed: 1), Tanh(),
                                   Linear(inFeatures: 8, outFeatures: 2, seed: 2), Sigmoid())
            let optimizer: any Optimizer = optimizerName == "adam"
                ? Adam(model.parameters, lr: 0.01, weightDecay: 0.001)
                : SGD(model.parameters, lr: 0.1, momentum: 0.9)
            let x = FloatArray((0..<30).map { Float($0 % 7) / 7 - 0.5 })
            let target = FloatArray((0..<20).map { Float($0 % 3) / 3 })
            var compiledAfterFirst = 0
            var losses: [Float] = []
            for iteration in 1...10 {
                optimizer.zeroGrad()
                let loss = l1Loss(model(x), target)
                loss.backward()
                losses.append(loss.first)
                if let adam = optimizer as? Adam { adam.lr = 0.01 / Double(iteration) }   // a schedule
                optimizer.step()
                if iteration == 1 { compiledAfterFirst = context.statistics.kernelsCompiled }
            }
            #expect(compiledAfterFirst > 0)
            #expect(context.statistics.kernelsCompiled == compiledAfterFirst)
            #expect(losses.last! < losses.first!)
        }
    }

    @Test("step updates parameters and optimiser state in place: same storage, no new buffers",
          arguments: ["adam", "sgd"])
    func inPlace(optimizerName: String) {
        inFreshContext {
            let context = TraceContext.current
            let count = 100_000
            let parameter = Parameter("weight", shape: [count], values: [Float](repeating: 1, count: count))
            let optimizer: any Optimizer = optimizerName == "adam"
                ? Adam([parameter], lr: 0.01) : SGD([parameter], lr: 0.01, momentum: 0.9)
            let coefficients = FloatArray((0..<count).map { Float($0 % 5) - 2 })
            func iteration() {
                optimizer.zeroGrad()
                (parameter.value * coefficients).sum().backward()
                optimizer.step()
            }
            func storages() -> [UnsafeMutableRawPointer?] {
                var arrays = [parameter.value]
                if let adam = optimizer as? Adam { arrays += [adam.states[0]!.expAvg, adam.states[0]!.expAvgSq] }
                if let sgd = optimizer as? SGD { arrays.append(sgd.momentumBuffers[0]!) }
                return arrays.map { $0.node.storage?.pointer }
            }
            iteration()
            let before = storages()
            let allocated = context.statistics.allocatedBytes
            iteration()
            iteration()
            #expect(storages() == before)
            // Two steps allocate less than one parameter-sized buffer (reduction partials only).
            #expect(context.statistics.allocatedBytes - allocated < 4 * count)
            #expect(parameter.values[1] > 1 && parameter.values[3] < 1)   // coefficients -1 and +1
        }
    }

    @Test("each parameter's update (value and state together) is one kernel", arguments: ["adam", "sgd"])
    func oneKernelPerParameter(optimizerName: String) {
        inFreshContext {
            let context = TraceContext.current
            let model = TinyRegression()
            let optimizer: any Optimizer = optimizerName == "adam"
                ? Adam(model.layer.parameters, lr: 0.1) : SGD(model.layer.parameters, lr: 0.1, momentum: 0.9)
            for _ in 0..<2 {
                optimizer.zeroGrad()
                mseLoss(model.layer(model.x), model.target).backward()
                // Gradients evaluated first, so that the step launches only the updates.
                model.layer.weight.gradient.eval()
                model.layer.bias!.gradient.eval()
                let launched = context.statistics.kernelsLaunched
                optimizer.step()
                #expect(context.statistics.kernelsLaunched - launched == 2)
            }
        }
    }

    @Test("scheduleStep queues step's update: the same bits, and a forward recorded on the weight rides on it",
          arguments: ["adam", "sgd"], Variant.allCases)
    func scheduled(optimizerName: String, variant: Variant) {
        // Linear(32, 4) on a batch of 3: 32 in features are whole vectors, so the forward can ride.
        func train(scheduling: Bool) -> (losses: [Float], weight: [Float], bias: [Float], kernels: [Int]) {
            inFreshContext(variant) {
                let context = TraceContext.current
                var generator = SplitMix64(seed: 4)
                let layer = Linear(inFeatures: 32, outFeatures: 4, generator: &generator)
                let x = FloatArray(generator.uniform(3 * 32, from: -1, to: 1))
                let target = FloatArray(generator.uniform(3 * 4, from: -1, to: 1))
                let optimizer: any Optimizer = optimizerName == "adam"
                    ? Adam(layer.parameters, lr: 0.05) : SGD(layer.parameters, lr: 0.05, momentum: 0.9)
                var losses: [Float] = [], kernels: [Int] = []
                var output = layer(x)
                for _ in 0..<3 {
                    optimizer.zeroGrad()
                    let loss = mseLoss(output, target)
                    loss.backward()
                    losses.append(loss.first)
                    for parameter in layer.parameters { parameter.gradient.eval() }
                    let before = context.statistics.kernelsLaunched
                    if scheduling { optimizer.scheduleStep() } else { optimizer.step() }
                    output = layer(x)
                    output.eval()
                    kernels.append(context.statistics.kernelsLaunched - before)
                }
                return (losses, layer.weight.value.values, layer.bias!.value.values, kernels)
            }
        }
        let eager = train(scheduling: false), scheduled = train(scheduling: true)
        #expect(scheduled.losses.map(\.bitPattern) == eager.losses.map(\.bitPattern))
        #expect(scheduled.weight.map(\.bitPattern) == eager.weight.map(\.bitPattern))
        #expect(scheduled.bias.map(\.bitPattern) == eager.bias.map(\.bitPattern))
        // Eager, the weight's update and the product are two launches; scheduled, the update's kernel computes the
        // product too.
        #expect(zip(eager.kernels, scheduled.kernels).allSatisfy { $0 == $1 + 1 })
    }
}
