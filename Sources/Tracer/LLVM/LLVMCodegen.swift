// Builds the LLVM IR function of one kernel program: the vector loop skeleton, types, constants and dispatch.
import CLLVM

/// Builds, with the LLVM C API builder, the function that runs one `KernelProgram`.
///
/// The function has the `KernelEntry` signature `void f(i64 start, i64 end, i64 block, i8** slots, i64* sizes)`
/// and the shape `for (i = start; i < end; i += W) { body }`: every instruction becomes one operation on
/// `<W x T>` vectors (W = the program's vector width; masks are `<W x i1>` in registers and 32-bit 0/1 in memory).
/// Reduction accumulators and the out-of-range count are loop phis, finished after the loop.
final class LLVMCodegen {
    /// A `reducePartial` accumulator: the loop phi and the value it takes on the next iteration.
    struct Accumulator {
        var phi: LLVMValueRef
        var next: LLVMValueRef
    }

    /// The program being compiled.
    let program: KernelProgram
    /// Lanes per vector.
    let width: Int
    /// Where the IR lives, and the builder that writes it (owned by this code generator).
    let context: LLVMContextRef
    let module: LLVMModuleRef
    let builder: LLVMBuilderRef
    /// The scalar types, made once in `context`.
    let i1, i8, i32, i64, f32: LLVMTypeRef

    /// The function being built.
    var function: LLVMValueRef!
    /// The kernel's start, end and block parameters.
    var startArgument, endArgument, blockArgument: LLVMValueRef!
    /// Each slot's base address (`i8*`) and element count, loaded once in the entry block.
    var slotBases: [LLVMValueRef] = []
    var slotSizes: [LLVMValueRef] = []
    /// Scatter-adds emitted together (`LLVMCodegen+ScatterAddGroups.swift`).
    lazy var scatterAddGroups = ScatterAddGroups(program)
    /// Gathers that load for later ones of the same element, and the loads made so far by leading gathers
    /// (`LLVMCodegen+GatherMerging.swift`).
    lazy var gatherMerging = GatherMerging(program)
    var mergedGatherLoads: [Int: LLVMValueRef] = [:]
    /// Which shifted loads share a prefetch, and the runs already prefetched (`LLVMCodegen+ShiftedPrefetch.swift`).
    lazy var shiftedPrefetchPlan = ShiftedPrefetchPlan(shiftedLoads(), distance: Int64(Self.prefetchDistance))
    var prefetchedRuns: Set<PrefetchKey> = []
    /// The loop counter i, the lane numbers i + 0 ... i + W-1 (`<W x i64>`) and which lanes are < end.
    var loopIndex: LLVMValueRef!
    var laneNumbers: LLVMValueRef!
    var activeLanes: LLVMValueRef!
    /// True while a refilling kernel's header, body, epilogue and refill are emitted (`LLVMCodegen+LaneRefill.swift`):
    /// each lane holds its own element, so `laneNumbers` are not consecutive and `loopIndex` means nothing.
    var refillsLanes = false
    /// The register value of each instruction (nil for side effects).
    var values: [LLVMValueRef?]
    /// Accumulators of the `reducePartial` instructions, by instruction index.
    var accumulators: [Int: Accumulator] = [:]
    /// Accumulators of the riding products' instructions (one per row of A), by instruction index.
    var ridingAccumulators: [Int: [Accumulator]] = [:]
    /// The out-of-range count: its loop phi and its running value within the body (nil when not counting).
    var outOfRangePhi: LLVMValueRef?
    var outOfRangeCount: LLVMValueRef?
    /// The symbolic loops being emitted, innermost last (`LLVMCodegen+Loops.swift`).
    var loopFrames: [LoopFrame] = []
    /// The dispatches being emitted, innermost last, and the result cells of the last one that ended
    /// (`LLVMCodegen+Dispatch.swift`).
    var dispatchFrames: [DispatchFrame] = []
    var finishedDispatchCells: [(cell: LLVMValueRef, type: ScalarType)] = []

