// SceneOptimization: the iterations of `optimize --scene`: render, loss, PRB backward, optimiser step, clamps.
import Foundation
import Integrators
import Optim
import Tracer

/// The loss between a render and the target image.
enum ImageLoss: String {
    case mse, l1

    /// The loss as a one-element array that backpropagates into the render.
    func callAsFunction(_ image: FloatArray, _ target: FloatArray) -> FloatArray {
        let difference = image - target
        switch self {
        case .mse: return (difference * difference).mean()
        case .l1: return abs(difference).mean()
        }
    }
}

/// One iteration as metrics.json records it.
struct SceneIterationRecord: Codable, Equatable {
    struct Seconds: Codable, Equatable {
        /// The primal render and the loss.
        var render: Double
        /// PRB's adjoint pass, up to the parameters' gradients.
        var backward: Double
        /// The optimiser's update, the clamps and copying the values into the scene.
        var step: Double
        var total: Double
    }

    var iteration: Int
    var loss: Double
    /// The values after this iteration's step, for parameters of at most `SceneOptimization.recordedValueLimit`
    /// values; larger ones (textures) are summarised in `summaries`.
    var parameters: [String: [Float]]
    /// Minimum, mean and maximum of the larger parameters.
    var summaries: [String: [String: Float]]?
    /// The sum over all optimised values of (value - reference value)², when the reference values are known.
    var parameterError: Double?
    var seconds: Seconds

    enum CodingKeys: String, CodingKey {
        case iteration, loss, parameters, summaries, seconds
        case parameterError = "parameter_error"
    }
}

/// An optimisation of scene parameters against a target image.
final class SceneOptimization {
    /// Parameters with more values than this are summarised per iteration, not listed.
    static let recordedValueLimit = 1024

    let scene: Scene
    let parameters: SceneParameters
    /// The optimised keys, in the order given.
    let keys: [String]
    let target: FloatArray
    /// The values the target was rendered with (known with --reference-spp).
    let referenceValues: [String: [Float]]?
    let optimizer: any KeyedOptimizer
    let clamps: [String: ClosedRange<Float>]
    let loss: ImageLoss
    let samplesPerPixel: Int
    let seed: UInt32
    /// The last iteration completed (0 before the first).
    var iteration = 0

    /// Registers `keys` (with their current scene values) in `optimizer`, which then owns their values.
    init(scene: Scene, keys: [String], target: FloatArray, referenceValues: [String: [Float]]?,
         optimizer: any KeyedOptimizer, clamps: [String: ClosedRange<Float>], loss: ImageLoss, samplesPerPixel: Int,
         seed: UInt32) throws {
        // Every iteration renders the same scene with new seeds and values: its path loops are recorded once (as
        // every scene's are, `IntegratorSettings.freezesPathLoops`).
        self.scene = scene
        parameters = scene.parameters
        self.keys = keys
        self.target = target
        self.referenceValues = referenceValues
        self.optimizer = optimizer
        self.clamps = clamps
        self.loss = loss
        self.samplesPerPixel = samplesPerPixel
        self.seed = seed
        for key in keys { optimizer[key] = try parameters.value(key) }
        try parameters.update(optimizer)
    }

    /// The seeds of iteration `iteration` (1-based): the primal render's, and the adjoint replay's right after it.
    static func seeds(iteration: Int, seed: UInt32) -> (render: UInt32, gradient: UInt32) {
        let render = seed &* 65_536 &+ 2 &* UInt32(truncatingIfNeeded: iteration)
        return (render, render &+ 1)
    }

