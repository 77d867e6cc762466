// Code generation of the elementwise ops, matching ScalarSemantics bit for bit.
import CLLVM

extension LLVMCodegen {
    /// Emits an elementwise op on vector registers. `operandType` is the type of operand 0.
    func emitElementwise(_ instruction: KernelInstruction, _ operands: [LLVMValueRef],
                         operandType: ScalarType) throws -> LLVMValueRef {
        let op = instruction.op, type = instruction.type
        switch op {
        case .select: return LLVMBuildSelect(builder, operands[0], operands[1], operands[2], "")
        case .cast: return emitCast(operands[0], from: operandType, to: type)
        case .bitcast: return fromBits(toBits(operands[0], operandType), type)
        default: break
        }
        if op.isComparison { return emitComparison(op, operandType, operands[0], operands[1]) }
        let result: LLVMValueRef?
        switch type {
        case .float32: result = emitFloat(op, operands)
        case .int32, .uint32: result = emitInteger(op, signed: type == .int32, operands)
        case .bool: result = emitLogical(op, operands)
        }
        guard let result else { throw LLVMBackendError.unsupported("\(op) is not defined on \(type)") }
        return result
    }

    // MARK: - Per type

    /// sqrt(x), written as select(x == 0, x, sqrt(x)) (the same value: sqrt(±0) = ±0). LLVM 14 believes that
    /// 1 / sqrt(x) is never negative, forgetting 1 / sqrt(-0) = -inf, and then deletes comparisons that guard
    /// later code (exp's lower clamp, for one); the select hides the square root from that reasoning.
    private func signOpaqueSquareRoot(_ x: LLVMValueRef) -> LLVMValueRef {
        let zero = LLVMBuildFCmp(builder, LLVMRealOEQ, x, LLVMConstNull(LLVMTypeOf(x)), "")!
        return LLVMBuildSelect(builder, zero, x, intrinsic("llvm.sqrt", [LLVMTypeOf(x)!], [x]), "")!
    }

    /// Float ops; nil when the op is not defined on f32. No fast-math flags anywhere.
    private func emitFloat(_ op: Op, _ x: [LLVMValueRef]) -> LLVMValueRef? {
        let type = LLVMTypeOf(x[0])!
        let one = splatConstant(LLVMConstReal(f32, 1))
        switch op {
        case .neg: return LLVMBuildFNeg(builder, x[0], "")
        case .abs: return intrinsic("llvm.fabs", [type], [x[0]])
        case .sqrt: return signOpaqueSquareRoot(x[0])
        case .rsqrt: return LLVMBuildFDiv(builder, one, signOpaqueSquareRoot(x[0]), "")
        case .rcp: return LLVMBuildFDiv(builder, one, x[0], "")
        case .floor: return intrinsic("llvm.floor", [type], [x[0]])
        case .ceil: return intrinsic("llvm.ceil", [type], [x[0]])
        case .round: return intrinsic("llvm.roundeven", [type], [x[0]])
        case .trunc: return intrinsic("llvm.trunc", [type], [x[0]])
        case .exp, .log, .sin, .cos, .tan, .atan2, .pow: return emitTranscendental(op, x)
        case .add: return LLVMBuildFAdd(builder, x[0], x[1], "")
        case .sub: return LLVMBuildFSub(builder, x[0], x[1], "")
        case .mul: return LLVMBuildFMul(builder, x[0], x[1], "")
        case .div: return LLVMBuildFDiv(builder, x[0], x[1], "")
        case .min: return floatMin(x[0], x[1])
        case .max: return floatMax(x[0], x[1])
        case .fma: return intrinsic("llvm.fma", [type], x)
        default: return nil
        }
    }

