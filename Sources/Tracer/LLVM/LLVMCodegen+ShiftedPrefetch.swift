// Software prefetches of shifted views (gathers at lane + d) shared by the loads whose offsets lie close together.
//
// Each contiguous load prefetches the element `prefetchDistance` lanes ahead. A film's pull reads every array at
// 25 offsets, five of them (the pixels of one row) within 256 lanes of each other: as the kernel walks forward,
// the line the leading offset prefetches now is the one the others would ask for a few vectors later, so one
// prefetch per run of close offsets does the work of five. Runs are found per slot over the whole program; the
// first load of a run in a basic block prefetches for the run's largest offset, the others in that block none.
import CLLVM

/// For each slot, its shifted loads' offsets grouped into runs (sorted, neighbours at most `prefetchDistance`
/// apart), each run named by its largest offset.
struct ShiftedPrefetchPlan {
    private var leadingOffset: [Int: [Int64: Int64]] = [:]

    /// The plan for the offsets `loads` lists as (slot, offset).
    init(_ loads: [(slot: Int, offset: Int64)], distance: Int64) {
        for (slot, offsets) in Dictionary(grouping: loads, by: \.slot) {
            let sorted = Set(offsets.map(\.offset)).sorted()
            var leading: [Int64: Int64] = [:]
            var runStart = 0
            for index in sorted.indices {
                let endsRun = index == sorted.count - 1 || sorted[index + 1] - sorted[index] > distance
                guard endsRun else { continue }
                for member in sorted[runStart...index] { leading[member] = sorted[index] }
                runStart = index + 1
            }
            leadingOffset[slot] = leading
        }
    }

    /// The largest offset of the run holding `offset` in `slot` (`offset` itself when the plan does not list it).
    func leading(slot: Int, offset: Int64) -> Int64 { leadingOffset[slot]?[offset] ?? offset }
}

extension LLVMCodegen {
    /// Prefetches for the shifted load of `slot` at lane + `offset`, unless a load of the same run already did in
    /// the current basic block.
    func prefetchShifted(slot: Int, offset: Int64, element: LLVMTypeRef) {
        let leading = shiftedPrefetchPlan.leading(slot: slot, offset: offset)
        let key = PrefetchKey(slot: slot, leading: leading, block: LLVMGetInsertBlock(builder))
        guard prefetchedRuns.insert(key).inserted else { return }
        let index = LLVMBuildAdd(builder, loopIndex, constant(i64, Int(leading) + Self.prefetchDistance), "")!
        prefetch(elementAddress(slot: slot, element: element, index: index))
    }

    /// The shifted loads (gathers at lane + d) of the program, as (slot, d).
    func shiftedLoads() -> [(slot: Int, offset: Int64)] {
        program.instructions.compactMap { instruction in
            guard instruction.op == .gather,
                  let (divisor, offset) = lanePattern(ofIndex: Int(instruction.operands.0)), divisor == 1 else { return nil }
            return (Int(instruction.immediate), offset)
        }
    }
}

/// A run of shifted loads prefetched in one basic block.
struct PrefetchKey: Hashable {
    var slot: Int
    var leading: Int64
    var block: LLVMBasicBlockRef?
}