    /// Prepares to build into `module`, which lives in `context`.
    init(program: KernelProgram, context: LLVMContextRef, module: LLVMModuleRef) {
        self.program = program
        self.width = program.vectorWidth
        self.context = context
        self.module = module
        self.builder = LLVMCreateBuilderInContext(context)
        i1 = LLVMInt1TypeInContext(context)
        i8 = LLVMInt8TypeInContext(context)
        i32 = LLVMInt32TypeInContext(context)
        i64 = LLVMInt64TypeInContext(context)
        f32 = LLVMFloatTypeInContext(context)
        values = Array(repeating: nil, count: program.instructions.count)
    }

    /// Frees the builder (the module and context belong to the caller).
    deinit { LLVMDisposeBuilder(builder) }

    /// Builds the kernel function named `name` into the module.
    func build(name: String) throws {
        guard width >= 1 else { throw LLVMBackendError.unsupported("vector width \(width)") }
        if let shape = KernelMatrixProduct.standalone(program) { return buildMatrixProduct(shape, name: name) }
        if let plan = LaneRefillPlan(program) { return try buildRefilling(plan, name: name) }
        declareFunction(name: name)
        let entry = appendBlock("entry"), header = appendBlock("loop"), body = appendBlock("body")
        let exit = appendBlock("exit")

        // Entry: slot addresses and sizes, loop-invariant.
        LLVMPositionBuilderAtEnd(builder, entry)
        loadSlots()
        LLVMBuildBr(builder, header)

        // Header: loop-carried values, and the exit test.
        LLVMPositionBuilderAtEnd(builder, header)
        createLoopPhis(entry: entry)
        LLVMBuildCondBr(builder, LLVMBuildICmp(builder, LLVMIntSLT, loopIndex, endArgument, "more"), body, exit)

        // Body: the instructions, on W lanes at a time.
        LLVMPositionBuilderAtEnd(builder, body)
        computeLaneMasks()
        for index in program.instructions.indices { try emit(instructionAt: index) }

        // Latch: advance, and feed the phis (the body may have ended in a block other than `body`).
        let latch = LLVMGetInsertBlock(builder)!
        let next = LLVMBuildAdd(builder, loopIndex, constant(i64, width), "next")!
        LLVMBuildBr(builder, header)
        addIncoming(loopIndex, next, from: latch)
        for accumulator in accumulators.values { addIncoming(accumulator.phi, accumulator.next, from: latch) }
        for accumulator in ridingAccumulators.values.joined() {
            addIncoming(accumulator.phi, accumulator.next, from: latch)
        }
        if let outOfRangePhi, let outOfRangeCount { addIncoming(outOfRangePhi, outOfRangeCount, from: latch) }

        // Exit: reduction partials and the bounds counter.
        LLVMPositionBuilderAtEnd(builder, exit)
        finishReductions()
        flushOutOfRangeCount()
        LLVMBuildRetVoid(builder)
    }

    // MARK: - Skeleton

    /// Adds the `KernelEntry`-shaped function to the module.
    func declareFunction(name: String) {
        var parameters: [LLVMTypeRef?] = [i64, i64, i64, pointer(to: pointer(to: i8)), pointer(to: i64)]
        let type = LLVMFunctionType(LLVMVoidTypeInContext(context), &parameters, 5, 0)
        function = LLVMAddFunction(module, name, type)
        LLVMAddAttributeAtIndex(function, functionAttributeIndex, enumAttribute("nounwind"))
        startArgument = LLVMGetParam(function, 0)
        endArgument = LLVMGetParam(function, 1)
        blockArgument = LLVMGetParam(function, 2)
    }

    /// A new basic block at the end of the function.
    func appendBlock(_ name: String) -> LLVMBasicBlockRef {
        LLVMAppendBasicBlockInContext(context, function, name)
    }

    /// Loads every slot's base pointer and size; unused ones are removed by the optimiser. The slots sized like the
    /// launch share the first one's size value, so that range checks of one index in several of them are one.
    func loadSlots() {
        let pointers = LLVMGetParam(function, 3)!, sizes = LLVMGetParam(function, 4)!
        var launchSize: LLVMValueRef?
        for slot in program.slots.indices {
            let base = LLVMBuildLoad2(builder, pointer(to: i8), gep(pointer(to: i8), pointers, constant(i64, slot)),
                                      "slot\(slot)")!
            let shared = program.slots[slot].sizedLikeLaunch ? launchSize : nil
            let size = shared ?? LLVMBuildLoad2(builder, i64, gep(i64, sizes, constant(i64, slot)), "size\(slot)")!
            if program.slots[slot].sizedLikeLaunch { launchSize = size }
            slotBases.append(base)
            slotSizes.append(size)
        }
    }

