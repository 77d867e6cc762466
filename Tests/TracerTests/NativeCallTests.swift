// Native calls from kernels: a C-ABI test function of known result, masks and tails, both backends, no recompiles.
import Foundation
import Testing
@testable import Tracer

/// What a test function saw, shared through its context pointer (kernels call it from several threads).
final class CallRecorder: @unchecked Sendable {
    let width: Int
    /// Added to every output, so two contexts give different results from one kernel.
    let offset: Float
    private let lock = NSLock()
    private(set) var calls = 0
    private(set) var activeLanes = 0
    /// Set when a mask lane was neither 0 nor -1.
    private(set) var sawBadMask = false

    init(width: Int, offset: Float = 0) {
        self.width = width
        self.offset = offset
    }

    func record(active: Int, bad: Bool) {
        lock.withLock {
            calls += 1
            activeLanes += active
            sawBadMask = sawBadMask || bad
        }
    }

    /// Runs `body` with the recorder as a context pointer.
    func withContext<T>(_ body: (UnsafeMutableRawPointer) -> T) -> T {
        withExtendedLifetime(self) { body(Unmanaged.passUnretained(self).toOpaque()) }
    }
}

/// out = a * scale + b + offset, and the number of active lanes in the packet, on the active lanes only.
private func packetFunction(scale: Float) -> NativeFunction {
    scale == 2 ? { context, mask, inputs, outputs in affine(context, mask, inputs, outputs, scale: 2) }
        : { context, mask, inputs, outputs in affine(context, mask, inputs, outputs, scale: 3) }
}

private func affine(_ context: UnsafeMutableRawPointer?, _ mask: UnsafePointer<Int32>,
                    _ inputs: UnsafePointer<UnsafeRawPointer?>, _ outputs: UnsafePointer<UnsafeMutableRawPointer?>,
                    scale: Float) {
    let recorder = Unmanaged<CallRecorder>.fromOpaque(context!).takeUnretainedValue()
    let a = inputs[0]!.assumingMemoryBound(to: Float.self), b = inputs[1]!.assumingMemoryBound(to: Float.self)
    let out = outputs[0]!.assumingMemoryBound(to: Float.self), seen = outputs[1]!.assumingMemoryBound(to: Int32.self)
    var active: Int32 = 0, bad = false
    for lane in 0..<recorder.width {
        if mask[lane] == -1 { active += 1 } else if mask[lane] != 0 { bad = true }
    }
    for lane in 0..<recorder.width where mask[lane] == -1 {
        out[lane] = a[lane] * scale + b[lane] + recorder.offset
        seen[lane] = active
    }
    recorder.record(active: Int(active), bad: bad)
}

/// The outputs of the test function.
struct CallOutputs: TraversableStruct {
    var value: FloatArray
    var seen: Int32Array

    mutating func traverse<V: TracedArrayVisitor>(_ visitor: inout V) {
        value.traverse(&visitor)
        seen.traverse(&visitor)
    }

    static let template = CallOutputs(value: FloatArray(repeating: 0), seen: Int32Array(repeating: 0))
}

@Suite("Native calls")
struct NativeCallTests {
    static let width = HostCPU.hostVectorWidth

    func on<T>(_ variant: Variant, _ body: () -> T) -> T {
        TraceContext.with(CompileOptions(variant: variant, blockSize: 256), body)
    }

    /// Calls the function on a = lane, b = 0.5 - lane under `mask` (lane % 3 != 1), inside a kernel that also
    /// computes the inputs and uses the outputs (in the current context).
    func run(size: Int, scale: Float = 2, recorder: CallRecorder) -> (values: [Float], seen: [Int32]) {
        recorder.withContext { context in
                let lanes = FloatArray(Int32Array.arange(size))
                let mask = UInt32Array.arange(size) % 3 .!= 1
                let result = nativeCall(packetFunction(scale: scale), context: context,
                                        inputs: [lanes, FloatArray(repeating: 0.5) - lanes],
                                        outputs: CallOutputs.template, mask: mask)
                return ((result.value + 1).values, result.seen.values)
        }
    }

    @Test("a test function's known result; masked lanes and tails are never passed; LLVM and scalar agree",
          arguments: [1, width - 1, width + 1, 1000])
    func knownResult(size: Int) {
        let active = (0..<size).filter { $0 % 3 != 1 }.count
        var results: [[Float]] = []
        for variant in Variant.allCases {
            let recorder = CallRecorder(width: Self.width)
            let (values, seen) = on(variant) { run(size: size, recorder: recorder) }
            let expected: [Float] = (0..<size).map { (lane: Int) -> Float in
                let x = Float(lane)
                return lane % 3 != 1 ? x * 2 + (0.5 - x) + 1 : 1
            }
            #expect(values == expected, "\(variant) size \(size)")
            #expect(recorder.activeLanes == active, "every active lane once, no other: \(variant) size \(size)")
            #expect(!recorder.sawBadMask)
            for lane in 0..<size {
                if lane % 3 == 1 {
                    #expect(seen[lane] == 0, "a lane outside the mask reads 0: \(variant) lane \(lane)")
                } else if variant == .scalar {
                    #expect(seen[lane] == 1, "the scalar backend calls with one lane active")
                } else {
                    #expect(seen[lane] >= 1 && seen[lane] <= Self.width)
                }
            }
            if variant == .llvm {
                #expect(recorder.calls <= (size + Self.width - 1) / Self.width, "one call per vector at most")
            } else {
                #expect(recorder.calls == active)
            }
            results.append(values)
        }
        #expect(results[0] == results[1])
    }