    /// Integer ops (wrapping, never trapping); nil when the op is not defined on integers.
    private func emitInteger(_ op: Op, signed: Bool, _ x: [LLVMValueRef]) -> LLVMValueRef? {
        switch op {
        case .neg: return LLVMBuildNeg(builder, x[0], "")
        case .abs:
            guard signed else { return x[0] }
            let negative = LLVMBuildICmp(builder, LLVMIntSLT, x[0], LLVMConstNull(LLVMTypeOf(x[0])), "")
            return LLVMBuildSelect(builder, negative, LLVMBuildNeg(builder, x[0], ""), x[0], "")
        case .not: return LLVMBuildNot(builder, x[0], "")
        case .add: return LLVMBuildAdd(builder, x[0], x[1], "")
        case .sub: return LLVMBuildSub(builder, x[0], x[1], "")
        case .mul: return LLVMBuildMul(builder, x[0], x[1], "")
        case .div: return safeDivide(x[0], x[1], signed: signed)
        case .min: return integerMinMax(x[0], x[1], predicate: signed ? LLVMIntSLT : LLVMIntULT)
        case .max: return integerMinMax(x[0], x[1], predicate: signed ? LLVMIntSGT : LLVMIntUGT)
        case .mulhi: return multiplyHigh(x[0], x[1], signed: signed)
        case .shl: return LLVMBuildShl(builder, x[0], shiftAmount(x[1]), "")
        case .shr: return signed ? LLVMBuildAShr(builder, x[0], shiftAmount(x[1]), "")
                                 : LLVMBuildLShr(builder, x[0], shiftAmount(x[1]), "")
        case .and: return LLVMBuildAnd(builder, x[0], x[1], "")
        case .or: return LLVMBuildOr(builder, x[0], x[1], "")
        case .xor: return LLVMBuildXor(builder, x[0], x[1], "")
        case .fma: return LLVMBuildAdd(builder, LLVMBuildMul(builder, x[0], x[1], ""), x[2], "")
        default: return nil
        }
    }

    /// Mask ops on `<W x i1>`; nil when the op is not defined on bool.
    private func emitLogical(_ op: Op, _ x: [LLVMValueRef]) -> LLVMValueRef? {
        switch op {
        case .not: return LLVMBuildNot(builder, x[0], "")
        case .and: return LLVMBuildAnd(builder, x[0], x[1], "")
        case .or: return LLVMBuildOr(builder, x[0], x[1], "")
        case .xor: return LLVMBuildXor(builder, x[0], x[1], "")
        default: return nil
        }
    }

    /// Float comparisons are ordered except `ne` (true with a NaN); int32 compares signed, uint32 and bool unsigned.
    private func emitComparison(_ op: Op, _ type: ScalarType, _ a: LLVMValueRef, _ b: LLVMValueRef) -> LLVMValueRef {
        if type == .float32 {
            let predicate: LLVMRealPredicate = switch op {
            case .eq: LLVMRealOEQ
            case .ne: LLVMRealUNE
            case .lt: LLVMRealOLT
            case .le: LLVMRealOLE
            case .gt: LLVMRealOGT
            default: LLVMRealOGE
            }
            return LLVMBuildFCmp(builder, predicate, a, b, "")
        }
        let signed = type == .int32
        let predicate: LLVMIntPredicate = switch op {
        case .eq: LLVMIntEQ
        case .ne: LLVMIntNE
        case .lt: signed ? LLVMIntSLT : LLVMIntULT
        case .le: signed ? LLVMIntSLE : LLVMIntULE
        case .gt: signed ? LLVMIntSGT : LLVMIntUGT
        default: signed ? LLVMIntSGE : LLVMIntUGE
        }
        return LLVMBuildICmp(builder, predicate, a, b, "")
    }

    // MARK: - Conversions

    /// Value conversion as `ScalarSemantics.cast`: saturating float -> integer, bool <-> 0/1, int <-> uint by bits.
    func emitCast(_ value: LLVMValueRef, from source: ScalarType, to target: ScalarType) -> LLVMValueRef {
        let targetType = vectorType(target)
        switch (source, target) {
        case _ where source == target: return value
        case (.float32, .bool): return LLVMBuildFCmp(builder, LLVMRealUNE, value, LLVMConstNull(LLVMTypeOf(value)), "")
        case (_, .bool): return LLVMBuildICmp(builder, LLVMIntNE, value, LLVMConstNull(LLVMTypeOf(value)), "")
        case (.bool, .float32): return LLVMBuildUIToFP(builder, value, targetType, "")
        case (.bool, _): return LLVMBuildZExt(builder, value, targetType, "")
        case (.float32, .int32), (.float32, .uint32): return saturatingConversion(value, signed: target == .int32)
        case (.int32, .float32): return LLVMBuildSIToFP(builder, value, targetType, "")
        case (.uint32, .float32): return LLVMBuildUIToFP(builder, value, targetType, "")
        default: return value  // int32 <-> uint32: same bits
        }
    }