    /// Renders, backpropagates the loss with PRB, steps the optimiser and applies the clamps.
    func step() throws -> SceneIterationRecord {
        iteration += 1
        let clock = ContinuousClock()
        let start = clock.now
        let seeds = Self.seeds(iteration: iteration, seed: seed)
        let image = scene.render(samplesPerPixel: samplesPerPixel, seed: seeds.render, seedGrad: seeds.gradient)
        let lossValue = loss(image.array, target)
        let lossNumber = Double(lossValue.values[0])
        let rendered = clock.now
        lossValue.backward()
        eval(keys.map { optimizer[$0]!.gradient })
        let backpropagated = clock.now
        optimizer.step()
        for (key, range) in clamps { optimizer[key] = clip(optimizer[key]!, range.lowerBound, range.upperBound) }
        try parameters.update(optimizer)
        let values = currentValues()
        let end = clock.now
        var record = SceneIterationRecord(
            iteration: iteration, loss: lossNumber, parameters: [:], parameterError: parameterError(values),
            seconds: .init(render: (rendered - start).seconds, backward: (backpropagated - rendered).seconds,
                           step: (end - backpropagated).seconds, total: (end - start).seconds))
        for (key, array) in values {
            if array.count <= Self.recordedValueLimit {
                record.parameters[key] = array
            } else {
                record.summaries = (record.summaries ?? [:]).merging([key: Self.summary(array)]) { $1 }
            }
        }
        return record
    }

    /// The optimised values now.
    func currentValues() -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: keys.map { ($0, optimizer[$0]!.values) })
    }

    /// Σ (value - reference value)² over all optimised values, when the reference values are known.
    func parameterError(_ values: [String: [Float]]) -> Double? {
        Self.squaredDistance(values, referenceValues, keys: keys)
    }

    /// Σ over `keys` of Σ (a - b)², or nil without `b`.
    static func squaredDistance(_ a: [String: [Float]], _ b: [String: [Float]]?, keys: [String]) -> Double? {
        guard let b else { return nil }
        return keys.reduce(0.0) { sum, key in
            zip(a[key] ?? [], b[key] ?? []).reduce(sum) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
        }
    }

    /// Minimum, mean and maximum.
    static func summary(_ values: [Float]) -> [String: Float] {
        ["min": values.min() ?? 0, "max": values.max() ?? 0,
         "mean": Float(values.reduce(0.0) { $0 + Double($1) } / Double(max(values.count, 1)))]
    }

    /// The scene rendered at the current values without gradient tracking (for figures).
    func renderFigure(samplesPerPixel: Int, seed: UInt32) throws -> FloatArray {
        let tracked = keys.map { optimizer[$0]! }
        for (key, value) in zip(keys, tracked) { try parameters.set(key, to: value.detached()) }
        defer { for (key, value) in zip(keys, tracked) { try? parameters.set(key, to: value) } }
        return scene.render(samplesPerPixel: samplesPerPixel, seed: seed).array
    }

    // MARK: Checkpoints

    /// The optimiser's values and state, with the iteration and the settings a resumed run must share.
    func checkpoint(optimizerName: String) -> SafeTensors {
        SafeTensors(tensors: optimizer.stateTensors(),
                    metadata: ["iteration": String(iteration), "optimizer": optimizerName,
                               "parameters": keys.joined(separator: " "), "seed": String(seed)])
    }

    /// Continues from `checkpoint` (written by `checkpoint(optimizerName:)` with the same settings).
    func restore(_ checkpoint: SafeTensors, from url: URL, optimizerName: String) throws {
        let metadata = checkpoint.metadata
        func mismatch(_ what: String, _ saved: String?, _ now: String) -> Error {
            RenderError("--resume: \(url.path) was written with \(what) \(saved ?? "(none)"); this run has \(now)")
        }
        guard let saved = metadata["iteration"].flatMap(Int.init), saved >= 0 else {
            throw RenderError("--resume: \(url.path) is not a checkpoint of optimize --scene (no iteration in its metadata)")
        }
        guard metadata["optimizer"] == optimizerName else { throw mismatch("--optimizer", metadata["optimizer"], optimizerName) }
        let keyList = keys.joined(separator: " ")
        guard metadata["parameters"] == keyList else { throw mismatch("--parameter", metadata["parameters"], keyList) }
        guard metadata["seed"] == String(seed) else { throw mismatch("--seed", metadata["seed"], String(seed)) }
        do {
            try optimizer.loadState(from: checkpoint)
        } catch {
            throw RenderError("--resume: \(url.path): \(error)")
        }
        try parameters.update(optimizer)
        iteration = saved
    }
}
