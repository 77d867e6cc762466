// The backend-neutral kernel description: what both the LLVM and the scalar backend execute.
//
// A `KernelProgram` is a straight-line list of instructions in SSA form, run once per lane over [start, end).
// Operands refer to earlier instructions by index. Memory is reached through numbered slots: at launch the
// executor passes one pointer and one element count per slot. The program contains no buffer addresses or sizes,
// so two launches of the same computation on different data share one program and one compiled kernel; the
// program itself (with the vector width) is the cache key.

/// The role of a buffer slot in a kernel.
package enum SlotRole: UInt8, Hashable, Sendable {
    /// Read with `load` (one element per lane) or `loadScalar` (size-1, broadcast).
    case input
    /// Read with `gather`.
    case gatherSource
    /// Written with `store`, one element per lane.
    case output
    /// Written with `scatter`.
    case scatterTarget
    /// Accumulated into with `scatterAdd`.
    case scatterAddTarget
    /// One partial result per block, written by `reducePartial`.
    case reductionPartials
    /// A single `UInt64` that counts out-of-range gather/scatter lanes (only with bounds checking on).
    case boundsCounter
    /// One element per block of k lanes, combined into by `blockAccumulate`; starts filled with the identity unless
    /// k is below the vector width and divides it (then each block is reduced whole and stored).
    case blockOutput
    /// Written in place with `store` (an assignment); the same storage may be read with `load` at the same lane,
    /// since every lane loads before it stores.
    case assignTarget
    /// The result C of a product riding on an assignment, each element stored once, at the end of its row of B.
    case productOutput
}

/// A buffer slot of a kernel: its element type and role.
package struct KernelSlot: Hashable, Sendable {
    package var type: ScalarType
    package var role: SlotRole
    /// An input or gather source that holds exactly as many elements as the launch has lanes (a per-lane array),
    /// so that every such slot of a launch has the same size. Why: the back end then checks the range of a gather
    /// once per index instead of once per slot (a film's pull reads five per-sample arrays at each of 25 shifted
    /// indices). Part of the program, so kernels built with and without it are different kernels.
    package var sizedLikeLaunch: Bool = false
}

/// One instruction of a kernel program.
package struct KernelInstruction: Hashable, Sendable {
    /// The operation.
    package var op: Op
    /// The result type (for side effects: the type of the value written).
    package var type: ScalarType
    /// Indices of the operand instructions (unused entries are -1). Order as documented on `Op`.
    package var operands: (Int32, Int32, Int32)
    /// Literal bits for `literal`; the slot index for `load`, `loadScalar`, `gather`, `store`, `scatter`,
    /// `scatterAdd`, `reducePartial`, `blockAccumulate` and block reductions; for `matrixProduct` its index in
    /// `KernelProgram.matrixProducts`; otherwise 0.
    package var immediate: UInt32
    /// The reduction kind (`ReductionKind.rawValue`) for `reducePartial`; the block length for block reductions;
    /// the block length and kind for `blockAccumulate` (see `blockAccumulateAuxiliary(kind:length:)`);
    /// `streamingStore` on a `store` whose output is too large to stay in cache (a hint; results are the same).
    package var auxiliary: UInt32

    /// The `auxiliary` of a store that should bypass the caches (non-temporal).
    package static let streamingStore: UInt32 = 1

    /// A bit of a gather's `auxiliary`: its source held at most `smallSourceElements` elements when the kernel was
    /// built (a hint: the LLVM backend reads such a source whole and permutes it, after checking its size at run
    /// time; a gather without the hint is a gather for any size).
    package static let smallSource: UInt32 = 1
    /// A bit of a gather's `auxiliary`: no scatter or scatter-add of the launch writes its source (an assigned
    /// source is read from a snapshot), so two gathers of one element read the same value whatever their masks and
    /// wherever they sit (the LLVM backend loads once for several masks, `LLVMCodegen+GatherMerging.swift`).
    package static let readOnlySource: UInt32 = 2
    /// The largest source that `smallSource` marks: four AVX-512 registers of 32-bit elements.
    package static let smallSourceElements = 64

    package init(op: Op, type: ScalarType, operands: [Int32] = [], immediate: UInt32 = 0, auxiliary: UInt32 = 0) {
        self.op = op
        self.type = type
        self.operands = (
            operands.count > 0 ? operands[0] : -1,
            operands.count > 1 ? operands[1] : -1,
            operands.count > 2 ? operands[2] : -1
        )
        self.immediate = immediate
        self.auxiliary = auxiliary
    }

    /// The operand instruction indices that are in use.
    package var operandList: [Int] {
        [operands.0, operands.1, operands.2].prefix(op.arity).filter { $0 >= 0 }.map(Int.init)
    }

    package static func == (a: KernelInstruction, b: KernelInstruction) -> Bool {
        a.op == b.op && a.type == b.type && a.operands.0 == b.operands.0 && a.operands.1 == b.operands.1
            && a.operands.2 == b.operands.2 && a.immediate == b.immediate && a.auxiliary == b.auxiliary
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(op)
        hasher.combine(type)
        hasher.combine(operands.0)
        hasher.combine(operands.1)
        hasher.combine(operands.2)
        hasher.combine(immediate)
        hasher.combine(auxiliary)
    }
}