    /// Phis for i, every reduction accumulator and the out-of-range count, entered with their start values.
    private func createLoopPhis(entry: LLVMBasicBlockRef) {
        loopIndex = LLVMBuildPhi(builder, i64, "i")
        addIncoming(loopIndex, startArgument, from: entry)
        for (index, instruction) in program.instructions.enumerated() where instruction.op == .reducePartial {
            let kind = ReductionKind(rawValue: instruction.auxiliary) ?? .sum
            let phi = LLVMBuildPhi(builder, vectorType(instruction.type), "acc\(index)")!
            addIncoming(phi, identity(kind, instruction.type), from: entry)
            accumulators[index] = Accumulator(phi: phi, next: phi)
        }
        createRidingAccumulatorPhis(entry: entry)
        if program.countsOutOfRange, boundsCounterSlot != nil {
            let phi = LLVMBuildPhi(builder, i64, "outOfRange")!
            addIncoming(phi, constant(i64, 0), from: entry)
            outOfRangePhi = phi
        }
    }

    /// The per-iteration lane numbers and the `lane < end` mask.
    private func computeLaneMasks() {
        laneNumbers = LLVMBuildAdd(builder, splat(loopIndex), constantVector(i64, Array(0..<width)), "lanes")
        activeLanes = LLVMBuildICmp(builder, LLVMIntSLT, laneNumbers, splat(endArgument), "active")
        outOfRangeCount = outOfRangePhi
    }

    /// The slot that counts out-of-range lanes, if the program has one.
    var boundsCounterSlot: Int? { program.slots.firstIndex { $0.role == .boundsCounter } }

    // MARK: - Dispatch

    /// Emits one instruction, recording its value.
    func emit(instructionAt index: Int) throws {
        let instruction = program.instructions[index]
        let operandIndices = instruction.operandList
        guard operandIndices.allSatisfy({ $0 >= 0 && $0 < index && values[$0] != nil }) else {
            throw LLVMBackendError.unsupported("instruction \(index) (\(instruction.op)) has an invalid operand")
        }
        let operands = operandIndices.map { values[$0]! }
        let firstType = operandIndices.first.map { program.instructions[$0].type } ?? instruction.type
        switch instruction.op {
        case .literal: values[index] = splat(bits: instruction.immediate, instruction.type)
        case .laneIndex: values[index] = LLVMBuildTrunc(builder, laneNumbers, vectorType(.int32), "lane")
        case .load: values[index] = try emitLoad(instruction)
        case .loadScalar: values[index] = try emitLoadScalar(instruction)
        case .gather: values[index] = try emitMergedGather(instruction, at: index, index: operands[0],
                                                            indexType: firstType, mask: operands[1])
        case .store: try emitStore(instruction, value: operands[0])
        case .scatter: try emitScatter(instruction, index: operands[0], indexType: firstType,
                                       value: operands[1], mask: operands[2])
        case .scatterAdd:
            if let members = scatterAddGroups.groups[index] {
                try emitScatterAddGroup(members)
            } else if !scatterAddGroups.deferred.contains(index) {
                try emitScatterAdd(instruction, index: operands[0], indexType: firstType, value: operands[1],
                                   mask: operands[2])
            }
        case .reducePartial: try emitReducePartial(instruction, at: index, value: operands[0])
        case .blockSum, .blockMin, .blockMax: values[index] = try emitBlockReduction(instruction)
        case .blockTreeSum: values[index] = try emitBlockTreeReduction(instruction)
        case .blockAccumulate: try emitBlockAccumulate(instruction, value: operands[0])
        case .matrixProduct:
            if ridingAccumulators[index] != nil {
                try emitRidingProduct(instruction, at: index, value: operands[0])
            } else {
                values[index] = try emitProductLanes(instruction)
            }
        case .loop: emitLoopStart(at: index)
        case .loopVariable: values[index] = emitLoopVariable(instruction, initial: operands[0])
        case .loopCondition: emitLoopCondition(mask: operands[0])
        case .loopUpdate: emitLoopUpdate(variable: operands[0], next: operands[1])
        case .loopEnd: emitLoopEnd()
        case .callArgument: values[index] = operands[0]  // read by the call that follows
        case .nativeCall: try emitNativeCall(instruction, at: index, mask: operands[0])
        case .callResult: break  // set by the call
        case .dispatch: try emitDispatchStart(instruction, at: index, selector: operands[0], mask: operands[1])
        case .dispatchCase: emitDispatchCase(instruction)
        case .caseResult: emitCaseResult(instruction, value: operands[0])
        case .dispatchEnd: emitDispatchEnd()
        case .dispatchResult: values[index] = emitDispatchResult(instruction)
        case .loopOutput, .caseArgument, .dispatchOutput, .nativeCallOutput:
            throw LLVMBackendError.unsupported("\(instruction.op) is a graph-only op")
        case .buffer, .reduceSum, .reduceMin, .reduceMax:
            throw LLVMBackendError.unsupported("\(instruction.op) is a graph-only op")
        default:
            values[index] = try emitElementwise(instruction, operands, operandType: firstType)
        }
    }

