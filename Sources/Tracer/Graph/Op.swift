// The operations of the tracer: one enum shared by the graph, the kernel description and both backends.

/// An operation of the tracer.
///
/// Every op has four homes: its case here, its folding rules (`TraceContext+Folding.swift`), its code generation
/// (`ScalarSemantics.swift` for the scalar backend and folding, `LLVMCodegen+Ops.swift` for LLVM) and its
/// derivative (`DerivativeTable.swift`). Graph nodes use the leaf, arithmetic and `gather`/reduction cases;
/// kernel programs additionally use `load`, `loadScalar`, `store`, `scatter`, `scatterAdd`, `reducePartial` and
/// `blockAccumulate`.
/// The matrix product keeps its homes in files of their own (`*+LinearAlgebra.swift`, `*+MatrixProduct.swift`).
package enum Op: UInt8, Hashable, Sendable, CaseIterable {
    // Leaves.
    /// A constant baked into the code; its bits are the node's immediate.
    case literal
    /// Evaluated data (graph only).
    case buffer
    /// The lane index 0, 1, 2, ... (`arange`).
    case laneIndex
    /// Kernel only: a contiguous vector load from the slot in `immediate`.
    case load
    /// Kernel only: one value loaded from the size-1 slot in `immediate` and broadcast to all lanes.
    case loadScalar

    // Unary.
    case neg, abs, sqrt, rsqrt, rcp, floor, ceil, round, trunc
    case exp, log, sin, cos, tan
    /// Logical not for masks, bitwise not for integers.
    case not
    /// Value conversion to the node's type (float <-> integer rounds toward zero and saturates; NaN -> 0).
    case cast
    /// Reinterpretation of the 32 bits as the node's type.
    case bitcast

    // Binary.
    case add, sub, mul, div, min, max, atan2, pow
    /// The high 32 bits of the 64-bit product (signed for `int32`, unsigned for `uint32`).
    case mulhi
    /// Shifts; the amount is taken modulo 32. `shr` is arithmetic for `int32`, logical for `uint32`.
    case shl, shr
    case and, or, xor
    case eq, ne, lt, le, gt, ge

    // Ternary.
    /// a * b + c with a single rounding.
    case fma
    /// select(mask, a, b).
    case select

    // Memory.
    /// gather(index, mask) from the evaluated source: the graph's operand 0, the kernel's slot `immediate`.
    /// Lanes that are masked off or out of range read 0.
    case gather
    /// Kernel only: store(value) into the output slot `immediate`; into an `.assignTarget` slot it is the in-place
    /// write of `TracedArray.assign` (queued as a side effect, like a scatter).
    case store
    /// Kernel only: scatter(index, value, mask) into the target slot `immediate`.
    case scatter
    /// Kernel only: scatterAdd(index, value, mask) into the target slot `immediate`.
    case scatterAdd

    // Reductions.
    /// Whole-array reduction to one value (graph: size 1 node over its operand; kernel: `reducePartial`).
    case reduceSum, reduceMin, reduceMax
    /// Kernel only: reduce(value) over the block's active lanes into element `block` of slot `immediate`;
    /// the kind (`ReductionKind`) is in `auxiliary`.
    case reducePartial
    /// Reduction over consecutive blocks of elements: lane i combines source elements [i*k, i*k+k). Graph: operand
    /// 0 is the source, `auxiliary` is k. Kernel, over an evaluated source: slot `immediate`, k in `auxiliary` (an
    /// unevaluated source's own kernel computes them with `blockAccumulate` instead).
    case blockSum, blockMin, blockMax
    /// Sums over consecutive blocks of k = 2^j elements added as a binary tree (pairwise): element i is T(i·k, k),
    /// with T(s, 1) = source[s] (+0 past the end) and T(s, m) = T(s, m/2) + T(s + m/2, m/2). Graph and kernel as
    /// `blockSum`; where k divides W it is fused into the kernel of its source (`blockAccumulate`, tree order).
    case blockTreeSum
    /// Kernel only: a block reduction fused into the kernel of its source. Lane l combines its value into element
    /// l / k of the slot `immediate` (lanes in increasing order, onto the identity the slot starts with, or for
    /// `blockTreeSum` in its tree); k, the `ReductionKind` and the tree order are packed in `auxiliary` (see
    /// `KernelInstruction.blockAccumulateLength`).
    case blockAccumulate

    // The matrix product (`Graph/MatrixProduct.swift`, `Arrays/TracedArray+LinearAlgebra.swift`).
    /// C = op(A) · op(B), batched. Graph: operands A and B, the shape in `Node.product`. Kernel: the product at index
    /// `immediate` of `KernelProgram.matrixProducts`, computed as its `MatrixProductStrategy` says: a kernel of its
    /// own (the program's only instruction), C's element per lane (`lanes`), or, for `riding`, accumulated from
    /// operand 0, the value the kernel assigns to B (then it has no value).
    case matrixProduct

    // Symbolic loops (`Control/WhileLoop.swift`; lowering in `KernelBuilder+Loops.swift`).
    /// Graph: a symbolic loop over its state, of the state's size. Operands are the k initial values, then the
    /// condition, the k body results and the operands of the body's side effects; `Node.loop` holds the rest.
    /// Kernel: the loop's start, followed by its k `loopVariable`s; `immediate` is the position of its `loopEnd`,
    /// `auxiliary` is k. It has no value.
    case loop
    /// Graph: the placeholder standing for one loop-carried value while the body is recorded (a leaf; `immediate`
    /// is its position in the state). Kernel: the loop-carried value (a phi), entered with operand 0, the initial
    /// value; after the loop it holds the final value.
    case loopVariable
    /// Graph only: the final value of state variable `immediate` of the loop that is operand 0.
    case loopOutput
    /// Kernel only: lanes whose operand-0 mask is false leave the loop; when no lane is left, control goes past the
    /// `loopEnd` at position `immediate`. Until that `loopEnd`, side effects are masked by the lanes still active.
    case loopCondition
    /// Kernel only: the next value of the `loopVariable` at operand 0 is operand 1 (on active lanes; the others
    /// keep theirs). The updates of a loop come right before its `loopEnd`, one per variable, in order.
    case loopUpdate
    /// Kernel only: the end of the body of the loop that starts at position `immediate`; goes back to its condition.
    case loopEnd

    // Symbolic dispatch (`Control/Dispatch.swift`; lowering in `KernelBuilder+Dispatch.swift`).
    /// Graph: each lane runs the case its index selects. Operands are the index, the mask, the k arguments, then
    /// every case's results and side-effect operands; `Node.dispatch` holds them by role. Kernel: the dispatch's
    /// start (operands: index, mask; `immediate`: position of its `dispatchEnd`; `auxiliary`: the case count); the
    /// cases follow, each opened by a `dispatchCase`. It has no value.
    case dispatch
    /// Graph only: the placeholder standing for argument `immediate` while one case's body is recorded (a leaf).
    case caseArgument
    /// Graph only: result `immediate` of the dispatch that is operand 0.
    case dispatchOutput
    /// Kernel only: opens case `auxiliary` of the dispatch at position `immediate`; its instructions run on the
    /// lanes whose index is `auxiliary` (reached in sequence, it closes the previous case).
    case dispatchCase
    /// Kernel only: operand 0 is result `auxiliary` of the current case (`immediate`: position of `dispatchEnd`).
    case caseResult
    /// Kernel only: the end of the dispatch that starts at position `immediate`; `auxiliary` results follow it.
    case dispatchEnd
    /// Kernel only: result `immediate` of the dispatch ending just before the results, per lane its case's value
    /// (0 on lanes that ran no case).
    case dispatchResult

    // Native calls (`Control/NativeCall.swift`; lowering in `KernelBuilder+NativeCalls.swift`).
    /// Graph: a call of a C function on packets of W lanes. Operands are the pointer buffer (function and context,
    /// two 64-bit words as four `uint32`), the mask and the inputs; `Node.nativeCall` holds the output types.
    /// Kernel: the call, preceded by its inputs' `callArgument`s (operand 0: the mask; `immediate`: the pointer
    /// buffer's slot; `auxiliary`: inputs | outputs << 16), followed by one `callResult` per output.
    case nativeCall
    /// Graph only: output `immediate` of the native call that is operand 0.
    case nativeCallOutput
    /// Kernel only: operand 0 is the next input of the `nativeCall` that follows the arguments.
    case callArgument
    /// Kernel only: output `immediate` of the `nativeCall` just before the results (0 on lanes outside its mask).
    case callResult

    /// Number of value operands in a graph node or kernel instruction.
    package var arity: Int {
        switch self {
        case .literal, .buffer, .laneIndex, .load, .loadScalar: 0
        case .neg, .abs, .sqrt, .rsqrt, .rcp, .floor, .ceil, .round, .trunc,
             .exp, .log, .sin, .cos, .tan, .not, .cast, .bitcast: 1
        case .add, .sub, .mul, .div, .min, .max, .atan2, .pow, .mulhi, .shl, .shr,
             .and, .or, .xor, .eq, .ne, .lt, .le, .gt, .ge: 2
        case .fma, .select: 3
        case .gather: 2          // kernel: index, mask (graph: source, index, mask)
        case .store: 1
        case .scatter, .scatterAdd: 3
        case .reduceSum, .reduceMin, .reduceMax, .reducePartial, .blockAccumulate: 1
        case .blockSum, .blockMin, .blockMax, .blockTreeSum: 0
        case .matrixProduct: 1    // kernel: B's assigned value when riding, else none (-1); graph: A, B
        case .loop, .loopEnd: 0   // graph: a loop has a variable number of operands (see `loop`)
        case .loopVariable, .loopOutput, .loopCondition: 1
        case .loopUpdate: 2
        case .dispatch: 2         // kernel: index, mask (graph: a variable number, see `dispatch`)
        case .caseArgument, .dispatchCase, .dispatchEnd, .dispatchResult: 0
        case .dispatchOutput, .caseResult: 1
        case .nativeCall: 1       // kernel: the mask (graph: a variable number, see `nativeCall`)
        case .nativeCallOutput, .callArgument: 1
        case .callResult: 0
        }
    }

    /// True for comparisons, whose result is a mask.
    package var isComparison: Bool {
        switch self {
        case .eq, .ne, .lt, .le, .gt, .ge: true
        default: false
        }
    }

    /// True for pure lane-wise operations: the result in a lane depends only on the operands in that lane.
    package var isElementwise: Bool {
        switch self {
        case .literal, .buffer, .laneIndex, .load, .loadScalar, .gather, .store, .scatter, .scatterAdd,
             .reduceSum, .reduceMin, .reduceMax, .reducePartial, .blockSum, .blockMin, .blockMax, .blockTreeSum,
             .blockAccumulate, .matrixProduct, .loop, .loopVariable, .loopOutput,
             .loopCondition, .loopUpdate, .loopEnd, .dispatch, .caseArgument, .dispatchOutput, .dispatchCase,
             .caseResult, .dispatchEnd, .dispatchResult, .nativeCall, .nativeCallOutput, .callArgument,
             .callResult: false
        default: true
        }
    }

    /// True for operations that write memory instead of producing a value.
    package var isSideEffect: Bool {
        self == .store || self == .scatter || self == .scatterAdd || self == .reducePartial || self == .blockAccumulate
    }
}

/// The combining operation of a reduction.
package enum ReductionKind: UInt32, Sendable, Hashable {
    case sum = 0, min = 1, max = 2
}
