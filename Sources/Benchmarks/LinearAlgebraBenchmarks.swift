// Linear algebra benchmarks: the tutorial's dense layer (16384 × 16384, batch 12) forward, its fused Adam update
// and a whole training step, against the copy bandwidth. At most W, m and v (3 GiB) live at once.
import Foundation
import Optim
import RefractSupport
import Tracer

enum LinearAlgebraBenchmarks {
    static let features = 16384
    static let batch = 12
    static var weightBytes: Double { Double(features * features * 4) }

    static func run(_ report: BenchmarkReport, filter: (String) -> Bool) {
        let forwardNames = ["linear_forward_gbps", "linear_forward_vs_copy"]
        let adamNames = ["adam_fused_step_s", "adam_fused_gbps", "adam_fused_vs_copy"]
        let stepNames = ["linear_train_step_s"]
        guard (forwardNames + adamNames + stepNames).contains(where: filter) else { return }
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let copyBytes = 256 << 20
        let copyGBps = Double(2 * copyBytes) / MemoryCopy.bestTime(bytes: copyBytes, threads: threads) / 1e9
        report.add("linalg_copy_gbps", copyGBps, "GB/s")
        if forwardNames.contains(where: filter) { forward(report, copyGBps: copyGBps) }
        if adamNames.contains(where: filter) { adam(report, copyGBps: copyGBps) }
        if stepNames.contains(where: filter) { trainingStep(report) }
    }

    /// A deterministic 16384 × 16384 weight in [-0.5, 0.5), computed by a kernel (no host copy of 1 GiB).
    static func makeWeight() -> FloatArray {
        let lane = UInt32Array.arange(features * features)
        let weight = FloatArray((lane * 2_654_435_761) >> 22) * (1 / 1024) - 0.5
        weight.eval()
        return weight
    }

    /// A batch × features matrix of values in [0, 1).
    static func makeInput(seed: UInt64) -> FloatArray {
        var random = SplitMix64(seed: seed)
        return FloatArray((0..<batch * features).map { _ in random.nextUnitFloat() })
    }

    /// y = x · Wᵀ: weight bytes read per second.
    static func forward(_ report: BenchmarkReport, copyGBps: Double) {
        let weight = makeWeight()
        let x = makeInput(seed: 1)
        let seconds = bestTime {
            linearForward(Matrix(x, rows: batch, columns: features),
                          weight: Matrix(weight, rows: features, columns: features)).values.eval()
        }
        let gbps = weightBytes / seconds / 1e9
        report.add("linear_forward_gbps", gbps, "GB/s")
        report.add("linear_forward_vs_copy", gbps / copyGBps, "ratio")
    }

    /// One Adam step of the weight with gradient dYᵀ · x (fused into the update): W, m and v read and written in place by
    /// one kernel (6 × 1 GiB of traffic).
    static func adam(_ report: BenchmarkReport, copyGBps: Double) {
        var weight = makeWeight()
        var m = FloatArray.zeros(features * features), v = FloatArray.zeros(features * features)
        let dy = makeInput(seed: 2) - 0.5, x = makeInput(seed: 3)
        var step = 0
        let seconds = bestTime(repetitions: 3) {
            step += 1
            let gradient = matrixProduct(dy, x, MatrixProduct(m: features, n: features, k: batch, transposeA: true))
            adamUpdate(&weight, &m, &v, gradient: gradient, step: step)
            weight.eval()
        }
        let gbps = 6 * weightBytes / seconds / 1e9
        report.add("adam_fused_step_s", seconds, "s")
        report.add("adam_fused_gbps", gbps, "GB/s")
        report.add("adam_fused_vs_copy", gbps / copyGBps, "ratio")
    }

    /// The tutorial's layer step without the renderer: sigmoid(x · Wᵀ + b), an L1 loss, backward, Adam on W.
    static func trainingStep(_ report: BenchmarkReport) {
        var weight = makeWeight()
        weight.enableGradient()
        let bias = FloatArray.zeros(features)
        var m = FloatArray.zeros(features * features), v = FloatArray.zeros(features * features)
        let x = makeInput(seed: 4), target = makeInput(seed: 5)
        var step = 0
        let seconds = bestTime(repetitions: 3) {
            step += 1
            let z = linearForward(Matrix(x, rows: batch, columns: features),
                                  weight: Matrix(weight, rows: features, columns: features), bias: bias).values
            let y = 1 / (1 + exp(-z))
            abs(y - target).mean().backward()
            weight.context.withGradientsSuspended {
                adamUpdate(&weight, &m, &v, gradient: weight.gradient, step: step)
            }
            weight.clearGradient()
            weight.eval()
        }
        report.add("linear_train_step_s", seconds, "s", target: "<= 0.6 (with render)")
    }

    /// Adam (betas 0.9, 0.999, eps 1e-8, lr 2e-4) with W, m and v assigned in place; step-dependent values are
    /// kernel parameters.
    static func adamUpdate(_ weight: inout FloatArray, _ m: inout FloatArray, _ v: inout FloatArray,
                           gradient: FloatArray, step: Int) {
        let t = Double(step)
        let negativeStepSize = FloatArray.opaque(Float(-2e-4 / (1 - pow(0.9, t))))
        let rootCorrection = FloatArray.opaque(Float((1 - pow(0.999, t)).squareRoot()))
        let mNew = 0.9 * m + 0.1 * gradient
        let vNew = 0.999 * v + 0.001 * (gradient * gradient)
        let denominator = sqrt(vNew) / rootCorrection + 1e-8
        weight.assign(weight + negativeStepSize * mNew / denominator)
        m.assign(mNew)
        v.assign(vNew)
    }
}