    // MARK: - Types and constants

    /// The register element type: float, i32, or i1 for masks.
    func scalarType(_ type: ScalarType) -> LLVMTypeRef {
        switch type {
        case .float32: f32
        case .int32, .uint32: i32
        case .bool: i1
        }
    }

    /// The in-memory element type: float or i32 (masks are stored as 32-bit 0/1).
    func memoryType(_ type: ScalarType) -> LLVMTypeRef { type == .float32 ? f32 : i32 }

    /// `<W x T>` for the register element type.
    func vectorType(_ type: ScalarType) -> LLVMTypeRef { LLVMVectorType(scalarType(type), UInt32(width)) }

    /// `<W x T>` for the memory element type.
    func memoryVectorType(_ type: ScalarType) -> LLVMTypeRef { LLVMVectorType(memoryType(type), UInt32(width)) }

    /// A pointer type in address space 0 (typed in LLVM 14, `ptr` with opaque pointers).
    func pointer(to type: LLVMTypeRef) -> LLVMTypeRef { LLVMPointerType(type, 0) }

    /// An integer constant of an integer type.
    func constant(_ type: LLVMTypeRef, _ value: Int) -> LLVMValueRef {
        LLVMConstInt(type, UInt64(bitPattern: Int64(value)), 0)
    }

    /// The scalar register constant with the given 32 bits (masks: bits != 0).
    func scalarConstant(bits: UInt32, _ type: ScalarType) -> LLVMValueRef {
        switch type {
        case .bool: return LLVMConstInt(i1, bits != 0 ? 1 : 0, 0)
        case .int32, .uint32: return LLVMConstInt(i32, UInt64(bits), 0)
        case .float32: return LLVMConstBitCast(LLVMConstInt(i32, UInt64(bits), 0), f32)  // keeps NaN payloads
        }
    }

    /// The vector register constant with the given 32 bits in every lane.
    func splat(bits: UInt32, _ type: ScalarType) -> LLVMValueRef {
        splatConstant(scalarConstant(bits: bits, type))
    }

    /// A constant vector with `element` in every lane.
    func splatConstant(_ element: LLVMValueRef) -> LLVMValueRef {
        var elements = [LLVMValueRef?](repeating: element, count: width)
        return LLVMConstVector(&elements, UInt32(width))
    }

    /// A constant integer vector with the given lanes.
    func constantVector(_ type: LLVMTypeRef, _ lanes: [Int]) -> LLVMValueRef {
        var elements: [LLVMValueRef?] = lanes.map { constant(type, $0) }
        return LLVMConstVector(&elements, UInt32(lanes.count))
    }

    /// A runtime scalar broadcast to all lanes (insertelement + shufflevector).
    func splat(_ scalar: LLVMValueRef) -> LLVMValueRef {
        let vector = LLVMVectorType(LLVMTypeOf(scalar), UInt32(width))
        let single = LLVMBuildInsertElement(builder, LLVMGetPoison(vector), scalar, constant(i32, 0), "")
        return LLVMBuildShuffleVector(builder, single, LLVMGetPoison(vector),
                                      LLVMConstNull(LLVMVectorType(i32, UInt32(width))), "splat")
    }

