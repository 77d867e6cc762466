// After optimisation, on CPUs without mask registers: lane masks that cross basic blocks, and the logic that combines
// masks, use 32-bit lanes.
import CLLVM

/// Rewrites an optimised module so that no `<N x i1>` value crosses a basic block boundary or is combined by logic.
///
/// Why: without AVX-512 a `<8 x i1>` is not a legal register type. SelectionDAG selects one basic block at a time,
/// so a mask defined in one block and used in another is passed between them as `<8 x i16>`: packed where it is
/// defined, then widened and shifted back to 32-bit lanes where it is used (three instructions per crossing, in
/// loops and around every masked load). The compares that make masks and the blends and masked memory operations
/// that use them all work on 32-bit lanes whose sign bit is the mask, so this pass makes each crossing carry
/// exactly that: a sign extension to `<N x i32>` where the mask is defined and `icmp slt 0` where it is used, and
/// phis of `<N x i32>` in place of mask phis. It runs after `default<O3>`, whose InstCombine would fold the pair
/// back; the back end's own combines then use the wide value directly.
///
/// Inside a block, the same legalisation turns the `and`, `or`, `xor` and `select` of masks into operations on
/// `<8 x i16>`: each compare's result is packed before and widened after (a film's pull packed 41 masks per vector
/// and widened 24). So those operations are rewritten on the sign-extended masks too, with one `icmp slt 0` after
/// each for its users; chains of them stay wide.
enum LaneMaskWidening {
    /// Whether the host needs the rewrite: CPUs with AVX-512 keep masks in mask registers across blocks.
    static var isNeeded: Bool { !HostCPU.enabledFeatures.contains("avx512f") }

    /// Rewrites every function of `module` that has a body.
    static func run(on module: LLVMModuleRef) {
        let builder = LLVMCreateBuilderInContext(LLVMGetModuleContext(module))!
        defer { LLVMDisposeBuilder(builder) }
        var function = LLVMGetFirstFunction(module)
        while let current = function {
            if LLVMCountBasicBlocks(current) > 0 {
                var rewrite = FunctionRewrite(builder: builder)
                rewrite.run(on: current)
            }
            function = LLVMGetNextFunction(current)
        }
    }
}

/// The rewrite of one function.
private struct FunctionRewrite {
    let builder: LLVMBuilderRef
    /// For each mask that now has a wide form: that `<N x i32>` value (a wide phi, or a sign extension).
    var wideForm: [LLVMValueRef: LLVMValueRef] = [:]
    /// The sign extensions made for phi inputs at the end of their incoming blocks, by (mask, block).
    var incomingExtensions: [Pair: LLVMValueRef] = [:]

    struct Pair: Hashable {
        let value: LLVMValueRef
        let block: LLVMBasicBlockRef
    }

    init(builder: LLVMBuilderRef) { self.builder = builder }

    mutating func run(on function: LLVMValueRef) {
        widenPhis(of: function)
        widenLogic(in: function)
        widenCrossings(in: function)
        foldIncomingExtensions()
    }

    /// Replaces each `and`, `or` and `xor` of masks, and each `select` between masks, by the same operation on the
    /// operands' wide forms followed by a sign test, in program order, so that a chain reads the wide results.
    private mutating func widenLogic(in function: LLVMValueRef) {
        var logic: [LLVMValueRef] = []
        forEachInstruction(of: function) { instruction in
            guard isMask(LLVMTypeOf(instruction)) else { return }
            switch LLVMGetInstructionOpcode(instruction) {
            case LLVMAnd, LLVMOr, LLVMXor, LLVMSelect: logic.append(instruction)
            default: break
            }
        }
        for instruction in logic {
            let opcode = LLVMGetInstructionOpcode(instruction)
            let first = opcode == LLVMSelect ? 1 : 0
            let a = wideOperand(LLVMGetOperand(instruction, UInt32(first))!)
            let b = wideOperand(LLVMGetOperand(instruction, UInt32(first + 1))!)
            LLVMPositionBuilderBefore(builder, instruction)
            let wide: LLVMValueRef = switch opcode {
            case LLVMAnd: LLVMBuildAnd(builder, a, b, "")!
            case LLVMOr: LLVMBuildOr(builder, a, b, "")!
            case LLVMXor: LLVMBuildXor(builder, a, b, "")!
            default: LLVMBuildSelect(builder, LLVMGetOperand(instruction, 0)!, a, b, "")!
            }
            let narrow = signTest(wide)
            wideForm[narrow] = wide
            LLVMReplaceAllUsesWith(instruction, narrow)
            LLVMInstructionEraseFromParent(instruction)
        }
    }

