// The LLVM backend against the scalar backend on random programs over all ops and types, at edge sizes.
import PropertyBased
import Testing
@testable import Tracer

/// Float results must be identical bit for bit (both backends run the same step sequences for transcendental
/// functions and reduce in the same order); the only tolerated differences are the sign of a zero (min/max of +0
/// and -0 may pick either) and the payload of a NaN.
func sameFloat(_ a: Float, _ b: Float) -> Bool {
    a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) || (a == 0 && b == 0)
}

@Suite("LLVM vs scalar backend")
struct DifferentialTests {
    static let width = HostCPU.hostVectorWidth

    func check(seed: UInt64, size: Int, steps: Int) {
        let llvm = TraceContext(options: CompileOptions(variant: .llvm, blockSize: 256))
        let scalar = TraceContext(options: CompileOptions(variant: .scalar, blockSize: 256))
        // Unevaluated nodes stay in each context's value-numbering table, and they hold the context.
        defer { llvm.clearValueNumbers(); scalar.clearValueNumbers() }
        var program = RandomProgram(seed: seed, size: size, left: llvm, right: scalar)
        for _ in 0..<steps { program.step() }
        for (index, (a, b)) in program.floats.enumerated() {
            let left = a.values, right = b.values
            let mismatch = left.indices.first { !sameFloat(left[$0], right[$0]) }
            #expect(mismatch == nil, "seed \(seed), size \(size), float array \(index): lane \(mismatch ?? 0): \(mismatch.map { left[$0] } ?? 0) vs \(mismatch.map { right[$0] } ?? 0)\n\(program.steps.joined(separator: "\n"))")
        }
        for (index, (a, b)) in program.ints.enumerated() {
            #expect(a.values == b.values, "seed \(seed), size \(size), int array \(index)")
        }
        for (index, (a, b)) in program.uints.enumerated() {
            #expect(a.values == b.values, "seed \(seed), size \(size), uint array \(index)")
        }
        for (index, (a, b)) in program.masks.enumerated() {
            #expect(a.values == b.values, "seed \(seed), size \(size), mask \(index)")
        }
    }

    @Test("random programs agree at sizes 1, W-1, W+1 and 1000",
          arguments: [1, width - 1, width + 1, 1000])
    func randomPrograms(size: Int) async {
        await propertyCheck(count: 25, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            check(seed: seed, size: size, steps: 40)
        }
    }

    @Test("random programs agree at 10^5 lanes")
    func largePrograms() async {
        await propertyCheck(count: 3, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            check(seed: seed, size: 100_000, steps: 25)
        }
    }
}