    /// Float to int32 (or uint32) rounding toward zero, saturating, NaN to 0: `llvm.fpto[su]i.sat`'s result. Why not
    /// the intrinsic: LLVM 14 turns its vector form into one scalar conversion and two compares per lane (a bitmap
    /// lookup's texel index cost 80 instructions per vector). Here the plain conversion runs on lanes inside the
    /// range, where it is exact (zero elsewhere, never poison), and selects place the limits and NaN's 0.
    private func saturatingConversion(_ value: LLVMValueRef, signed: Bool) -> LLVMValueRef {
        let targetType = vectorType(signed ? .int32 : .uint32)
        let floats = LLVMTypeOf(value)
        func floatSplat(_ x: Float) -> LLVMValueRef { splat(bits: x.bitPattern, .float32) }
        // [low, high): floats whose truncation fits (uint32's (-1, 0) truncate to 0, which `outside` gives too).
        let low: Float = signed ? -2_147_483_648 : 0, high: Float = signed ? 2_147_483_648 : 4_294_967_296
        let aboveLow = LLVMBuildFCmp(builder, LLVMRealOGE, value, floatSplat(low), "")!
        let belowHigh = LLVMBuildFCmp(builder, LLVMRealOLT, value, floatSplat(high), "")!
        let inside = LLVMBuildAnd(builder, aboveLow, belowHigh, "")!
        let safe = LLVMBuildSelect(builder, inside, value, LLVMConstNull(floats), "")!
        let converted = signed ? LLVMBuildFPToSI(builder, safe, targetType, "")! : LLVMBuildFPToUI(builder, safe, targetType, "")!
        let atLeastHigh = LLVMBuildFCmp(builder, LLVMRealOGE, value, floatSplat(high), "")!
        let maximum = splat(bits: signed ? UInt32(Int32.max) : UInt32.max, .uint32)
        // Below the range (and NaN): the minimum for int32, 0 for uint32; NaN gives 0 for both.
        let minimum = splat(bits: signed ? UInt32(bitPattern: Int32.min) : 0, .uint32)
        let isNaN = LLVMBuildFCmp(builder, LLVMRealUNO, value, value, "")!
        let outside = LLVMBuildSelect(builder, atLeastHigh, maximum,
                                      LLVMBuildSelect(builder, isNaN, LLVMConstNull(targetType), minimum, ""), "")!
        return LLVMBuildSelect(builder, inside, converted, outside, "")!
    }

    /// The 32-bit pattern of a register as `<W x i32>` (masks become 0/1).
    func toBits(_ value: LLVMValueRef, _ type: ScalarType) -> LLVMValueRef {
        switch type {
        case .float32: LLVMBuildBitCast(builder, value, vectorType(.int32), "")
        case .bool: LLVMBuildZExt(builder, value, vectorType(.int32), "")
        case .int32, .uint32: value
        }
    }

    /// A register of `type` from `<W x i32>` bits. A mask can only hold 0/1, so it becomes bits != 0.
    func fromBits(_ bits: LLVMValueRef, _ type: ScalarType) -> LLVMValueRef {
        switch type {
        case .float32: LLVMBuildBitCast(builder, bits, vectorType(.float32), "")
        case .bool: LLVMBuildICmp(builder, LLVMIntNE, bits, LLVMConstNull(LLVMTypeOf(bits)), "")
        case .int32, .uint32: bits
        }
    }

    // MARK: - Helpers

