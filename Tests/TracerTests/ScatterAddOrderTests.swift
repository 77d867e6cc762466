// The order of a scatter-add's additions (`ScatterAddOrder`): analytic cases whose sums tell the orders apart, on
// both backends, and random collisions at every vector width the code generator emits differently.
import Testing
@testable import Tracer

@Suite("Scatter-add order")
struct ScatterAddOrderTests {
    /// One scatter-add of `values` at `indices` into a target of `size` zeros (initially `start` at element 0).
    static func scatterAdd(_ variant: Variant, width: Int, values: [Float], indices: [Int32], mask: [Bool]? = nil,
                           size: Int, start: Float = 0) -> [Float] {
        TraceContext.with(CompileOptions(variant: variant, vectorWidth: width, blockSize: 64)) {
            var target = FloatArray([start] + [Float](repeating: 0, count: size - 1))
            target.scatterAdd(FloatArray(values), at: Int32Array(indices),
                              mask: BoolArray(mask ?? [Bool](repeating: true, count: values.count)))
            return target.values
        }
    }

    @Test("four lanes on one element: the chain's sum ((a + b) + (c + d)), then added to the element",
          arguments: [Variant.llvm, .scalar], [4, 8, 16])
    func fourLanes(variant: Variant, width: Int) {
        // In lane order through memory this would be (((0 + 1e8) + 1) - 1e8) + 1 = 1; the chain's rounds give
        // (1e8 + 1) + (-1e8 + 1) = 1e8 - 1e8 = 0 (each +1 is lost to rounding beside 1e8).
        let values: [Float] = [1e8, 1, -1e8, 1]
        let lanes = values + [Float](repeating: 5, count: width - 4)
        let indices = [Int32](repeating: 0, count: 4) + [Int32](repeating: 1, count: width - 4)
        let result = Self.scatterAdd(variant, width: width, values: lanes, indices: indices, size: 2)
        #expect(result[0] == 0)
        #expect(result[1] == Float(5 * (width - 4)))
        // The element's own value is added last: 1e8 + ((1 + 1) + (1 + 1)) = 1e8 + 4, where lane by lane each + 1
        // is lost.
        let onBig = Self.scatterAdd(variant, width: width, values: [1, 1, 1, 1], indices: [0, 0, 0, 0], size: 1,
                                    start: 1e8)
        #expect(onBig[0] == 1e8 + 4)
    }

    @Test("a chain through masked and foreign lanes links only its own enabled lanes",
          arguments: [Variant.llvm, .scalar])
    func chainSkipsOtherLanes(variant: Variant) {
        // Lanes 0, 3, 5 and 6 write element 0 (a, b, c, d), lane 1 is masked off, the others write element 1.
        // Round 1: x3 = a + b, x5 = b + c, x6 = c + d; round 2: x6 = (a + b) + (c + d).
        var values = [Float](repeating: 0.5, count: 8), indices = [Int32](repeating: 1, count: 8)
        var mask = [Bool](repeating: true, count: 8)
        for (lane, value) in zip([0, 3, 5, 6], [Float(1e8), 1, -1e8, 1]) { values[lane] = value; indices[lane] = 0 }
        values[1] = 1e9; indices[1] = 0; mask[1] = false
        let result = Self.scatterAdd(variant, width: 8, values: values, indices: indices, mask: mask, size: 2)
        #expect(result == [0, 1.5])
    }

    @Test("random collisions, masks and tails: the backends agree bit for bit", arguments: [4, 8, 16])
    func randomCollisions(width: Int) {
        var random = TestRandom(seed: UInt64(width) + 40)
        for (lanes, elements) in [(1, 1), (width - 1, 2), (width + 3, 1), (300, 5), (300, 40)] {
            let values = (0..<lanes).map { _ in random.floats(1, in: -1000...1000)[0] * 1.000_7 }
            let indices = (0..<lanes).map { _ in Int32(Int(random.floats(1, in: 0...Double(elements) - 0.01)[0])) }
            let mask = (0..<lanes).map { _ in random.floats(1, in: 0...1)[0] < 0.75 }
            let llvm = Self.scatterAdd(.llvm, width: width, values: values, indices: indices, mask: mask,
                                       size: elements)
            let scalar = Self.scatterAdd(.scalar, width: width, values: values, indices: indices, mask: mask,
                                         size: elements)
            #expect(llvm.map(\.bitPattern) == scalar.map(\.bitPattern), "\(lanes) lanes into \(elements)")
        }
    }
}