/// A complete kernel: instructions, slots, and the settings that change its code.
///
/// Semantics for one launch over lanes [start, end) with `block` = the launch's block number:
/// every instruction is evaluated for every lane in order. `store` writes `slot[lane]`. `scatter`/`scatterAdd`
/// write `slot[index]` for lanes whose mask is true, whose index is in [0, slotSize) and which are < end;
/// scatter-adds of one launch happen vector by vector in lane order, each instruction's adds of a vector in
/// `ScatterAddOrder`. `reducePartial` combines the values of lanes < end
/// (accumulated in `vectorWidth` interleaved accumulators, lane l into accumulator (l - start) % vectorWidth,
/// then the accumulators in order 0, 1, ...) and writes the result to `slot[block]`. `blockAccumulate` combines
/// lane l's value into `slot[l / k]`, lanes in increasing order; a launch with one must start every range at a
/// multiple of lcm(k, vectorWidth), so that no block of k lanes is shared by two ranges (or two threads).
package struct KernelProgram: Hashable, Sendable {
    /// The instructions, in evaluation order.
    package var instructions: [KernelInstruction]
    /// The buffer slots, indexed by the `immediate` of memory instructions.
    package var slots: [KernelSlot]
    /// Lanes per vector. Part of the program because it changes the code and the reduction order.
    package var vectorWidth: Int
    /// When true, out-of-range gather and scatter lanes are counted into the slot with role `.boundsCounter`.
    package var countsOutOfRange: Bool
    /// When true, a program of one symbolic loop refills the lanes that leave it with the lanes' next elements
    /// (`LLVMCodegen+LaneRefill.swift`; `CompileOptions.refillsLoopLanes`). The scalar backend ignores it.
    package var refillsLoopLanes: Bool
    /// The matrix products computed by `.matrixProduct` instructions, each named by its index (the instruction's
    /// `immediate`).
    package var matrixProducts: [KernelMatrixProduct]

    package init(instructions: [KernelInstruction], slots: [KernelSlot], vectorWidth: Int, countsOutOfRange: Bool,
                 refillsLoopLanes: Bool = false, matrixProducts: [KernelMatrixProduct] = []) {
        self.instructions = instructions
        self.refillsLoopLanes = refillsLoopLanes
        self.slots = slots
        self.vectorWidth = vectorWidth
        self.countsOutOfRange = countsOutOfRange
        self.matrixProducts = matrixProducts
    }

    /// True when the program accumulates into a buffer with `scatterAdd`.
    package var hasScatterAdd: Bool { instructions.contains { $0.op == .scatterAdd } }

    /// Hashes `structuralHash`: the kernel cache looks a program up at every launch, and SipHash over every
    /// instruction field cost several times more than this one pass.
    package func hash(into hasher: inout Hasher) {
        hasher.combine(structuralHash)
    }

    /// A 64-bit structural hash (stable within a process), used to name kernels and in statistics.
    package var structuralHash: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ value: UInt64) {
            hash ^= value
            hash = hash &* 0x0000_0100_0000_01b3
            hash ^= hash >> 29
        }
        mix(UInt64(vectorWidth))
        mix(countsOutOfRange ? 1 : 0)
        mix(refillsLoopLanes ? 1 : 0)
        for slot in slots {
            mix(UInt64(slot.type.rawValue) << 8 | UInt64(slot.role.rawValue) | (slot.sizedLikeLaunch ? 1 << 16 : 0))
        }
        for instruction in instructions {
            mix(UInt64(instruction.op.rawValue) << 8 | UInt64(instruction.type.rawValue))
            mix(UInt64(UInt32(bitPattern: instruction.operands.0)) << 32 | UInt64(UInt32(bitPattern: instruction.operands.1)))
            mix(UInt64(UInt32(bitPattern: instruction.operands.2)) << 32 | UInt64(instruction.immediate))
            mix(UInt64(instruction.auxiliary))
        }
        for entry in matrixProducts { entry.fields.forEach { mix(UInt64(bitPattern: Int64($0))) } }
        return hash
    }
}

/// The C signature every compiled kernel has, whatever the backend:
/// `kernel(start, end, block, slotPointers, slotSizes)`.
package typealias KernelEntry = @convention(c) (
    Int64, Int64, Int64, UnsafePointer<UnsafeMutableRawPointer?>, UnsafePointer<Int64>
) -> Void