    /// minNum exactly as `ScalarSemantics.minNum`: a NaN operand yields the other; otherwise a < b ? a : b.
    /// Not llvm.minnum, which may return either zero for min(+0, -0) (x86 returns a, the scalar backend b).
    func floatMin(_ a: LLVMValueRef, _ b: LLVMValueRef) -> LLVMValueRef {
        numberPreferring(a, b, LLVMBuildSelect(builder, LLVMBuildFCmp(builder, LLVMRealOLT, a, b, ""), a, b, ""))
    }

    /// maxNum exactly as `ScalarSemantics.maxNum`: a NaN operand yields the other; otherwise a > b ? a : b.
    func floatMax(_ a: LLVMValueRef, _ b: LLVMValueRef) -> LLVMValueRef {
        numberPreferring(a, b, LLVMBuildSelect(builder, LLVMBuildFCmp(builder, LLVMRealOGT, a, b, ""), a, b, ""))
    }

    /// isNaN(a) ? b : (isNaN(b) ? a : chosen).
    private func numberPreferring(_ a: LLVMValueRef, _ b: LLVMValueRef, _ chosen: LLVMValueRef) -> LLVMValueRef {
        let aIsNaN = LLVMBuildFCmp(builder, LLVMRealUNO, a, a, "")
        let bIsNaN = LLVMBuildFCmp(builder, LLVMRealUNO, b, b, "")
        return LLVMBuildSelect(builder, aIsNaN, b, LLVMBuildSelect(builder, bIsNaN, a, chosen, ""), "")
    }

    /// predicate(a, b) ? a : b.
    func integerMinMax(_ a: LLVMValueRef, _ b: LLVMValueRef, predicate: LLVMIntPredicate) -> LLVMValueRef {
        LLVMBuildSelect(builder, LLVMBuildICmp(builder, predicate, a, b, ""), a, b, "")
    }

    /// a / b with b == 0 giving 0 and Int32.min / -1 giving Int32.min: the divisor is replaced by 1 in both
    /// cases, so the division never traps.
    private func safeDivide(_ a: LLVMValueRef, _ b: LLVMValueRef, signed: Bool) -> LLVMValueRef {
        let type = LLVMTypeOf(a)!
        let zero = LLVMConstNull(type)!
        let one = splatConstant(constant(i32, 1))
        let divisorIsZero = LLVMBuildICmp(builder, LLVMIntEQ, b, zero, "")!
        var replaceDivisor = divisorIsZero
        if signed {
            let dividendIsMin = LLVMBuildICmp(builder, LLVMIntEQ, a, splatConstant(constant(i32, Int(Int32.min))), "")
            let divisorIsMinusOne = LLVMBuildICmp(builder, LLVMIntEQ, b, LLVMConstAllOnes(type), "")
            replaceDivisor = LLVMBuildOr(builder, divisorIsZero,
                                         LLVMBuildAnd(builder, dividendIsMin, divisorIsMinusOne, ""), "")
        }
        let divisor = LLVMBuildSelect(builder, replaceDivisor, one, b, "")
        let quotient = signed ? LLVMBuildSDiv(builder, a, divisor, "") : LLVMBuildUDiv(builder, a, divisor, "")
        return LLVMBuildSelect(builder, divisorIsZero, zero, quotient, "")
    }

    /// The high 32 bits of the 64-bit product.
    private func multiplyHigh(_ a: LLVMValueRef, _ b: LLVMValueRef, signed: Bool) -> LLVMValueRef {
        let wide = LLVMVectorType(i64, UInt32(width))
        let extend = { (value: LLVMValueRef) -> LLVMValueRef in
            signed ? LLVMBuildSExt(self.builder, value, wide, "") : LLVMBuildZExt(self.builder, value, wide, "")
        }
        let product = LLVMBuildMul(builder, extend(a), extend(b), "")
        let high = LLVMBuildLShr(builder, product, splatConstant(constant(i64, 32)), "")
        return LLVMBuildTrunc(builder, high, LLVMTypeOf(a), "")
    }

    /// The shift amount modulo 32.
    private func shiftAmount(_ amount: LLVMValueRef) -> LLVMValueRef {
        LLVMBuildAnd(builder, amount, splatConstant(constant(i32, 31)), "")
    }

}
