// Code generation of native calls: the packet spilled to aligned stack buffers, an indirect call, the outputs.
//
//     mask   = active lanes & the call's mask; mask cell = sext(mask) (-1 / 0 per lane)
//     input cells ← the inputs; output cells ← 0; the pointer arrays ← the cells
//     br any(mask) ? call : after
//     call:   f(context, mask cell, inputs, outputs)   (f and context loaded from the pointer buffer's slot)
//     after:  result_j = select(mask, load(output cell j), 0)
//
// The cells are allocas in the entry block (64-byte aligned), so every vector reuses them. The select keeps lanes
// outside the mask at 0 whatever the function leaves there.
import CLLVM

extension LLVMCodegen {
    /// `nativeCall` at `index`: calls the function on the vector's packet and sets the values of its results.
    func emitNativeCall(_ instruction: KernelInstruction, at index: Int, mask: LLVMValueRef) throws {
        let inputCount = Int(instruction.auxiliary & 0xffff), outputCount = Int(instruction.auxiliary >> 16)
        let slot = try slotIndex(instruction)
        let lanes = LLVMBuildAnd(builder, activeLanes, mask, "call.mask")!
        let laneInts = LLVMVectorType(i32, UInt32(width))!
        let bytePointer = pointer(to: i8)
        // Phase 1: the packet.
        let maskCell = entryAlloca(laneInts, "call.maskCell")
        store(LLVMBuildSExt(builder, lanes, laneInts, "")!, to: maskCell)
        let inputArray = entryAlloca(LLVMArrayType(bytePointer, UInt32(max(inputCount, 1))), "call.inputs")
        for position in 0..<inputCount {
            let argument = index - inputCount + position
            let type = program.instructions[argument].type
            let cell = entryAlloca(memoryVectorType(type), "call.input\(position)")
            store(toMemory(values[argument]!, type), to: cell)
            storePointer(cell, into: inputArray, at: position)
        }
        let outputArray = entryAlloca(LLVMArrayType(bytePointer, UInt32(outputCount)), "call.outputs")
        var outputCells: [LLVMValueRef] = []
        for position in 0..<outputCount {
            let type = program.instructions[index + 1 + position].type
            let cell = entryAlloca(memoryVectorType(type), "call.output\(position)")
            store(LLVMConstNull(memoryVectorType(type)), to: cell)
            storePointer(cell, into: outputArray, at: position)
            outputCells.append(cell)
        }
        // Phase 2: the call, skipped when no lane is active.
        let callBlock = appendBlock("call"), after = appendBlock("call.after")
        LLVMBuildCondBr(builder, anyLane(lanes), callBlock, after)
        LLVMPositionBuilderAtEnd(builder, callBlock)
        let words = LLVMBuildPointerCast(builder, slotBases[slot], pointer(to: i64), "")!
        let functionBits = LLVMBuildLoad2(builder, i64, gep(i64, words, constant(i64, 0)), "call.function")!
        let contextBits = LLVMBuildLoad2(builder, i64, gep(i64, words, constant(i64, 1)), "call.context")!
        var parameters: [LLVMTypeRef?] = [bytePointer, bytePointer, bytePointer, bytePointer]
        let functionType = LLVMFunctionType(LLVMVoidTypeInContext(context), &parameters, 4, 0)!
        let callee = LLVMBuildIntToPtr(builder, functionBits, pointer(to: functionType), "")!
        call(functionType, callee, [LLVMBuildIntToPtr(builder, contextBits, bytePointer, "")!,
                                    LLVMBuildPointerCast(builder, maskCell, bytePointer, "")!,
                                    LLVMBuildPointerCast(builder, inputArray, bytePointer, "")!,
                                    LLVMBuildPointerCast(builder, outputArray, bytePointer, "")!])
        LLVMBuildBr(builder, after)
        // Phase 3: the results, 0 outside the mask.
        LLVMPositionBuilderAtEnd(builder, after)
        for (position, cell) in outputCells.enumerated() {
            let type = program.instructions[index + 1 + position].type
            let loaded = LLVMBuildLoad2(builder, memoryVectorType(type), cell, "")!
            LLVMSetAlignment(loaded, 64)
            values[index + 1 + position] = LLVMBuildSelect(builder, lanes, toRegister(loaded, type),
                                                           LLVMConstNull(vectorType(type)), "call.result")
        }
    }

    /// A 64-byte aligned stack cell made in the entry block (so loops do not grow the stack).
    func entryAlloca(_ type: LLVMTypeRef, _ name: String) -> LLVMValueRef {
        let current = LLVMGetInsertBlock(builder)!
        let entry = LLVMGetEntryBasicBlock(function)!
        if let terminator = LLVMGetBasicBlockTerminator(entry) {
            LLVMPositionBuilderBefore(builder, terminator)
        } else {
            LLVMPositionBuilderAtEnd(builder, entry)
        }
        let cell = LLVMBuildAlloca(builder, type, name)!
        LLVMSetAlignment(cell, 64)
        LLVMPositionBuilderAtEnd(builder, current)
        return cell
    }

    /// An aligned store of a whole vector into a stack cell.
    private func store(_ value: LLVMValueRef, to cell: LLVMValueRef) {
        let typed = LLVMBuildPointerCast(builder, cell, pointer(to: LLVMTypeOf(value)), "")!
        LLVMSetAlignment(LLVMBuildStore(builder, value, typed), 64)
    }

    /// Stores the address of `cell` into element `position` of an array of `i8*`.
    private func storePointer(_ cell: LLVMValueRef, into array: LLVMValueRef, at position: Int) {
        let elements = LLVMBuildPointerCast(builder, array, pointer(to: pointer(to: i8)), "")!
        LLVMBuildStore(builder, LLVMBuildPointerCast(builder, cell, pointer(to: i8), "")!,
                       gep(pointer(to: i8), elements, constant(i64, position)))
    }
}
