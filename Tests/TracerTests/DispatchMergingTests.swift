// Dispatch cases that compute the same from different parameters are lowered as one case: the values are each
// case's own, in both backends, and the kernel has one case per shape.
import Testing
import RefractSupport
@testable import Tracer

@Suite("Dispatch case merging")
struct DispatchMergingTests {
    /// Per case: a scale, an offset and a table of 8 values (evaluated, as a scene's parameters are).
    static let scales: [Float] = [0.5, 2, -1.5, 0.25, 3, 0.75, 1.25, -2]
    static let offsets: [Int32] = [1, -7, 30, 4, 5, 0, 2, 9]
    static func table(_ c: Int) -> [Float] { (0..<8).map { Float($0 * (c + 1)) * 0.125 - Float(c) } }

    /// Cases 0-3 and 5 share one shape (case 5 reads case 0's table); case 4 computes another formula; case 6 reads
    /// its scale twice where case 7 reads two parameters, so they stay apart.
    static func expected(_ c: Int, x: Float, k: Int32) -> (Float, Int32) {
        let s = scales[c], slot = Int(k & 7)
        switch c {
        case 4: return (x - s, k &- offsets[c])
        case 5: return (x * s + table(0)[slot], k &+ offsets[c])
        case 6: return (x * s + s, k)
        case 7: return (x * s + scales[0], k)
        default: return (x * s + table(c)[slot], k &+ offsets[c])
        }
    }

    static func run(index: [UInt32], x: [Float], k: [Int32]) -> (FloatArray, Int32Array) {
        let scales = Self.scales.map { value -> FloatArray in let a = FloatArray([value]); a.eval(); return a }
        let offsets = Self.offsets.map { value -> Int32Array in let a = Int32Array([value]); a.eval(); return a }
        let tables = (0..<8).map { c -> FloatArray in let a = FloatArray(table(c)); a.eval(); return a }
        let arguments = FloatInt(first: FloatArray(x) + 0, second: Int32Array(k) + 0)
        let result = dispatch(UInt32Array(index), count: 8, arguments: arguments) { c, a in
            let slot = UInt32Array(bitPattern: a.second & 7)
            switch c {
            case 4: return FloatInt(first: a.first - scales[c], second: a.second - offsets[c])
            case 5: return FloatInt(first: a.first * scales[c] + tables[0].gather(slot), second: a.second + offsets[c])
            case 6: return FloatInt(first: a.first * scales[c] + scales[c], second: a.second)
            case 7: return FloatInt(first: a.first * scales[c] + scales[0], second: a.second)
            default: return FloatInt(first: a.first * scales[c] + tables[c].gather(slot), second: a.second + offsets[c])
            }
        }
        return (result.first * 1, result.second + 0)
    }

    @Test("cases that differ only in parameters run as one, each lane with its own case's values",
          arguments: Variant.allCases)
    func mergedCases(variant: Variant) throws {
        let size = 16 * 7 + 5
        var random = SplitMix64(seed: 41)
        let index = (0..<size).map { _ in UInt32.random(in: 0..<8, using: &random) }
        let x = (0..<size).map { _ in Float(Int.random(in: -1000...1000, using: &random)) * 0.125 }
        let k = (0..<size).map { _ in Int32.random(in: -1000...1000, using: &random) }
        let (floats, ints, cases) = TraceContext.with(CompileOptions(variant: variant, blockSize: 64)) {
            let (first, second) = Self.run(index: index, x: x, k: k)
            let program = first.kernelProgram!
            return (first.values, second.values, program.instructions.filter { $0.op == .dispatchCase }.count)
        }
        for lane in 0..<size {
            let (f, i) = Self.expected(Int(index[lane]), x: x[lane], k: k[lane])
            #expect(floats[lane].bitPattern == f.bitPattern, "lane \(lane), case \(index[lane])")
            #expect(ints[lane] == i, "lane \(lane), case \(index[lane])")
        }
        // One case for 0, 1, 2, 3 and 5; one each for 4, 6 and 7.
        #expect(cases == 4, "\(cases) cases lowered")
    }
}