    /// The wide form of a mask operand: a constant's folded, otherwise `wideValue(of:)`.
    private mutating func wideOperand(_ mask: LLVMValueRef) -> LLVMValueRef {
        LLVMIsConstant(mask) != 0 ? LLVMConstSExt(mask, wideType(of: mask)) : wideValue(of: mask)
    }

    /// Replaces each mask phi by a phi of `<N x i32>` and a compare after the block's phis.
    private mutating func widenPhis(of function: LLVMValueRef) {
        var phis: [LLVMValueRef] = []
        forEachInstruction(of: function) { instruction in
            if LLVMIsAPHINode(instruction) != nil, isMask(LLVMTypeOf(instruction)) { phis.append(instruction) }
        }
        var widePhis: [LLVMValueRef: LLVMValueRef] = [:]
        for phi in phis {
            LLVMPositionBuilderBefore(builder, phi)
            widePhis[phi] = LLVMBuildPhi(builder, wideType(of: phi), "")
        }
        for phi in phis {
            let wide = widePhis[phi]!
            var values: [LLVMValueRef?] = []
            var blocks: [LLVMBasicBlockRef?] = []
            for index in 0..<LLVMCountIncoming(phi) {
                let value = LLVMGetIncomingValue(phi, index)!
                let block = LLVMGetIncomingBlock(phi, index)!
                values.append(widePhis[value] ?? extendAtEnd(value, of: block))
                blocks.append(block)
            }
            LLVMAddIncoming(wide, &values, &blocks, UInt32(values.count))
        }
        for phi in phis {
            let wide = widePhis[phi]!
            LLVMPositionBuilderBefore(builder, firstNonPhi(in: LLVMGetInstructionParent(phi)))
            let narrow = signTest(wide)
            wideForm[narrow] = wide
            LLVMReplaceAllUsesWith(phi, narrow)
            LLVMInstructionEraseFromParent(phi)
        }
    }

    /// Gives every mask instruction used in another block a wide form, and those uses a compare in their block.
    private mutating func widenCrossings(in function: LLVMValueRef) {
        var masks: [LLVMValueRef] = []
        forEachInstruction(of: function) { instruction in
            if LLVMIsAPHINode(instruction) == nil, isMask(LLVMTypeOf(instruction)) { masks.append(instruction) }
        }
        for mask in masks {
            let home = LLVMGetInstructionParent(mask)!
            var foreignUsers: [LLVMValueRef] = []
            var use = LLVMGetFirstUse(mask)
            while let current = use {
                let user = LLVMGetUser(current)!
                if LLVMGetInstructionParent(user) != home, !foreignUsers.contains(user) { foreignUsers.append(user) }
                use = LLVMGetNextUse(current)
            }
            if foreignUsers.isEmpty { continue }
            let wide = wideValue(of: mask)
            var narrowInBlock: [LLVMBasicBlockRef: LLVMValueRef] = [:]
            for user in foreignUsers {
                let block = LLVMGetInstructionParent(user)!
                let narrow = narrowInBlock[block] ?? {
                    LLVMPositionBuilderBefore(builder, firstNonPhi(in: block))
                    let made = signTest(wide)
                    wideForm[made] = wide
                    narrowInBlock[block] = made
                    return made
                }()
                for index in 0..<LLVMGetNumOperands(user) where LLVMGetOperand(user, UInt32(index)) == mask {
                    LLVMSetOperand(user, UInt32(index), narrow)
                }
            }
        }
    }

