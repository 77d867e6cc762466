// Tracer benchmarks: fused elementwise throughput against a memory copy, compile time, launch cost, scaling, and
// block sums fused into the kernel of their source.
import Foundation
import Tracer

enum TracerBenchmarks {
    static let elementCount = 16 << 20

    static func run(_ report: BenchmarkReport, filter: (String) -> Bool) {
        if filter("elementwise") || filter("copy") || filter("scaling") { elementwise(report, filter: filter) }
        if filter("compile_cold") { compileCold(report) }
        if filter("launch_cached") { launchCached(report) }
        if filter("block_sum") { blockSumFused(report) }
        if filter("transcendental") { transcendental(report) }
    }

    /// 8 inputs, 30 operations, 1 output: the kind of expression a fused kernel exists for.
    static func thirtyOps(_ x: [FloatArray]) -> FloatArray {
        var a = fma(x[0], x[1], x[2])                       // 1
        var b = x[3] * x[4] - x[5]                          // 3
        let c = min(x[6], x[7]) + max(x[0], x[3])           // 6
        a = a * 0.5 + b * 0.25                              // 10
        b = abs(b - c) + sqrt(abs(a) + 1)                   // 16
        var d = fma(a, b, c) * 1.5 - x[1]                   // 19
        d = max(d, x[2] * 0.1) + min(a, x[5])               // 23
        d = d * d + fma(b, FloatArray(repeating: 0.5), c)  // 26
        return select(d .> 0, d, -d) - x[7] * 0.01          // 30
    }

    static func elementwise(_ report: BenchmarkReport, filter: (String) -> Bool) {
        let count = elementCount
        let inputs = (0..<8).map { i in FloatArray.arange(count) * (1e-7 * Float(i + 1)) + Float(i) }
        eval(inputs)
        let bytes = 9 * count * 4
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let copy = MemoryCopy(bytes: bytes / 2)
        func kernel(threads: Int?) -> Double {
            TraceContext.standard.options.threadCount = threads
            return bestTime(repetitions: 1) { _ = thirtyOps(inputs).first }
        }
        // The four measurements alternate, so that drifts of the machine's bandwidth reach all of them alike.
        var all = Double.infinity, one = Double.infinity, copyAll = Double.infinity, copyOne = Double.infinity
        for _ in 0..<6 {
            all = min(all, kernel(threads: nil))
            one = min(one, kernel(threads: 1))
            copyAll = min(copyAll, copy.time(threads: cores))
            copyOne = min(copyOne, copy.time(threads: 1))
        }
        TraceContext.standard.options.threadCount = nil
        let elementwiseGBps = Double(bytes) / all / 1e9
        let copyGBps = Double(bytes) / copyAll / 1e9
        report.add("elementwise_gbps", elementwiseGBps, "GB/s")
        report.add("copy_gbps", copyGBps, "GB/s")
        report.add("elementwise_vs_copy", elementwiseGBps / copyGBps, "ratio", target: ">= 0.85")
        report.add("elementwise_scaling", one / all, "ratio", target: ">= 1.8 (2 cores)")
        // The memory system's own scaling, for context: a memory-bound kernel cannot scale better than a copy.
        report.add("copy_scaling", copyOne / copyAll, "ratio", reference: "memcpy, all threads over 1")
    }

    /// A 100-op kernel compiled from scratch (a literal no earlier kernel used keeps the cache cold).
    static func compileCold(_ report: BenchmarkReport) {
        let context = TraceContext.standard
        let x = FloatArray.arange(4096)
        var samples: [Double] = []
        for trial in 0..<5 {
            let before = context.statistics
            var y = x
            for i in 0..<50 { y = y * (1.0001 + Float(trial) * 1e-4) + Float(i) }
            y.eval()
            let after = context.statistics
            precondition(after.kernelsCompiled == before.kernelsCompiled + 1, "the kernel should have compiled")
            samples.append(after.compilingSeconds - before.compilingSeconds)
        }
        report.add("compile_cold_100op_ms", samples.sorted()[samples.count / 2] * 1e3, "ms", target: "<= 20")
    }

    /// Per-pixel sums of 64 samples computed inside the kernel of the per-sample values (as the film does): the
    /// bytes read per second, with the 1/64 as many written.
    static func blockSumFused(_ report: BenchmarkReport) {
        let count = elementCount
        let x = FloatArray.arange(count) * 1e-7 + 1
        x.eval()
        let seconds = bestTime { _ = (x * 1.5 + 0.5).blockSum(64).first }
        report.add("block_sum_fused_gbps", Double(count * 4 + count / 16) / seconds / 1e9, "GB/s")
    }

    /// A cache-hit launch of a small kernel: recording, lowering, cache lookup and running.
    static func launchCached(_ report: BenchmarkReport) {
        let x = FloatArray.arange(1024)
        let rate = FloatArray.opaque(0.5)
        let seconds = bestTime(repetitions: 5) {
            for _ in 0..<1000 { (x * rate + 1).eval() }
        }
        report.add("launch_cached_us", seconds / 1000 * 1e6, "us", target: "<= 50")
    }

    /// sin, cos and exp of 16M floats in one kernel (angles over [0, 168), exponents over [-50, 0]): elements per
    /// second, each element costing the three functions.
    static func transcendental(_ report: BenchmarkReport) {
        let count = elementCount
        let x = FloatArray.arange(count) * 1e-5
        x.eval()
        func measure(threads: Int?) -> Double {
            TraceContext.standard.options.threadCount = threads
            return bestTime { _ = (sin(x) * cos(x) + exp(x * -0.3)).first }
        }
        let all = measure(threads: nil)
        let one = measure(threads: 1)
        TraceContext.standard.options.threadCount = nil
        report.add("transcendental_gops", Double(count) / all / 1e9, "Gelem/s")
        // A compute-bound kernel shows what the thread pool delivers when memory bandwidth does not limit it.
        report.add("transcendental_scaling", one / all, "ratio", reference: "compute-bound, all threads over 1")
    }
}
