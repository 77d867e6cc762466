// The tutorial's training loop (shared by `Tool optimize` and the benchmarks): a dense layer pre-distorts textures so that, rendered through the glass sphere,
// they match the originals. Model, renders, loss, PRB adjoints and the Adam step are one traced program.
import Foundation
import Integrators
import Optim
import Tracer

/// The times of one iteration's phases, in seconds.
public struct PhaseSeconds: Codable, Equatable, Sendable {
    public var model = 0.0
    public var render = 0.0
    public var backward = 0.0
    public var step = 0.0
    public var total = 0.0

    public init() {}
}

/// One iteration's record, as metrics.json stores it.
public struct IterationRecord: Codable, Equatable, Sendable {
    public var iteration: Int
    /// The sum over the textures of their L1 losses (what the tutorial prints).
    public var loss: Double
    public var seconds: PhaseSeconds
}

/// The state of a training run: scene, textures, model (Linear(res², res²) + Sigmoid per channel) and Adam.
public final class TutorialTraining {
    public let scene: Scene
    public let parameterKey: String
    public let resolution: Int
    /// The textures, (res, res, 3) interleaved values; they are both the inputs and the targets.
    public let textures: [FloatArray]
    public let model: Sequential
    public let optimizer: Adam
    public let samplesPerPixel: Int
    /// All textures' channels as rows of one batch: row 3j + c is channel c of texture j.
    public let inputBatch: FloatArray
    /// For texture j: where each of its interleaved values sits in the model's output batch.
    public let outputIndices: [UInt32Array]
    /// All textures' interleaved values, one texture after another: where they sit in the output batch, and the
    /// targets.
    let stackedIndices: UInt32Array
    let stackedTargets: FloatArray
    /// The last iteration completed (0 before the first).
    public var iteration = 0
    /// The model's output for the next iteration, computed at the end of the last one with its update.
    private var nextOutput: FloatArray?

    public init(scene: Scene, parameterKey: String, textures: [[Float]], resolution: Int, samplesPerPixel: Int,
         learningRate: Double, seed: UInt64) throws {
        self.scene = scene
        self.parameterKey = parameterKey
        self.resolution = resolution
        self.samplesPerPixel = samplesPerPixel
        let texels = resolution * resolution
        let shape = try scene.parameters.shape(of: parameterKey)
        guard shape == [resolution, resolution, 3] else {
            throw RenderError("parameter '\(parameterKey)' has shape \(shape); the textures need [\(resolution), \(resolution), 3]")
        }
        self.textures = textures.map { FloatArray($0) }
        var batch = [Float](repeating: 0, count: textures.count * 3 * texels)
        for (j, texture) in textures.enumerated() {
            for p in 0..<texels {
                for c in 0..<3 { batch[(j * 3 + c) * texels + p] = texture[p * 3 + c] }
            }
        }
        inputBatch = FloatArray(batch)
        let indices = (0..<textures.count).map { j in
            (0..<texels * 3).map { k in UInt32((j * 3 + k % 3) * texels + k / 3) }
        }
        outputIndices = indices.map { UInt32Array($0) }
        stackedIndices = UInt32Array(indices.flatMap { $0 })
        stackedTargets = FloatArray(textures.flatMap { $0 })
        model = Sequential(Linear(inFeatures: texels, outFeatures: texels, seed: seed), Sigmoid())
        optimizer = Adam(model.parameters, lr: learningRate)
    }

    /// The distorted texture j of the current model, (res, res, 3) interleaved.
    public func distorted(_ output: FloatArray, texture j: Int) -> FloatArray {
        output.gather(outputIndices[j])
    }

    /// Runs one iteration (number `iteration + 1`) and returns its record.
    public func step() throws -> IterationRecord {
        let number = iteration + 1
        let clock = ContinuousClock()
        var seconds = PhaseSeconds()
        let start = clock.now
        var mark = start
        func lap() -> Double {
            let now = clock.now
            defer { mark = now }
            let elapsed = now - mark
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        }
        optimizer.zeroGrad()
        // Model: all 12 channel vectors through the layer at once (the weights are read once). From the second
        // iteration on, the previous step computed it already.
        let output = nextOutput ?? model(inputBatch)
        nextOutput = nil
        output.eval()
        seconds.model = lap()
        // Renders: texture j in iteration i is rendered with seed i * count + j (its gradient with seed + 1), all
        // textures in one wavefront. The loss is the sum of the textures' L1 losses (all of the same size).
        let seeds = (0..<textures.count).map { UInt32(truncatingIfNeeded: (number - 1) * textures.count + $0) }
        let images = try scene.render(samplesPerPixel: samplesPerPixel, seeds: seeds, batching: parameterKey,
                                      values: output.gather(stackedIndices))
        let total = l1Loss(images.array, stackedTargets) * Float(textures.count)
        let loss = Double(total.first)
        seconds.render = lap()
        // Backward: the PRB adjoint of each render, then through the sigmoid and the layer.
        total.backward()
        // Small gradients (the bias) are evaluated here so the phase timings mean something; the weight's gradient
        // is left lazy on purpose: Adam's kernel forms it in place, and storing it would cost 1 GiB.
        for parameter in model.parameters where parameter.count < 1 << 24 { parameter.gradient.eval() }
        seconds.backward = lap()
        // Adam, and the next iteration's forward riding on it: one pass over the weight forms its gradient in
        // place (never stored), updates the weight, m and v, and multiplies the inputs by the new weight.
        optimizer.scheduleStep()
        let next = model(inputBatch)
        next.eval()
        nextOutput = next
        seconds.step = lap()
        let elapsed = clock.now - start
        seconds.total = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        iteration = number
        return IterationRecord(iteration: number, loss: loss, seconds: seconds)
    }

    /// Renders texture values at `spp` with seeds from `seed` on (for the final figures): in passes of at most 64
    /// samples per pixel, averaged, so that a 512-spp figure needs no more memory than a 64-spp render.
    public func render(_ texture: FloatArray, samplesPerPixel spp: Int, seed: UInt32) throws -> [Float] {
        try scene.parameters.set(parameterKey, to: texture.detached())
        let passes = (spp + 63) / 64
        var sum: [Float]? = nil
        for pass in 0..<passes {
            let passSpp = min(64, spp - pass * 64)
            let image = scene.render(samplesPerPixel: passSpp, seed: seed &+ UInt32(2 * pass)).values
            let weight = Float(passSpp) / Float(spp)
            sum = sum.map { zip($0, image).map { $0 + weight * $1 } } ?? image.map { weight * $0 }
        }
        return sum!
    }
}
