// Scatter-adds into neighbouring elements (base + 0, 1, 2) whose lanes are chained by element once for all members:
// the LLVM kernels against the scalar backend, bit for bit, with colliding, masked, unaligned and out-of-range
// lanes; and the groups that the code generator finds.
import Testing
@testable import Tracer

@Suite("Grouped scatter-adds")
struct ScatterAddGroupTests {
    /// Element `base + k` receives value k of every lane, the k in `offsets` order (as an adjoint lists them).
    static func scatter(variant: Variant, width: Int, bases: [Int32], mask: [Bool], offsets: [Int32],
                        targetSize: Int) -> [Float] {
        TraceContext.with(CompileOptions(variant: variant, vectorWidth: width, blockSize: 64)) {
            let lanes = bases.count
            let target = FloatArray([Float](repeating: 0, count: targetSize))
            let base = Int32Array(bases), enabled = BoolArray(mask)
            // Values with many significant bits, so that a change in the order of the sums changes the result.
            let lane = FloatArray.arange(lanes)
            for k in offsets {
                let value = sin(lane * (1.7 + Float(k))) * 1000 + 0.001 * Float(k + 1)
                Self.queueScatterAdd(into: target, value, at: k == 0 ? base : base + k, mask: enabled)
            }
            return target.values
        }
    }

    /// Queues a scatter-add as an adjoint does (`scatterAdd` would run the previous one first, since the queue
    /// holds the target), so that consecutive ones share a kernel.
    static func queueScatterAdd<I: TracedIndex>(into target: FloatArray, _ value: FloatArray, at index: TracedArray<I>,
                                                mask: BoolArray = true) {
        target.context.recordSideEffect(.scatterAdd, target: target.node, index: index.node, value: value.node,
                                        mask: mask.node)
    }

    /// Lanes whose bases collide often (multiples of 3 in a small range), with some lanes masked off.
    static func rgbBases(lanes: Int, seed: UInt64) -> (bases: [Int32], mask: [Bool]) {
        var random = TestRandom(seed: seed)
        let bases = (0..<lanes).map { _ in Int32(Int(random.floats(1, in: 0...7.99)[0])) * 3 }
        let mask = (0..<lanes).map { _ in random.floats(1, in: 0...1)[0] < 0.8 }
        return (bases, mask)
    }

    @Test("aligned RGB triples, colliding and masked: the backends agree bit for bit", arguments: [8, 16])
    func rgbTriples(width: Int) {
        let (bases, mask) = Self.rgbBases(lanes: 200, seed: UInt64(width))
        for offsets: [Int32] in [[2, 1, 0], [0, 1, 2], [1, 0]] {
            let llvm = Self.scatter(variant: .llvm, width: width, bases: bases, mask: mask, offsets: offsets, targetSize: 24)
            let scalar = Self.scatter(variant: .scalar, width: width, bases: bases, mask: mask, offsets: offsets,
                                      targetSize: 24)
            #expect(llvm.map(\.bitPattern) == scalar.map(\.bitPattern), "offsets \(offsets)")
        }
    }

    @Test("vectors whose enabled lanes all write one element (one load and store) agree bit for bit",
          arguments: [8, 16])
    func uniformVectors(width: Int) {
        // Runs of lanes on one base (a pixel's samples on one texel), some vectors with masked lanes, some with a
        // lane that leaves the run (the per-lane path), one vector entirely masked off.
        var random = TestRandom(seed: 11)
        let lanes = 8 * width
        var bases = (0..<lanes).map { Int32(($0 / width) % 3) * 3 }
        var mask = (0..<lanes).map { _ in random.floats(1, in: 0...1)[0] < 0.7 }
        bases[2 * width + 5] = 6
        mask[2 * width + 5] = true
        for lane in (5 * width)..<(6 * width) { mask[lane] = false }
        // A vector whose lanes all start at 7: the group's member at offset 2 (element 9) is out of range for every
        // lane, so that member has no enabled lane while the others have all of them.
        for lane in (6 * width)..<(7 * width) { bases[lane] = 7; mask[lane] = true }
        for offsets: [Int32] in [[0, 1, 2], [0]] {
            let llvm = Self.scatter(variant: .llvm, width: width, bases: bases, mask: mask, offsets: offsets, targetSize: 9)
            let scalar = Self.scatter(variant: .scalar, width: width, bases: bases, mask: mask, offsets: offsets,
                                      targetSize: 9)
            #expect(llvm.map(\.bitPattern) == scalar.map(\.bitPattern), "offsets \(offsets)")
        }
        // Integer sums wrap the same way on both backends.
        func counts(_ variant: Variant) -> [Int32] {
            TraceContext.with(CompileOptions(variant: variant, vectorWidth: width, blockSize: 64)) {
                var target = Int32Array([Int32](repeating: 0, count: 9))
                target.scatterAdd(Int32Array.arange(lanes) * 65_537 + Int32.max, at: Int32Array(bases),
                                  mask: BoolArray(mask))
                return target.values
            }
        }
        #expect(counts(.llvm) == counts(.scalar))
    }

