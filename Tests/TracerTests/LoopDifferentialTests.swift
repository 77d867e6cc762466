// Random loops: the LLVM backend against the scalar backend, and symbolic against evaluated mode, bit for bit.
import PropertyBased
import Testing
@testable import Tracer

@Suite("Random loops: LLVM vs scalar, symbolic vs evaluated")
struct LoopDifferentialTests {
    static let width = HostCPU.hostVectorWidth

    func check(seed: UInt64, size: Int) {
        let loop = RandomLoop(seed: seed, size: size, width: Self.width)
        let reference = loop.run(.scalar, .symbolic)
        for (variant, mode) in [(Variant.llvm, LoopMode.symbolic), (.llvm, .evaluated)] {
            let result = loop.run(variant, mode)
            let what = "seed \(seed), size \(size), \(variant) \(mode): \(loop.description)"
            for (index, (a, b)) in zip(result.floats, reference.floats).enumerated() {
                let mismatch = a.indices.first { !sameFloat(a[$0], b[$0]) }
                #expect(mismatch == nil, "float array \(index), lane \(mismatch ?? 0): \(what)")
            }
            #expect(result.ints == reference.ints, "\(what)")
            #expect(result.uints == reference.uints, "\(what)")
            #expect(result.masks == reference.masks, "\(what)")
        }
    }

    @Test("random loops agree at sizes 1, W-1, W+1 and 300", arguments: [1, width - 1, width + 1, 300])
    func randomLoops(size: Int) async {
        await propertyCheck(count: 6, input: Gen.uint64(in: 0...UInt64.max)) { seed in
            check(seed: seed, size: size)
        }
    }
}
