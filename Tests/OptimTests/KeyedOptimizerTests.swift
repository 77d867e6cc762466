// KeyedAdam and KeyedSGD against Dr.Jit 1.5's dr.opt.Adam and dr.opt.SGD (Mitsuba 3.9's mi.ad optimisers), and
// their keyed state: re-registration, reset, checkpoints.
import Foundation
import Optim
import Testing
import Tracer

@Suite("Keyed optimisers (Dr.Jit's dr.opt)")
struct KeyedOptimizerTests {
    /// Five steps on x = (0.5, -1, 2) with loss Σ c_t x² at step t, c_t = (0.3 (t + 1), -0.2, 1.5 - t). The expected
    /// values are Dr.Jit's (drjit 1.5.0, llvm backend): `opt['x'] = Float(0.5, -1, 2)`, then per step
    /// `dr.backward(dr.sum(c * x * x))` and `opt.step()`.
    static func run(_ optimizer: any KeyedOptimizer) -> [[Float]] {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            optimizer["x"] = FloatArray([0.5, -1, 2])
            return (0..<5).map { t in step(optimizer, t) }
        }
    }

    /// Step `t` of `run`; the values after it.
    static func step(_ optimizer: any KeyedOptimizer, _ t: Int) -> [Float] {
        let x = optimizer["x"]!
        let c = FloatArray([0.3 * Float(t + 1), -0.2, 1.5 - Float(t)])
        (c * x * x).sum().backward()
        optimizer.step()
        return optimizer["x"]!.values
    }

    static func expectClose(_ ours: [[Float]], _ drjit: [[Float]], tolerance: Float = 2e-6) {
        #expect(ours.count == drjit.count)
        for (a, b) in zip(ours.joined(), drjit.joined()) {
            #expect(abs(a - b) <= tolerance * max(1, abs(b)), "ours \(ours), Dr.Jit \(drjit)")
        }
    }

    @Test("Adam with Dr.Jit's defaults")
    func adam() {
        Self.expectClose(Self.run(KeyedAdam(lr: 0.05)), [
            [0.4499996602535248, -1.0500003099441528, 1.9499996900558472],
            [0.4012066423892975, -1.100049376487732, 1.9066331386566162],
            [0.3524197041988373, -1.150177240371704, 1.883794903755188],
            [0.3032514750957489, -1.2004122734069824, 1.8885304927825928],
            [0.2535829246044159, -1.2507811784744263, 1.9113274812698364]])
    }

    @Test("Adam with epsilon above 1e-6 (m / (sqrt(v) + eps) rather than m rsqrt(v + eps²)) and other betas")
    func adamLargeEpsilon() {
        Self.expectClose(Self.run(KeyedAdam(lr: 0.1, beta1: 0.8, beta2: 0.99, epsilon: 0.01)), [
            [0.42499998211860657, -1.0800000429153442, 1.9016393423080444],
            [0.3399291932582855, -1.165737509727478, 1.8191298246383667],
            [0.2496938407421112, -1.2547190189361572, 1.7811883687973022],
            [0.15678228437900543, -1.3461544513702393, 1.801079273223877],
            [0.06459011137485504, -1.4397169351577759, 1.8596841096878052]])
    }

    @Test("SGD: plain, with momentum, with Nesterov momentum")
    func sgd() {
        Self.expectClose(Self.run(KeyedSGD(lr: 0.1)), [
            [0.4699999988079071, -1.0399999618530273, 1.399999976158142],
            [0.41359999775886536, -1.0815999507904053, 1.2599999904632568],
            [0.3391520082950592, -1.1248639822006226, 1.3860000371932983],
            [0.2577555179595947, -1.1698585748672485, 1.801800012588501],
            [0.1804288625717163, -1.2166528701782227, 2.702699899673462]])
        Self.expectClose(Self.run(KeyedSGD(lr: 0.1, momentum: 0.9)), [
            [0.4699999988079071, -1.0399999618530273, 1.399999976158142],
            [0.38659998774528503, -1.1175999641418457, 0.7199999690055847],
            [0.24195198714733124, -1.2321439981460571, 0.17999999225139618],
            [0.053700320422649384, -1.384519338607788, -0.25199997425079346],
            [-0.13183626532554626, -1.5770379304885864, -0.7667999267578125]])
        Self.expectClose(Self.run(KeyedSGD(lr: 0.1, momentum: 0.9, nesterov: true)), [
            [0.4429999887943268, -1.0759999752044678, 0.8600000143051147],
            [0.3176960051059723, -1.190176010131836, 0.21060006320476532],
            [0.14411437511444092, -1.3446518182754517, -0.25644588470458984],
            [-0.026358500123023987, -1.5430271625518799, -0.8419153690338135],
            [-0.13363102078437805, -1.790427565574646, -2.099416971206665]])
    }

    @Test("setting a known key keeps its state; a new size or reset() starts it again; nil removes the key")
    func registration() {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            let optimizer = KeyedAdam(lr: 0.1)
            optimizer["x"] = FloatArray([0, 0, 0])
            (optimizer["x"]! * FloatArray([1, 2, 3])).sum().backward()
            optimizer.step()
            optimizer["x"] = FloatArray([0, 0, 0])          // same size: m, v and the step count stay
            (optimizer["x"]! * FloatArray([1, 2, 3])).sum().backward()
            optimizer.step()
            #expect(optimizer.stateTensors()["adam.x.t"]?.floats() == [2])
            // With a constant gradient each bias-corrected Adam step moves a value by lr.
            #expect(optimizer["x"]!.values.allSatisfy { abs($0 + 0.1) < 1e-5 }, "\(optimizer["x"]!.values)")
            optimizer.reset("x")
            #expect(optimizer.stateTensors()["adam.x.t"] == nil)
            optimizer.step()                                 // no gradient reached x: a zero gradient, no move
            #expect(optimizer.stateTensors()["adam.x.t"]?.floats() == [1])
            optimizer["x"] = FloatArray([1, 2])              // a new size: the state goes
            #expect(optimizer.stateTensors()["adam.x.t"] == nil)
            #expect(optimizer.keys == ["x"] && optimizer["x"]!.values == [1, 2])
            optimizer["y"] = FloatArray([3])
            optimizer["x"] = nil
            #expect(optimizer.keys == ["y"])
            #expect(optimizer.map(\.key) == ["y"])
        }
    }

    @Test("a checkpoint (stateTensors, loadState) continues exactly where the run left off", arguments: ["adam", "sgd"])
    func checkpointRoundTrip(kind: String) throws {
        func make() -> any KeyedOptimizer { kind == "adam" ? KeyedAdam(lr: 0.05) : KeyedSGD(lr: 0.1, momentum: 0.9) }
        let straight = Self.run(make())
        let resumed: [[Float]] = try TraceContext.with(CompileOptions(variant: .llvm)) {
            let first = make()
            first["x"] = FloatArray([0.5, -1, 2])
            var trajectory = (0..<2).map { Self.step(first, $0) }
            let saved = SafeTensors(tensors: first.stateTensors())
            let second = make()
            second["x"] = FloatArray([9, 9, 9])
            try second.loadState(from: saved)
            trajectory += (2..<5).map { Self.step(second, $0) }
            return trajectory
        }
        #expect(resumed == straight)
    }

    @Test("a checkpoint of the wrong size is refused and changes nothing")
    func checkpointMismatch() throws {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            let optimizer = KeyedAdam(lr: 0.05)
            optimizer["x"] = FloatArray([1, 2, 3])
            let wrong = SafeTensors(tensors: ["value.x": SafeTensor([1, 2], shape: [2])])
            #expect(throws: KeyedOptimizerStateError.self) { try optimizer.loadState(from: wrong) }
            #expect(throws: KeyedOptimizerStateError.self) { try optimizer.loadState(from: SafeTensors()) }
            #expect(optimizer["x"]!.values == [1, 2, 3])
        }
    }
}