    @Test("overlapping runs and lanes partly out of range (the per-member path) give the same bits",
          arguments: [8, 16])
    func irregularLanes(width: Int) {
        var (bases, mask) = Self.rgbBases(lanes: 100, seed: 3)
        bases[5] += 1          // overlaps its neighbours' runs
        bases[40] = 22         // 22, 23 in range, 24 out of range
        bases[70] = -1         // offset 0 out of range, 1 and 2 in range
        mask[5] = true; mask[40] = true; mask[70] = true
        let llvm = Self.scatter(variant: .llvm, width: width, bases: bases, mask: mask, offsets: [2, 1, 0], targetSize: 24)
        let scalar = Self.scatter(variant: .scalar, width: width, bases: bases, mask: mask, offsets: [2, 1, 0],
                                  targetSize: 24)
        #expect(llvm.map(\.bitPattern) == scalar.map(\.bitPattern))
    }

    @Test("several scatter-adds reaching the same elements: the backends add in the same order",
          arguments: [8, 16])
    func overlappingInstructions(width: Int) {
        var random = TestRandom(seed: 21)
        let lanes = 150
        let indices = (0..<4).map { _ in (0..<lanes).map { _ in Int32(Int(random.floats(1, in: 0...9.99)[0])) } }
        func run(_ variant: Variant) -> [Float] {
            TraceContext.with(CompileOptions(variant: variant, vectorWidth: width, blockSize: 64)) {
                let target = FloatArray([Float](repeating: 0, count: 10))
                let lane = FloatArray.arange(lanes)
                for (k, index) in indices.enumerated() {
                    Self.queueScatterAdd(into: target, sin(lane * (2.3 + Float(k))) * 1000, at: Int32Array(index))
                }
                return target.values
            }
        }
        #expect(run(.llvm).map(\.bitPattern) == run(.scalar).map(\.bitPattern))
    }

    @Test("the groups found: runs into one slot at base + 0 ..< n under one mask, through int bitcasts")
    func groupsFound() throws {
        let program = try TraceContext.with(CompileOptions(variant: .scalar, vectorWidth: 16)) { () throws -> KernelProgram in
            let context = TraceContext.current
            let target = FloatArray([Float](repeating: 0, count: 30))
            let other = FloatArray([Float](repeating: 0, count: 30))
            let base = Int32Array([0, 3, 6, 3]), values = FloatArray([1, 2, 3, 4])
            Self.queueScatterAdd(into: target, values, at: UInt32Array(bitPattern: base + 2))   // group ...
            Self.queueScatterAdd(into: other, values, at: base)              // (another slot between members)
            Self.queueScatterAdd(into: target, values, at: UInt32Array(bitPattern: base))
            Self.queueScatterAdd(into: target, values, at: base + 1)          // ... ends here
            Self.queueScatterAdd(into: target, values, at: base + 1)          // a lone repeat: no group
            context.capturedLaunches = []
            target.eval()
            #expect(target.values == [1, 2, 1, 6, 12, 6, 3, 6, 3] + [Float](repeating: 0, count: 21))
            return try #require(context.capturedLaunches?.first?.program)
        }
        let groups = ScatterAddGroups(program)
        let scatterAdds = program.instructions.indices.filter { program.instructions[$0].op == .scatterAdd }
        #expect(groups.groups.count == 1)
        let members = try #require(groups.groups.values.first)
        #expect(members.count == 3)
        #expect(Set(members).count == 3 && members.allSatisfy { scatterAdds.contains($0) })
        #expect(groups.deferred.count == 2)
    }
}