    /// A phi input extended in its incoming block from a mask that has a wide form uses that form directly.
    private mutating func foldIncomingExtensions() {
        for extension_ in incomingExtensions.values {
            guard let operand = LLVMGetOperand(extension_, 0), let wide = wideForm[operand] else { continue }
            LLVMReplaceAllUsesWith(extension_, wide)
            LLVMInstructionEraseFromParent(extension_)
        }
    }

    /// The mask's wide form, made right after its definition (at the top of the function for a parameter) when it
    /// has none yet.
    private mutating func wideValue(of mask: LLVMValueRef) -> LLVMValueRef {
        if let wide = wideForm[mask] { return wide }
        if LLVMIsAInstruction(mask) != nil {
            LLVMPositionBuilderBefore(builder, LLVMGetNextInstruction(mask))
        } else {
            LLVMPositionBuilderBefore(builder, firstNonPhi(in: LLVMGetEntryBasicBlock(LLVMGetParamParent(mask))))
        }
        let wide = LLVMBuildSExt(builder, mask, wideType(of: mask), "")!
        wideForm[mask] = wide
        return wide
    }

    /// `value` (a mask) sign-extended at the end of `block`, before its terminator; constants fold.
    private mutating func extendAtEnd(_ value: LLVMValueRef, of block: LLVMBasicBlockRef) -> LLVMValueRef {
        if LLVMIsConstant(value) != 0 { return LLVMConstSExt(value, wideType(of: value)) }
        let key = Pair(value: value, block: block)
        if let made = incomingExtensions[key] { return made }
        LLVMPositionBuilderBefore(builder, LLVMGetBasicBlockTerminator(block))
        let made = LLVMBuildSExt(builder, value, wideType(of: value), "")!
        incomingExtensions[key] = made
        return made
    }

    /// `wide < 0` lane by lane: the mask whose lanes are the sign bits of `wide`.
    private func signTest(_ wide: LLVMValueRef) -> LLVMValueRef {
        LLVMBuildICmp(builder, LLVMIntSLT, wide, LLVMConstNull(LLVMTypeOf(wide)), "")!
    }

    /// `<N x i32>` for a mask of N lanes.
    private func wideType(of mask: LLVMValueRef) -> LLVMTypeRef {
        let type = LLVMTypeOf(mask)!
        return LLVMVectorType(LLVMInt32TypeInContext(LLVMGetTypeContext(type)), LLVMGetVectorSize(type))
    }

    private func isMask(_ type: LLVMTypeRef?) -> Bool {
        guard let type, LLVMGetTypeKind(type) == LLVMVectorTypeKind, let element = LLVMGetElementType(type) else {
            return false
        }
        return LLVMGetTypeKind(element) == LLVMIntegerTypeKind && LLVMGetIntTypeWidth(element) == 1
    }

    private func firstNonPhi(in block: LLVMBasicBlockRef) -> LLVMValueRef {
        var instruction = LLVMGetFirstInstruction(block)!
        while LLVMIsAPHINode(instruction) != nil { instruction = LLVMGetNextInstruction(instruction)! }
        return instruction
    }

    private func forEachInstruction(of function: LLVMValueRef, _ body: (LLVMValueRef) -> Void) {
        var block = LLVMGetFirstBasicBlock(function)
        while let currentBlock = block {
            var instruction = LLVMGetFirstInstruction(currentBlock)
            while let current = instruction {
                body(current)
                instruction = LLVMGetNextInstruction(current)
            }
            block = LLVMGetNextBasicBlock(currentBlock)
        }
    }
}