    @Test("another function or context reuses the compiled kernel")
    func noRecompile() {
        on(.llvm) {
            let context = TraceContext.current
            let first = CallRecorder(width: Self.width), second = CallRecorder(width: Self.width, offset: 100)
            let a = run(size: 100, scale: 2, recorder: first)
            let before = context.statistics
            let b = run(size: 100, scale: 3, recorder: second)
            let c = run(size: 100, scale: 2, recorder: second)
            #expect(context.statistics.kernelsCompiled == before.kernelsCompiled, "no new kernel")
            #expect(context.statistics.kernelsLaunched == before.kernelsLaunched + 2, "one kernel per evaluation")
            #expect(a.values[3] == 4.5)    // 3 * 2 + (0.5 - 3) + 1
            #expect(b.values[3] == 107.5)  // 3 * 3 + (0.5 - 3) + 100 + 1
            #expect(c.values[3] == 104.5)  // 3 * 2 + (0.5 - 3) + 100 + 1
        }
    }

    @Test("a native call in a symbolic loop body sees the lanes still in the loop", arguments: Variant.allCases)
    func inLoop(variant: Variant) {
        let recorder = CallRecorder(width: Self.width)
        let size = 37
        let counts = (0..<size).map { Int32($0 % 4) }
        let values: [Float] = on(variant) {
            recorder.withContext { context in
                let limit = Int32Array(counts)
                let end = whileLoop([FloatArray(repeating: 0), FloatArray(Int32Array.arange(size))]) {
                    Int32Array($0[0]) .< limit
                } body: { state in
                    let call = nativeCall(packetFunction(scale: 2), context: context,
                                          inputs: [state[1], FloatArray(repeating: 1)], outputs: CallOutputs.template)
                    return [state[0] + 1, call.value]
                }
                return end[1].values
            }
        }
        let expected: [Float] = (0..<size).map { (lane: Int) -> Float in
            var value = Float(lane)
            for _ in 0..<Int(counts[lane]) { value = value * 2 + 1 }
            return value
        }
        #expect(values == expected)
        #expect(recorder.activeLanes == Int(counts.reduce(0, +)), "only lanes still in the loop are passed")
    }

    @Test("a kernel with a native call loaded from the disk cache calls the pointers of its launch")
    func diskCache() throws {
        let directory = try makeTemporaryDirectory("native-call")
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = CacheReportLog()
        var results: [[Float]] = []
        for (scale, offset) in [(Float(2), Float(0)), (3, 100)] {
            let context = try freshProcessContext(directory: directory, log: log)
            let recorder = CallRecorder(width: Self.width, offset: offset)
            results.append(TraceContext.with(context) { run(size: 40, scale: scale, recorder: recorder).values })
            context.clearValueNumbers()
            #expect(context.statistics.kernelsCompiled + context.statistics.diskCacheHits == 1)
            if offset != 0 { #expect(context.statistics.diskCacheHits == 1, "the second process loads the kernel") }
        }
        #expect(results[0][3] == 4.5)    // 3 * 2 + (0.5 - 3) + 1
        #expect(results[1][3] == 107.5)  // 3 * 3 + (0.5 - 3) + 100 + 1
        #expect(log.reports.isEmpty)
    }

    @Test("a native call on a gradient-tracked input stops with a message")
    func gradientRefused() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var x = FloatArray([1, 2])
            x.enableGradient()
            let identity: NativeFunction = { _, _, _, _ in }
            _ = nativeCall(identity, inputs: x, outputs: FloatArray(repeating: 0))
        } .map { result in
            let message = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(message.contains("native call is not differentiable"))
        }
    }

    @Test("a step with a native call is not frozen (its pointers would stay those of the captured step)")
    func notFrozen() {
        on(.llvm) {
            let context = TraceContext.current
            let recorder = CallRecorder(width: Self.width)
            recorder.withContext { pointer in
                let input = FloatArray([1, 2, 3])
                let start = context.lastNodeID
                let out = nativeCall(packetFunction(scale: 2), context: pointer, inputs: [input, input],
                                     outputs: CallOutputs.template)
                let frozen = context.evaluateFreezing([out.value.node, out.seen.node], inputs: [input.node],
                                                      recordedAfter: start)
                #expect(frozen == nil)
                #expect(out.value.values == [3, 6, 9])
            }
        }
    }
}
