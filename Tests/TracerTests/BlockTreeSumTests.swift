// blockTreeSum: pairwise block sums with the bits of a host binary tree, fused into the source's kernel or not.
import Testing
@testable import Tracer

@Suite("Block tree sums")
struct BlockTreeSumTests {
    /// The host's tree over blocks of `length` of `values`: T(s, 1) = values[s] (+0 past the end),
    /// T(s, m) = T(s, m/2) + T(s + m/2, m/2).
    static func hostTree(_ values: [Float], length: Int) -> [UInt32] {
        func tree(_ start: Int, _ count: Int) -> Float {
            if count == 1 { return start < values.count ? values[start] : 0 }
            return tree(start, count / 2) + tree(start + count / 2, count / 2)
        }
        return stride(from: 0, to: values.count, by: length).map { tree($0, length).bitPattern }
    }

    /// The bits of `source.blockTreeSum(length)` with the source evaluated first or not, the source's values, and
    /// the kernels that the sum launched.
    static func run(_ options: CompileOptions, fused: Bool, length: Int,
                    _ source: () -> FloatArray) -> (sums: [UInt32], source: [Float], kernels: Int) {
        TraceContext.with(options) {
            let x = source()
            if !fused { x.eval() }
            TraceContext.current.resetStatistics()
            let sums = x.blockTreeSum(length)
            sums.eval()
            let kernels = TraceContext.current.statistics.kernelsLaunched
            return (sums.values.map(\.bitPattern), x.values, kernels)
        }
    }

    @Test("fused and unfused tree sums have the host tree's bits", arguments: Variant.allCases, [nil, 4, 8] as [Int?])
    func matchesHostTree(variant: Variant, width: Int?) {
        if variant == .scalar && width != nil { return }
        let options = CompileOptions(variant: variant, vectorWidth: width, blockSize: 2048)
        let vectorWidth = TraceContext.with(options) { TraceContext.current.vectorWidth }
        for count in [1, 15, 1037, 9001] {
            for length in [1, 2, 4, 8, 16, 32, 64] {
                let source = { BlockReductionTests.floatSource(count) }
                for fused in [true, false] {
                    let what = "blockTreeSum(\(length)) of \(count), \(fused ? "fused" : "unfused"), \(variant) W=\(vectorWidth)"
                    let result = Self.run(options, fused: fused, length: length, source)
                    BlockReductionTests.expectIdentical(result.sums, Self.hostTree(result.source, length: length), what)
                    // Fused where the block lies inside a vector: the source never reaches memory.
                    if fused && vectorWidth % length == 0 { #expect(result.kernels == 1, "\(what)") }
                }
            }
        }
    }

    @Test("signed zeros: -0 + -0 stays -0, a missing element is +0", arguments: Variant.allCases)
    func signedZeros(variant: Variant) {
        let options = CompileOptions(variant: variant)
        for fused in [true, false] {
            let result = Self.run(options, fused: fused, length: 2) { FloatArray([-0.0, -0.0, -0.0]) * 1 }
            #expect(result.sums == [(-Float.zero).bitPattern, Float.zero.bitPattern], "fused: \(fused)")
        }
    }

    @Test("the tree differs from blockSum's lane order where rounding shows it")
    func treeOrder() {
        let values: [Float] = [1e8, 1, -1e8, 1]
        let tree = TraceContext.with(CompileOptions(variant: .llvm)) { (FloatArray(values) * 1).blockTreeSum(4).values }
        let chain = TraceContext.with(CompileOptions(variant: .llvm)) { (FloatArray(values) * 1).blockSum(4).values }
        // (1e8 + 1) + (-1e8 + 1) = 1e8 - 1e8 = 0 in float; ((1e8 + 1) - 1e8) + 1 = 0 + 1 = 1.
        #expect(tree == [0] && chain == [1])
    }

    @Test("integer tree sums wrap like blockSum", arguments: Variant.allCases)
    func integers(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let source = BlockReductionTests.integerSource(1000)
            #expect(source.blockTreeSum(16).values == source.blockSum(16).values)
        }
    }

    @Test("a tree over W lanes stores its one sum per vector with a plain store", arguments: [4, 8] as [Int])
    func plainStoreForWholeVectors(width: Int) throws {
        // The block's first lane is the vector's, active in every vector the loop runs. A one-lane masked store
        // became a branch, into which LLVM sank the work the sum needed.
        try TraceContext.with(CompileOptions(variant: .llvm, vectorWidth: width)) {
            let source = BlockReductionTests.floatSource(1037) * 2
            let ir = try source.blockTreeSum(width).intermediateRepresentation(optimized: false)
            #expect(!ir.contains("llvm.masked.store"))
            // Two blocks per vector still store under the mask: the second block can lie past the end.
            #expect(try source.blockTreeSum(width / 2).intermediateRepresentation(optimized: false).contains("llvm.masked.store"))
        }
    }
}