    /// The identity of a reduction as a vector register constant.
    func identity(_ kind: ReductionKind, _ type: ScalarType) -> LLVMValueRef {
        splat(bits: ScalarSemantics.identity(of: kind, type: type), type)
    }

    // MARK: - Builder helpers

    /// `base + index` elements of type `element` (a vector index gives a vector of addresses).
    func gep(_ element: LLVMTypeRef, _ base: LLVMValueRef, _ index: LLVMValueRef) -> LLVMValueRef {
        var indices: [LLVMValueRef?] = [index]
        return LLVMBuildGEP2(builder, element, base, &indices, 1, "")
    }

    /// Calls a function whose type is `type`.
    @discardableResult
    func call(_ type: LLVMTypeRef, _ callee: LLVMValueRef, _ arguments: [LLVMValueRef]) -> LLVMValueRef {
        var arguments: [LLVMValueRef?] = arguments
        return LLVMBuildCall2(builder, type, callee, &arguments, UInt32(arguments.count), "")
    }

    /// Calls the LLVM intrinsic `name`, overloaded on `types` (so the name mangles right for any pointer model).
    @discardableResult
    func intrinsic(_ name: String, _ types: [LLVMTypeRef], _ arguments: [LLVMValueRef]) -> LLVMValueRef {
        let id = LLVMLookupIntrinsicID(name, name.utf8.count)
        precondition(id != 0, "unknown LLVM intrinsic \(name)")
        var overloads: [LLVMTypeRef?] = types
        let declaration = LLVMGetIntrinsicDeclaration(module, id, &overloads, overloads.count)!
        return call(LLVMIntrinsicGetType(context, id, &overloads, overloads.count), declaration, arguments)
    }

    /// The attribute index of the function itself (C's `LLVMAttributeFunctionIndex`, -1, imports as an Int).
    var functionAttributeIndex: LLVMAttributeIndex {
        LLVMAttributeIndex(truncatingIfNeeded: LLVMAttributeFunctionIndex)
    }

    /// An enum attribute such as `nounwind`, by name.
    func enumAttribute(_ name: String) -> LLVMAttributeRef {
        LLVMCreateEnumAttribute(context, LLVMGetEnumAttributeKindForName(name, name.utf8.count), 0)
    }

    /// Adds one incoming edge to a phi.
    func addIncoming(_ phi: LLVMValueRef, _ value: LLVMValueRef, from block: LLVMBasicBlockRef) {
        var incomingValues: [LLVMValueRef?] = [value]
        var incomingBlocks: [LLVMBasicBlockRef?] = [block]
        LLVMAddIncoming(phi, &incomingValues, &incomingBlocks, 1)
    }

    /// `compute()` in a block entered only where `condition` holds; after it, for each of its values, a phi of that
    /// value and the matching one of `otherwise` (the values where the block was skipped).
    func onlyWhere(_ condition: LLVMValueRef, _ name: String, otherwise: [LLVMValueRef],
                   _ compute: () -> [LLVMValueRef]) -> [LLVMValueRef] {
        let before = LLVMGetInsertBlock(builder)!
        let body = appendBlock(name), done = appendBlock(name + ".done")
        LLVMBuildCondBr(builder, condition, body, done)
        LLVMPositionBuilderAtEnd(builder, body)
        let computed = compute()
        let bodyEnd = LLVMGetInsertBlock(builder)!
        LLVMBuildBr(builder, done)
        LLVMPositionBuilderAtEnd(builder, done)
        return zip(computed, otherwise).map { value, other in
            let phi = LLVMBuildPhi(builder, LLVMTypeOf(other), "")!
            addIncoming(phi, other, from: before)
            addIncoming(phi, value, from: bodyEnd)
            return phi
        }
    }

    /// One lane of a vector.
    func extract(_ vector: LLVMValueRef, _ lane: Int) -> LLVMValueRef {
        LLVMBuildExtractElement(builder, vector, constant(i32, lane), "")
    }

    /// A vector with one lane replaced.
    func insert(_ vector: LLVMValueRef, _ element: LLVMValueRef, _ lane: Int) -> LLVMValueRef {
        LLVMBuildInsertElement(builder, vector, element, constant(i32, lane), "")
    }
}
